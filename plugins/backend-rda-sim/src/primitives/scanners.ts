import type { Chan } from '../channel';
import { DONE, STOP, VAL } from '../tokens';
import type { LevelStorage } from '@fuseflow/ir';
import { OK, Prim } from './base';

/** Coordinates a scanner emits per call in the fast engine (keeps channel buffers short). */
const FIBER_BATCH = 256;

/** Emits ref 0 then Done. */
export class RootPrim extends Prim {
  private sent = false;
  constructor(id: number, label: string, lat: number, ii: number, private out: Chan) {
    super(id, label, 'root', lat, ii);
  }
  fire(t: number, _limit: number): number {
    if (!this.sent) {
      this.emit(this.out, VAL, 0, t + this.lat);
      this.sent = true;
      return this.commit(t, this.ii);
    }
    return this.finishAll(t);
  }
}

/**
 * Runs of a COO-style (non-unique) storage: a level followed by a singleton level stores one
 * position per element, so a coordinate repeats over consecutive positions. `runEnd[p]` = the end
 * of the run of position p at this level (positions sharing this and every upper level's
 * coordinate, never crossing a fiber), present when the next level is singleton; `parentEnd` =
 * the parent level's runEnd, present for a singleton level (its fiber under ref r is
 * [r, parentEnd[r])). Null for a level that needs neither.
 */
export function cooRuns(levels: LevelStorage[], lvl: number): { runEnd: Int32Array | null; parentEnd: Int32Array | null } {
  const runEnd = lvl + 1 < levels.length && levels[lvl + 1].format === 'singleton' ? runEnds(levels, lvl) : null;
  const parentEnd = levels[lvl].format === 'singleton' && lvl > 0 ? runEnds(levels, lvl - 1) : null;
  return { runEnd, parentEnd };
}

/** Run starts: fiber starts of a compressed level, else the parent level's run starts; and every coordinate change. */
function runStarts(levels: LevelStorage[], lvl: number): Uint8Array {
  const lv = levels[lvl];
  const crd = lv.crd!;
  const n = crd.length;
  let start: Uint8Array;
  if (lv.format === 'singleton' && lvl > 0) start = runStarts(levels, lvl - 1);
  else {
    start = new Uint8Array(n + 1);
    if (lv.pos) for (const q of lv.pos) start[q] = 1;
  }
  start[0] = 1;
  start[n] = 1;
  for (let p = 1; p < n; p++) if (crd[p] !== crd[p - 1]) start[p] = 1;
  return start;
}

function runEnds(levels: LevelStorage[], lvl: number): Int32Array {
  const start = runStarts(levels, lvl);
  const n = start.length - 1;
  const end = new Int32Array(n);
  let next = n;
  for (let p = n - 1; p >= 0; p--) {
    end[p] = next;
    if (start[p] === 1) next = p;
  }
  return end;
}

/**
 * Level scanner over one storage level. compressed: seg/crd arrays; dense: `dim` coordinates
 * with ref = parent * dim + crd; singleton: the parent run's positions [ref, parentEnd[ref]).
 * A level above a singleton level (COO) emits each coordinate once, with the first position of
 * its run as ref, and steps to the run's end (as a seg lookup would).
 */
