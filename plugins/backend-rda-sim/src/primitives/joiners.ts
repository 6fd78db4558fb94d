import type { Chan } from '../channel';
import { DONE, EMPTY, STOP, VAL } from '../tokens';
import { OK, Prim } from './base';

/** N-ary intersect / union over aligned (crd, ref) input pairs. */
export class JoinerPrim extends Prim {
  private readonly n: number;
  constructor(
    id: number,
    label: string,
    lat: number,
    ii: number,
    private union: boolean,
    private crds: Chan[],
    private refs: Chan[],
    private outCrd: Chan,
    private outRefs: Chan[],
  ) {
    super(id, label, union ? 'union' : 'intersect', lat, ii);
    this.n = crds.length;
  }
  fire(t: number, limit: number): number {
    const n = this.n;
    if (n === 2 && !this.union) return this.step2(t, limit);
    for (let i = 0; i < n; i++) {
      let x = this.look1(this.crds[i], t, limit);
      if (x < 0) return this.blockedCode(x);
      x = this.look1(this.refs[i], x, limit);
      if (x < 0) return this.blockedCode(x);
      t = x;
    }
    // A reduce placeholder (Empty payload facing a stop of its crd) names no point: drop it.
    let phantom = false;
    for (let i = 0; i < n; i++) {
      if (this.crds[i].tagAt(0) === STOP && this.refs[i].tagAt(0) === EMPTY) {
        this.pop(this.refs[i], t);
        phantom = true;
      }
    }
    if (phantom) return this.commit(t, this.ii);
    let nVal = 0;
    let nStop = 0;
    let nDone = 0;
    let nEmpty = 0;
    let mn = Infinity;
    let mx = -Infinity;
    for (let i = 0; i < n; i++) {
      const tag = this.crds[i].tagAt(0);
      if (tag === VAL) {
        nVal++;
        const c = this.crds[i].valAt(0);
        if (c < mn) mn = c;
        if (c > mx) mx = c;
      } else if (tag === STOP) nStop++;
      else if (tag === DONE) nDone++;
      else nEmpty++;
    }
    const at = t + this.lat;
    if (nEmpty > 0) {
      // An Empty coordinate names no point of the iteration space: drop it (and its ref).
      for (let i = 0; i < n; i++) {
        if (this.crds[i].tagAt(0) === EMPTY) {
          this.pop(this.crds[i], t);
          this.pop(this.refs[i], t);
        }
      }
      return this.commit(t, this.ii);
    }
    if (nDone === n) {
      for (let i = 0; i < n; i++) {
        this.pop(this.crds[i], t);
        this.pop(this.refs[i], t);
      }
      return this.finishAll(t);
    }
    if (nDone > 0) this.protocol(`inputs end at different times (${nDone} of ${n} done)`);
    if (nStop === n) {
      const k = this.crds[0].valAt(0);
      for (let i = 0; i < n; i++) {
        if (this.crds[i].valAt(0) !== k) this.protocol(`stop levels differ between inputs (S${k} vs S${this.crds[i].valAt(0)} on input ${i})`);
        this.pop(this.crds[i], t);
        this.pop(this.refs[i], t);
      }
      this.emit(this.outCrd, STOP, k, at);
      for (let i = 0; i < n; i++) this.emit(this.outRefs[i], STOP, k, at);
      return this.commit(t, this.ii);
    }
    if (!this.union) {
      if (nStop > 0) {
        // Some inputs ended their fiber: drain the others' remaining coordinates.
        for (let i = 0; i < n; i++) {
          if (this.crds[i].tagAt(0) === VAL) {
            this.pop(this.crds[i], t);
            this.pop(this.refs[i], t);
          }
        }
        return this.commit(t, this.ii);
      }
      if (mn === mx) {
        this.emit(this.outCrd, VAL, mn, at);
        for (let i = 0; i < n; i++) {
          this.emit(this.outRefs[i], this.refs[i].tagAt(0), this.refs[i].valAt(0), at);
          this.pop(this.crds[i], t);
          this.pop(this.refs[i], t);
        }
        return this.commit(t, this.ii);
      }
      for (let i = 0; i < n; i++) {
        if (this.crds[i].valAt(0) < mx) {
          this.pop(this.crds[i], t);
          this.pop(this.refs[i], t);
        }
      }
      return this.commit(t, this.ii);
    }
    this.emit(this.outCrd, VAL, mn, at);
    for (let i = 0; i < n; i++) {
      const c = this.crds[i];
      if (c.tagAt(0) === VAL && c.valAt(0) === mn) {
        this.emit(this.outRefs[i], this.refs[i].tagAt(0), this.refs[i].valAt(0), at);
        this.pop(c, t);
        this.pop(this.refs[i], t);
      } else this.emit(this.outRefs[i], EMPTY, 0, at);
    }
    return this.commit(t, this.ii);
  }

