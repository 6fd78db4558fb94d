import type { Chan } from '../channel';
import { DONE, EMPTY, STOP, VAL } from '../tokens';
import { AccMap } from './acc-map';
import { FINISHED, OK, Prim, after } from './base';
import { tileReduce, type TileReducePlan, type TileStore } from './tiles';

/** Reducer: one value per innermost fiber (Empty if it held none); Stop(k>0) -> Stop(k-1); Empty skipped. */
export class ReducePrim extends Prim {
  private acc: number;
  private accTile: Float64Array | null = null;
  private seen = false;
  private readonly init: number;
  constructor(
    id: number,
    label: string,
    lat: number,
    ii: number,
    private isMax: boolean,
    private stopLat: number,
    private emptyCycles: number,
    private tiles: TileStore | null,
    private inp: Chan,
    private out: Chan,
    /** block mode: fold each tile over the reduced variables inside it first (row max / sum of a tile). */
    private inTile: TileReducePlan | null = null,
  ) {
    super(id, label, 'reduce', lat, ii);
    this.init = isMax ? -Infinity : 0;
    this.acc = this.init;
  }
  fire(t: number, limit: number): number {
    const x = this.look1(this.inp, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const tag = this.inp.tagAt(0);
    const v = this.inp.valAt(0);
    this.pop(this.inp, t);
    if (tag === VAL) {
      this.seen = true;
      const tl = this.tiles;
      if (tl === null) {
        this.acc = this.isMax ? (v > this.acc ? v : this.acc) : this.acc + v;
        this.ops++;
      } else {
        const src = this.inTile === null ? tl.get(v) : tileReduce(this.inTile, tl.get(v, this.inTile.into.length), this.isMax);
        if (this.inTile !== null) this.ops += this.inTile.into.length - src.length;
        if (this.accTile === null) this.accTile = new Float64Array(src.length).fill(this.init);
        const a = this.accTile;
        for (let i = 0; i < a.length; i++) a[i] = this.isMax ? Math.max(a[i], src[i]) : a[i] + src[i];
        this.ops += a.length;
      }
      return this.commit(t, this.ii);
    }
    if (tag === EMPTY) return this.commit(t, this.emptyCycles);
    if (tag === DONE) {
      for (let i = 0; i < this.outs.length; i++) this.emit(this.outs[i], DONE, 0, t + this.stopLat);
      this.commit(t, this.ii);
      this.done = true;
      this.finish = this.now;
      return FINISHED;
    }
    const tl = this.tiles;
    // A fiber without any value is absent (Empty), not 0 / -inf: exp(sum over nothing) stays absent.
    if (!this.seen) this.emit(this.out, EMPTY, 0, t + this.lat);
    else this.emit(this.out, VAL, tl === null ? this.acc : tl.add(this.accTile!), t + this.lat);
    if (v > 0) this.emit(this.out, STOP, v - 1, t + this.stopLat);
    this.acc = this.init;
    this.accTile = null;
    this.seen = false;
    return this.commit(t, this.ii);
  }
}

/**
 * Spacc1 (Comal): accumulates (inner crd, val) pairs into an ordered map while the outer
 * (reduced-index) stream shows coordinates; an outer Stop(s) flushes the map in crd order, all
 * entries at the same timestamp, followed by Stop(s). An outer stop right after another stop (an
 * empty outer fiber) also consumes the inner stream's matching standalone stop.
 */
export class Spacc1Prim extends Prim {
  private map: AccMap;
  /** Inner coordinates under one outer coordinate in a row, one step each as in fire(). */
  private run(t: number): number {
    const { oc, ic, v, map, ii } = this;
    if (oc.count === 0) return 0;
    const ot = oc.tagAt(0);
    if (ot !== VAL && ot !== EMPTY) return 0;
    t = after(oc, t);
    let k = 0;
    for (; ic.count !== 0 && v.count !== 0 && ic.tagAt(0) === VAL; k++, t += ii) {
      t = after(v, after(ic, t));
      if (v.tagAt(0) === VAL) {
        const key = ic.valAt(0);
        this.ops += map.add(key < 1073741824 ? key | 0 : key, v.valAt(0));
      }
      ic.pop(t);
      v.pop(t);
    }
    return this.ran(t, k, ii);
  }
  private prevStop = true;
  constructor(id: number, label: string, lat: number, ii: number, tiles: TileStore | null, private ic: Chan, private oc: Chan, private v: Chan, private oic: Chan, private ov: Chan, isMax = false) {
    super(id, label, 'spacc1', lat, ii);
    this.map = new AccMap(tiles, isMax);
  }
  fire(t: number, limit: number): number {
    if (this.runs(limit) && this.run(t) !== 0) return OK;
    let x = this.look1(this.oc, t, limit);
    if (x < 0) return this.blockedCode(x);
    const ot = this.oc.tagAt(0);
    if (ot === VAL || ot === EMPTY) {
      x = this.look1(this.ic, x, limit);
      if (x < 0) return this.blockedCode(x);
      x = this.look1(this.v, x, limit);
      if (x < 0) return this.blockedCode(x);
      t = x;
      const it = this.ic.tagAt(0);
      if (it === STOP && this.v.tagAt(0) === EMPTY) {
        this.pop(this.v, t); // reduce placeholder of a fiber the inner crd shows absent
        return this.commit(t, this.ii);
      }
      if (it === VAL) {
        if (this.v.tagAt(0) === VAL) {
          const k = this.ic.valAt(0);
          this.ops += this.map.add(k < 1073741824 ? k | 0 : k, this.v.valAt(0));
        }
        this.pop(this.ic, t);
        this.pop(this.v, t);
      } else if (it === STOP) {
        this.pop(this.ic, t);
        this.pop(this.v, t);
        this.pop(this.oc, t);
        this.prevStop = false;
      } else if (it === EMPTY) {
        this.pop(this.ic, t);
        this.pop(this.v, t);
      } else this.protocol('inner stream ended while the outer stream still has coordinates', this.ic);
      return this.commit(t, this.ii);
    }
    if (ot === STOP) {
      const s = this.oc.valAt(0);
      if (this.prevStop) {
        x = this.look1(this.ic, x, limit);
        if (x < 0) return this.blockedCode(x);
        x = this.look1(this.v, x, limit);
        if (x < 0) return this.blockedCode(x);
        if (this.ic.tagAt(0) !== STOP) this.protocol(`empty outer fiber (S${s}) but the inner stream has no matching stop`, this.ic);
        if (this.v.tagAt(0) === EMPTY) {
          this.pop(this.v, x); // reduce placeholder
          return this.commit(x, this.ii);
        }
        this.pop(this.ic, x);
        this.pop(this.v, x);
      }
      t = x;
      this.pop(this.oc, t);
      const at = t + this.lat;
      const [keys, vals] = this.map.drain();
      for (let i = 0; i < keys.length; i++) {
        this.emit(this.oic, VAL, keys[i], at);
        this.emit(this.ov, VAL, vals[i], at);
      }
      this.emit(this.oic, STOP, s, at);
      this.emit(this.ov, STOP, s, at);
      this.prevStop = true;
      return this.commit(t, this.ii);
    }
    x = this.look1(this.ic, x, limit);
    if (x < 0) return this.blockedCode(x);
    x = this.look1(this.v, x, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    this.pop(this.oc, t);
    this.pop(this.ic, t);
    this.pop(this.v, t);
    return this.finishAll(t);
  }
}


/**
 * Spacc2: like Spacc1 with a two-level map keyed by (crd1, crd0), for a reduction two levels
 * above the inner coordinate. The flush emits crd1 fibers of crd0/val entries.
 */
export class Spacc2Prim extends Prim {
  /**
   * One ordered accumulator keyed by crd1 * key + crd0: key 2^15 keeps keys small integers (fast
   * Map hashing) while coordinates allow; the first larger coordinate switches to 2^26 (re-keying).
   */
  private m: AccMap;
  private key = 1 << 15;
  private prevOuterStop = true;
  private prevC1Stop = true;
  constructor(
    id: number,
    label: string,
    lat: number,
    ii: number,
    private tiles: TileStore | null,
    private c0: Chan,
    private c1: Chan,
    private oc: Chan,
    private v: Chan,
    private o0: Chan,
    private o1: Chan,
    private ov: Chan,
    isMax = false,
  ) {
    super(id, label, 'spacc2', lat, ii);
    this.m = new AccMap(tiles, isMax);
  }
  private widen(): void {
    const [keys, vals] = this.m.drain();
    // re-adding into the drained (reset) map preserves sums and maxima alike
    const wide = 1 << 26;
    for (let i = 0; i < keys.length; i++) {
      const k1 = Math.floor(keys[i] / this.key);
      this.m.add(k1 * wide + (keys[i] - k1 * this.key), vals[i]);
    }
    this.key = wide;
  }
  /** crd0 coordinates under one (outer, crd1) pair in a row, one step each as in fire(). */
  private run(t: number): number {
    const { oc, c1, c0, v, ii } = this;
    if (oc.count === 0 || c1.count === 0) return 0;
    const ot = oc.tagAt(0);
    const t1 = c1.tagAt(0);
    if ((ot !== VAL && ot !== EMPTY) || (t1 !== VAL && t1 !== EMPTY)) return 0;
    t = after(c1, after(oc, t));
    const k1 = c1.valAt(0);
    let k = 0;
    for (; c0.count !== 0 && v.count !== 0 && c0.tagAt(0) === VAL; k++, t += ii) {
      t = after(v, after(c0, t));
      if (t1 === VAL && v.tagAt(0) === VAL) {
        const k0 = c0.valAt(0);
        if (this.key === 1 << 15 && (k0 >= 1 << 15 || k1 >= 1 << 16)) this.widen();
        this.ops += this.m.add(this.key === 1 << 15 ? (k1 * 32768 + k0) | 0 : k1 * this.key + k0, v.valAt(0));
      }
      c0.pop(t);
      v.pop(t);
    }
    return this.ran(t, k, ii);
  }
  fire(t: number, limit: number): number {
    if (this.runs(limit) && this.run(t) !== 0) return OK;
    let x = this.look1(this.oc, t, limit);
    if (x < 0) return this.blockedCode(x);
    const ot = this.oc.tagAt(0);
    if (ot === VAL || ot === EMPTY) {
      x = this.look1(this.c1, x, limit);
      if (x < 0) return this.blockedCode(x);
      const t1 = this.c1.tagAt(0);
      if (t1 === VAL || t1 === EMPTY) {
        x = this.look1(this.c0, x, limit);
        if (x < 0) return this.blockedCode(x);
        x = this.look1(this.v, x, limit);
        if (x < 0) return this.blockedCode(x);
        t = x;
        const t0 = this.c0.tagAt(0);
        if (t0 === STOP && this.v.tagAt(0) === EMPTY) {
          this.pop(this.v, t); // reduce placeholder of a fiber crd0 shows absent
          return this.commit(t, this.ii);
        }
        if (t0 === VAL) {
          if (t1 === VAL && this.v.tagAt(0) === VAL) {
            const k0 = this.c0.valAt(0);
            const k1 = this.c1.valAt(0);
            if (this.key === 1 << 15 && (k0 >= 1 << 15 || k1 >= 1 << 16)) this.widen();
            // `| 0` keeps small keys as Smis (no boxed doubles in the Map).
            this.ops += this.m.add(this.key === 1 << 15 ? (k1 * 32768 + k0) | 0 : k1 * this.key + k0, this.v.valAt(0));
          }
          this.pop(this.c0, t);
          this.pop(this.v, t);
        } else if (t0 === STOP) {
          this.pop(this.c0, t);
          this.pop(this.v, t);
          this.pop(this.c1, t);
          this.prevC1Stop = false;
        } else if (t0 === EMPTY) {
          this.pop(this.c0, t);
          this.pop(this.v, t);
        } else this.protocol('crd0 ended before crd1', this.c0);
        return this.commit(t, this.ii);
      }
      if (t1 === STOP) {
        if (this.prevC1Stop) {
          x = this.look1(this.c0, x, limit);
          if (x < 0) return this.blockedCode(x);
          x = this.look1(this.v, x, limit);
          if (x < 0) return this.blockedCode(x);
          if (this.c0.tagAt(0) === STOP && this.v.tagAt(0) === EMPTY) {
            this.pop(this.v, x); // reduce placeholder
            return this.commit(x, this.ii);
          }
          this.pop(this.c0, x);
          this.pop(this.v, x);
        }
        t = x;
        this.pop(this.c1, t);
        this.pop(this.oc, t);
        this.prevC1Stop = true;
        this.prevOuterStop = false;
        return this.commit(t, this.ii);
      }
      this.protocol('crd1 ended while the outer stream has coordinates', this.c1);
    }
    if (ot === STOP) {
      const s = this.oc.valAt(0);
      if (this.prevOuterStop) {
        x = this.look1(this.c1, x, limit);
        if (x < 0) return this.blockedCode(x);
        x = this.look1(this.c0, x, limit);
        if (x < 0) return this.blockedCode(x);
        x = this.look1(this.v, x, limit);
        if (x < 0) return this.blockedCode(x);
        if (this.c0.tagAt(0) === STOP && this.v.tagAt(0) === EMPTY) {
          this.pop(this.v, x); // reduce placeholder
          return this.commit(x, this.ii);
        }
        this.pop(this.c1, x);
        this.pop(this.c0, x);
        this.pop(this.v, x);
      }
      t = x;
      this.pop(this.oc, t);
      const at = t + this.lat;
      const [keys, vals] = this.m.drain();
      let cur = -1;
      for (let i = 0; i < keys.length; i++) {
        const k1 = Math.floor(keys[i] / this.key);
        if (k1 !== cur) {
          if (cur >= 0) {
            this.emit(this.o0, STOP, 0, at);
            this.emit(this.ov, STOP, 0, at);
          }
          this.emit(this.o1, VAL, k1, at);
          cur = k1;
        }
        this.emit(this.o0, VAL, keys[i] - k1 * this.key, at);
        this.emit(this.ov, VAL, vals[i], at);
      }
      this.emit(this.o0, STOP, s + 1, at);
      this.emit(this.ov, STOP, s + 1, at);
      this.emit(this.o1, STOP, s, at);
      this.prevOuterStop = true;
      this.prevC1Stop = true;
      return this.commit(t, this.ii);
    }
    for (const c of [this.c1, this.c0, this.v]) {
      x = this.look1(c, x, limit);
      if (x < 0) return this.blockedCode(x);
    }
    t = x;
    this.pop(this.oc, t);
    this.pop(this.c1, t);
    this.pop(this.c0, t);
    this.pop(this.v, t);
    return this.finishAll(t);
  }
}