export class ScanPrim extends Prim {
  private st = 0;
  private p = 0;
  private end = 0;
  private base = 0;
  /** 0 compressed, 1 dense, 2 singleton (a number keeps the per-token test cheap). */
  private readonly kind01: number;
  constructor(
    id: number,
    label: string,
    lat: number,
    ii: number,
    private fmt: 'compressed' | 'dense' | 'singleton',
    private seg: Int32Array | null,
    private crd: Int32Array | null,
    private dim: number,
    private loadCycles: number,
    private inp: Chan,
    private outRef: Chan,
    private outCrd: Chan,
    private runEnd: Int32Array | null = null,
    private parentEnd: Int32Array | null = null,
  ) {
    super(id, label, 'level_scan', lat, ii);
    this.kind01 = fmt === 'compressed' ? 0 : fmt === 'dense' ? 1 : 2;
  }
  fire(t: number, limit: number): number {
    if (this.st === 1) {
      if (limit === Infinity && this.bounded.length === 0 && this.runEnd === null) return this.fiber(t);
      const p = this.p;
      const c = this.kind01 === 1 ? p - this.base : this.crd![p];
      this.reads++;
      this.emit(this.outCrd, VAL, c, t + this.lat);
      this.emit(this.outRef, VAL, p, t + this.lat);
      this.p = this.runEnd === null ? p + 1 : this.runEnd[p];
      if (this.p === this.end) this.st = 2;
      return this.commit(t, this.ii);
    }
    const x = this.look1(this.inp, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const tag = this.inp.tagAt(0);
    if (this.st === 2) {
      // Fiber end: a following input stop is folded into this fiber's stop.
      let lvl = 0;
      if (tag === STOP) {
        lvl = this.inp.valAt(0) + 1;
        this.pop(this.inp, t);
      }
      this.emit(this.outCrd, STOP, lvl, t + this.lat);
      this.emit(this.outRef, STOP, lvl, t + this.lat);
      this.st = 0;
      return this.commit(t, this.ii);
    }
    if (tag === VAL) {
      const r = this.inp.valAt(0);
      this.pop(this.inp, t);
      let cost = this.loadCycles;
      if (this.fmt === 'compressed') {
        this.p = this.seg![r];
        this.end = this.seg![r + 1];
        this.reads += 2;
        if (this.hbm !== null) {
          const ready = this.hbm.access(t, 2 + (this.end - this.p));
          if (ready - t > cost) cost = ready - t;
        }
      } else if (this.fmt === 'singleton') {
        this.p = r;
        this.end = this.parentEnd === null ? r + 1 : this.parentEnd[r];
      } else {
        this.base = r * this.dim;
        this.p = this.base;
        this.end = this.base + this.dim;
      }
      this.st = this.p === this.end ? 2 : 1;
      return this.commit(t, cost);
    }
    const v = this.inp.valAt(0);
    this.pop(this.inp, t);
    if (tag === DONE) return this.finishAll(t);
    if (tag === STOP) {
      this.emit(this.outCrd, STOP, v + 1, t + this.lat);
      this.emit(this.outRef, STOP, v + 1, t + this.lat);
      return this.commit(t, this.ii);
    }
    // Empty ref (an operand absent after a union): scan it as an empty fiber, so the stop
    // structure stays aligned with the other operands of the next union.
    this.st = 2;
    return this.commit(t, 0);
  }

  /**
   * The rest of the current fiber (at most FIBER_BATCH coordinates) in one call, one step per
   * coordinate exactly as above. Only without back-pressure (unbounded outputs) and without a
   * time limit (the fast engine), where no other node can observe the difference.
   */
  private fiber(t: number): number {
    const start = this.p;
    const end = this.end - start > FIBER_BATCH ? start + FIBER_BATCH : this.end;
    const oc = this.outCrd;
    const or = this.outRef;
    const lat = this.lat;
    const ii = this.ii;
    if (this.kind01 === 1) {
      const base = this.base;
      for (let p = start; p < end; p++, t += ii) {
        oc.push(VAL, p - base, t + lat);
        or.push(VAL, p, t + lat);
      }
    } else {
      const crd = this.crd!;
      for (let p = start; p < end; p++, t += ii) {
        oc.push(VAL, crd[p], t + lat);
        or.push(VAL, p, t + lat);
      }
    }
    this.reads += end - start;
    this.ran(t, end - start, ii);
    this.p = end;
    if (end === this.end) this.st = 2;
    return OK;
  }
}

/** GenRef: a fresh reference (position counter) per coordinate; stops/empty/done pass. */
export class GenRefPrim extends Prim {
  private next = 0;
  constructor(id: number, label: string, lat: number, ii: number, private inp: Chan, private out: Chan) {
    super(id, label, 'gen_ref', lat, ii);
  }
  fire(t: number, limit: number): number {
    const x = this.look1(this.inp, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const tag = this.inp.tagAt(0);
    const v = this.inp.valAt(0);
    this.pop(this.inp, t);
    if (tag === DONE) return this.finishAll(t);
    this.emit(this.out, tag, tag === VAL ? this.next++ : v, t + this.lat);
    return this.commit(t, this.ii);
  }
}