  /** Two-input intersection, the hot case: same semantics as the N-ary path without array loops. */
  private step2(t: number, limit: number): number {
    const c0 = this.crds[0];
    const c1 = this.crds[1];
    const r0 = this.refs[0];
    const r1 = this.refs[1];
    let x = this.look1(c0, t, limit);
    if (x < 0) return this.blockedCode(x);
    x = this.look1(r0, x, limit);
    if (x < 0) return this.blockedCode(x);
    x = this.look1(c1, x, limit);
    if (x < 0) return this.blockedCode(x);
    x = this.look1(r1, x, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const a = c0.tagAt(0);
    const b = c1.tagAt(0);
    if ((a === STOP && r0.tagAt(0) === EMPTY) || (b === STOP && r1.tagAt(0) === EMPTY)) {
      // reduce placeholders (see the N-ary path)
      if (a === STOP && r0.tagAt(0) === EMPTY) this.pop(r0, t);
      if (b === STOP && r1.tagAt(0) === EMPTY) this.pop(r1, t);
      return this.commit(t, this.ii);
    }
    if (a === VAL && b === VAL) {
      if (limit === Infinity && this.bounded.length === 0) return this.merge(t);
      const u = c0.valAt(0);
      const v = c1.valAt(0);
      if (u === v) {
        const at = t + this.lat;
        this.emit(this.outCrd, VAL, u, at);
        this.emit(this.outRefs[0], r0.tagAt(0), r0.valAt(0), at);
        this.emit(this.outRefs[1], r1.tagAt(0), r1.valAt(0), at);
        this.pop(c0, t);
        this.pop(r0, t);
        this.pop(c1, t);
        this.pop(r1, t);
      } else if (u < v) {
        this.pop(c0, t);
        this.pop(r0, t);
      } else {
        this.pop(c1, t);
        this.pop(r1, t);
      }
      return this.commit(t, this.ii);
    }
    if (a === STOP && b === STOP) {
      const k = c0.valAt(0);
      if (c1.valAt(0) !== k) this.protocol(`stop levels differ between inputs (S${k} vs S${c1.valAt(0)} on input 1)`);
      const at = t + this.lat;
      this.pop(c0, t);
      this.pop(r0, t);
      this.pop(c1, t);
      this.pop(r1, t);
      this.emit(this.outCrd, STOP, k, at);
      this.emit(this.outRefs[0], STOP, k, at);
      this.emit(this.outRefs[1], STOP, k, at);
      return this.commit(t, this.ii);
    }
    if (a === VAL && b === STOP) {
      this.pop(c0, t);
      this.pop(r0, t);
      return this.commit(t, this.ii);
    }
    if (a === STOP && b === VAL) {
      this.pop(c1, t);
      this.pop(r1, t);
      return this.commit(t, this.ii);
    }
    if (a === EMPTY || b === EMPTY) {
      if (a === EMPTY) {
        this.pop(c0, t);
        this.pop(r0, t);
      }
      if (b === EMPTY) {
        this.pop(c1, t);
        this.pop(r1, t);
      }
      return this.commit(t, this.ii);
    }
    if (a === DONE && b === DONE) {
      this.pop(c0, t);
      this.pop(r0, t);
      this.pop(c1, t);
      this.pop(r1, t);
      return this.finishAll(t);
    }
    this.protocol('inputs end at different times (1 of 2 done)');
  }

  /**
   * The value/value case of step2 repeated while both inputs show coordinates, one step per
   * comparison, in one call. Only without back-pressure and time limit (the fast engine).
   */
  private merge(t: number): number {
    const c0 = this.crds[0];
    const c1 = this.crds[1];
    const r0 = this.refs[0];
    const r1 = this.refs[1];
    const oc = this.outCrd;
    const o0 = this.outRefs[0];
    const o1 = this.outRefs[1];
    const lat = this.lat;
    const ii = this.ii;
    let k = 0;
    for (;;) {
      const u = c0.valAt(0);
      const v = c1.valAt(0);
      if (u === v) {
        const at = t + lat;
        oc.push(VAL, u, at);
        o0.push(r0.tagAt(0), r0.valAt(0), at);
        o1.push(r1.tagAt(0), r1.valAt(0), at);
        c0.pop(t);
        r0.pop(t);
        c1.pop(t);
        r1.pop(t);
      } else if (u < v) {
        c0.pop(t);
        r0.pop(t);
      } else {
        c1.pop(t);
        r1.pop(t);
      }
      t += ii;
      k++;
      if (c0.count === 0 || r0.count === 0 || c1.count === 0 || r1.count === 0 || c0.tagAt(0) !== VAL || c1.tagAt(0) !== VAL) break;
      // the next step starts when its four heads are visible
      let h = c0.timeAt(0);
      if (h > t) t = h;
      h = r0.timeAt(0);
      if (h > t) t = h;
      h = c1.timeAt(0);
      if (h > t) t = h;
      h = r1.timeAt(0);
      if (h > t) t = h;
    }
    this.ran(t, k, ii);
    return OK;
  }
}

/**
 * Iterate-locate: ref1 := position of the coordinate in the dense operand, ref2 := ref,
 * crd := crd. Without a `base` input the dense level is taken to sit under a zero parent ref
 * (ref1 = crd, Comal); with `base` (the dense operand's parent refs, one per crd fiber)
 * ref1 = base * dim + crd.
 */
export class LocatePrim extends Prim {
  private cur = -1;
  constructor(
    id: number,
    label: string,
    lat: number,
    ii: number,
    private crd: Chan,
    private ref: Chan,
    private o1: Chan,
    private o2: Chan,
    private oc: Chan,
    private base: Chan | null = null,
    private dim = 0,
  ) {
    super(id, label, 'locate', lat, ii);
  }
  fire(t: number, limit: number): number {
    let x = this.look1(this.crd, t, limit);
    if (x < 0) return this.blockedCode(x);
    x = this.look1(this.ref, x, limit);
    if (x < 0) return this.blockedCode(x);
    const bs = this.base;
    if (bs !== null && this.cur < 0 && this.crd.tagAt(0) !== DONE) {
      // Start of a crd fiber: take its parent ref (or the base stream's standalone stop).
      x = this.look1(bs, x, limit);
      if (x < 0) return this.blockedCode(x);
      t = x;
      if (bs.tagAt(0) === STOP) {
        if (this.crd.tagAt(0) !== STOP) this.protocol('base stream has an empty fiber but the crd stream has coordinates', bs);
        this.pop(bs, t);
        return this.passStop(t);
      }
      this.cur = bs.valAt(0);
      this.pop(bs, t);
      return this.commit(t, 0);
    }
    t = x;
    const tag = this.crd.tagAt(0);
    const c = this.crd.valAt(0);
    if (tag === DONE) {
      if (bs !== null) {
        const y = this.look1(bs, t, limit);
        if (y < 0) return this.blockedCode(y);
        t = y;
        this.pop(bs, t);
      }
      this.pop(this.crd, t);
      this.pop(this.ref, t);
      return this.finishAll(t);
    }
    if (tag === STOP) {
      if (bs !== null && c >= 1) {
        // The crd stop also closes the base fiber: consume the base stream's matching stop.
        const y = this.look1(bs, t, limit);
        if (y < 0) return this.blockedCode(y);
        t = y;
        this.pop(bs, t);
      }
      this.cur = -1;
      return this.passStop(t);
    }
    const at = t + this.lat;
    this.emit(this.o1, tag, tag === VAL && bs !== null ? this.cur * this.dim + c : c, at);
    this.emit(this.o2, this.ref.tagAt(0), this.ref.valAt(0), at);
    this.emit(this.oc, tag, c, at);
    this.pop(this.crd, t);
    this.pop(this.ref, t);
    return this.commit(t, this.ii);
  }
  private passStop(t: number): number {
    const k = this.crd.valAt(0);
    const at = t + this.lat;
    this.emit(this.o1, STOP, k, at);
    this.emit(this.o2, this.ref.tagAt(0), this.ref.valAt(0), at);
    this.emit(this.oc, STOP, k, at);
    this.pop(this.crd, t);
    this.pop(this.ref, t);
    return this.commit(t, this.ii);
  }
}
