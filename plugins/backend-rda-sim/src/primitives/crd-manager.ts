import type { Chan } from '../channel';
import { EMPTY, STOP, VAL } from '../tokens';
import { Prim } from './base';

/**
 * Coordinate drop: forwards an outer coordinate only if its inner fiber held a value. The inner
 * stream is compacted (as SAM Python's CrdDrop): a dropped fiber's stop is merged into the
 * pending stop, so the inner output keeps one fiber per kept outer coordinate.
 */
export class CrdDropPrim extends Prim {
  private pending = -1;
  private count = 0;
  private prevStop = true;
  constructor(id: number, label: string, lat: number, ii: number, private inner: Chan, private outer: Chan, private oi: Chan, private oo: Chan) {
    super(id, label, 'crd_drop', lat, ii);
  }
  private dropStop(k: number, at: number): void {
    if (this.pending >= 1) {
      this.emit(this.oi, STOP, this.pending, at);
      this.pending = -1;
    }
    if (k >= 1) this.pending = this.pending > k ? this.pending : k;
  }
  fire(t: number, limit: number): number {
    let x = this.look1(this.outer, t, limit);
    if (x < 0) return this.blockedCode(x);
    x = this.look1(this.inner, x, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const at = t + this.lat;
    const ot = this.outer.tagAt(0);
    const it = this.inner.tagAt(0);
    const iv = this.inner.valAt(0);
    if (ot === VAL || ot === EMPTY) {
      if (it === VAL || it === EMPTY) {
        if (this.pending >= 0) {
          this.emit(this.oi, STOP, this.pending, at);
          this.pending = -1;
        }
        this.emit(this.oi, it, iv, at);
        if (it === VAL) this.count++;
        this.pop(this.inner, t);
      } else if (it === STOP) {
        this.pop(this.inner, t);
        if (this.count > 0) {
          this.emit(this.oo, ot, this.outer.valAt(0), at);
          this.pending = iv;
        } else this.dropStop(iv, at);
        this.count = 0;
        this.pop(this.outer, t);
        this.prevStop = false;
      } else this.protocol('inner stream ended while the outer stream has coordinates', this.inner);
      return this.commit(t, this.ii);
    }
    if (ot === STOP) {
      if (this.prevStop) {
        if (it !== STOP) this.protocol('empty outer fiber without a matching inner stop', this.inner);
        this.pop(this.inner, t);
        this.dropStop(iv, at);
      }
      this.emit(this.oo, STOP, this.outer.valAt(0), at);
      this.pop(this.outer, t);
      this.prevStop = true;
      return this.commit(t, this.ii);
    }
    if (this.pending >= 0) this.emit(this.oi, STOP, this.pending, at);
    this.pop(this.outer, t);
    this.pop(this.inner, t);
    return this.finishAll(t);
  }
}

/** Coordinate hold: repeats the outer coordinate once per inner coordinate. */
export class CrdHoldPrim extends Prim {
  private prevStop = true;
  constructor(id: number, label: string, lat: number, ii: number, private inner: Chan, private outer: Chan, private oi: Chan, private oo: Chan) {
    super(id, label, 'crd_hold', lat, ii);
  }
  fire(t: number, limit: number): number {
    let x = this.look1(this.outer, t, limit);
    if (x < 0) return this.blockedCode(x);
    const ot = this.outer.tagAt(0);
    if (ot === STOP && !this.prevStop) {
      // This outer stop was already expressed by the inner stream's higher stop.
      t = x;
      this.pop(this.outer, t);
      this.prevStop = true;
      return this.commit(t, this.ii);
    }
    x = this.look1(this.inner, x, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const at = t + this.lat;
    const it = this.inner.tagAt(0);
    const iv = this.inner.valAt(0);
    if (ot === VAL || ot === EMPTY) {
      if (it === VAL || it === EMPTY) {
        this.emit(this.oi, it, iv, at);
        this.emit(this.oo, ot, this.outer.valAt(0), at);
        this.pop(this.inner, t);
      } else if (it === STOP) {
        this.emit(this.oi, STOP, iv, at);
        this.emit(this.oo, STOP, iv, at);
        this.pop(this.inner, t);
        this.pop(this.outer, t);
        this.prevStop = false;
      } else this.protocol('inner stream ended while the outer stream has coordinates', this.inner);
      return this.commit(t, this.ii);
    }
    if (ot === STOP) {
      if (it !== STOP) this.protocol('empty outer fiber without a matching inner stop', this.inner);
      this.emit(this.oi, STOP, iv, at);
      this.emit(this.oo, STOP, iv, at);
      this.pop(this.inner, t);
      this.pop(this.outer, t);
      return this.commit(t, this.ii);
    }
    this.pop(this.outer, t);
    this.pop(this.inner, t);
    return this.finishAll(t);
  }
}
