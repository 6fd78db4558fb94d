import type { Chan } from '../channel';
import { DONE, EMPTY, STOP, VAL } from '../tokens';
import { OK, Prim, after, live } from './base';

/** Repeat-signal generator: Val/Empty -> Repeat, Stop(k) -> Stop, Done -> Done. */
export class RepSigPrim extends Prim {
  constructor(id: number, label: string, lat: number, ii: number, private inp: Chan, private out: Chan) {
    super(id, label, 'repsig', lat, ii);
  }
  fire(t: number, limit: number): number {
    if (this.runs(limit) && this.run(t) !== 0) return OK;
    const x = this.look1(this.inp, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const tag = this.inp.tagAt(0);
    this.pop(this.inp, t);
    if (tag === DONE) return this.finishAll(t);
    this.emit(this.out, tag === STOP ? STOP : VAL, tag === STOP ? 0 : 1, t + this.lat);
    return this.commit(t, this.ii);
  }
  /** The queued tokens up to Done, one step each as in fire(); returns the steps taken. */
  private run(t: number): number {
    const { inp, out, lat, ii } = this;
    let k = 0;
    for (; live(inp); k++, t += ii) {
      t = after(inp, t);
      const stop = inp.tagAt(0) === STOP;
      inp.pop(t);
      out.push(stop ? STOP : VAL, stop ? 0 : 1, t + lat);
    }
    return this.ran(t, k, ii);
  }
}

/**
 * Repeater (Comal semantics): on Repeat emit the current input token without consuming it; on
 * Stop consume it (and a following input stop S(k), emitting S(k+1), else S0).
 */
export class RepeatPrim extends Prim {
  constructor(id: number, label: string, lat: number, ii: number, private inp: Chan, private sig: Chan, private out: Chan) {
    super(id, label, 'repeat', lat, ii);
  }
  fire(t: number, limit: number): number {
    if (this.runs(limit) && this.run(t) !== 0) return OK;
    let x = this.look1(this.sig, t, limit);
    if (x < 0) return this.blockedCode(x);
    x = this.look1(this.inp, x, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const s = this.sig.tagAt(0);
    const h = this.inp.tagAt(0);
    if (s === VAL) {
      if (h !== VAL && h !== EMPTY) this.protocol('repeat signal R but the input has no value to repeat', this.inp);
      this.emit(this.out, h, this.inp.valAt(0), t + this.lat);
      this.pop(this.sig, t);
      return this.commit(t, this.ii);
    }
    if (s === STOP) {
      if (h === STOP) {
        const k = this.inp.valAt(0);
        this.pop(this.inp, t);
        this.emit(this.out, STOP, k + 1, t + this.lat);
      } else if (h === VAL || h === EMPTY) {
        const y = this.lookN(this.inp, 2, t, limit);
        if (y < 0) return this.blockedCode(y);
        t = y;
        if (this.inp.tagAt(1) === STOP) {
          const k = this.inp.valAt(1);
          this.pop(this.inp, t);
          this.pop(this.inp, t);
          this.emit(this.out, STOP, k + 1, t + this.lat);
        } else {
          this.pop(this.inp, t);
          this.emit(this.out, STOP, 0, t + this.lat);
        }
      } else this.protocol('repeat signal S but the input is done', this.inp);
      this.pop(this.sig, t);
      return this.commit(t, this.ii);
    }
    if (s === DONE) {
      if (h !== DONE) this.protocol('repeat signal D before the input stream ended', this.inp);
      this.pop(this.sig, t);
      this.pop(this.inp, t);
      return this.finishAll(t);
    }
    this.protocol('Empty token on a repeat-signal stream', this.sig);
  }
  /** Repeat signals in a row on a value input, one step each as in fire(); returns the steps taken. */
  private run(t: number): number {
    const { inp, sig, out, lat, ii } = this;
    if (inp.count === 0) return 0;
    const h = inp.tagAt(0);
    if (h !== VAL && h !== EMPTY) return 0;
    const v = inp.valAt(0);
    t = after(inp, t);
    let k = 0;
    for (; sig.count !== 0 && sig.tagAt(0) === VAL; k++, t += ii) {
      t = after(sig, t);
      out.push(h, v, t + lat);
      sig.pop(t);
    }
    return this.ran(t, k, ii);
  }
}
