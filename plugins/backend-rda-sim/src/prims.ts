import { FuseFlowError } from '@fuseflow/kernel';
import type { AluOp, NodeAttrs } from '@fuseflow/ir';
import type { Chan, Waker } from './channel';
import { DONE, EMPTY, STOP, VAL, showToken } from './tokens';

/** step() results. */
export const OK = 0;
export const WAIT_IN = 1;
export const WAIT_OUT = 2;
export const WAIT_TIME = 3;
export const FINISHED = 4;

/** Comal's HBM parameters (fuseflow-reference.md section 3.4). */
export const HBM_PARAMS = { channels: 8, bytesPerRequest: 64, latency: 2, ii: 2, startup: 14 } as const;

/**
 * Per-node view of the 8-channel HBM model: requests of 64 bytes spread round-robin over the
 * channels, each channel pays its start-up time on first use and then one request per II; a
 * node waits for all acks of a batch. Channels are private to the node (no cross-node
 * contention) so the model stays schedule-independent and both engines agree exactly.
 */
export class HbmPort {
  private free = new Float64Array(HBM_PARAMS.channels);
  private used = new Uint8Array(HBM_PARAMS.channels);
  private rot = 0;
  requests = 0;
  /** Issues reads/writes of `words` 4-byte words at time t; returns when the last ack arrives. */
  access(t: number, words: number): number {
    const n = Math.ceil((words * 4) / HBM_PARAMS.bytesPerRequest);
    let ready = t;
    for (let r = 0; r < n; r++) {
      const ch = this.rot;
      this.rot = (this.rot + 1) % HBM_PARAMS.channels;
      let start = t > this.free[ch] ? t : this.free[ch];
      if (!this.used[ch]) {
        start += HBM_PARAMS.startup;
        this.used[ch] = 1;
      }
      this.free[ch] = start + HBM_PARAMS.ii;
      const done = start + HBM_PARAMS.latency;
      if (done > ready) ready = done;
    }
    this.requests += n;
    return ready;
  }
}

/** Value tiles of block mode: tokens carry handles into this store (-1 = the zero tile). */
export class TileStore {
  tiles: Float64Array[] = [];
  constructor(readonly n: number) {}
  /** tile `h`; -1 is the zero tile of `len` elements (N x N unless told). */
  get(h: number, len = this.n * this.n): Float64Array {
    return h < 0 ? new Float64Array(len) : this.tiles[h];
  }
  add(t: Float64Array): number {
    this.tiles.push(t);
    return this.tiles.length - 1;
  }
}

const SCALAR_BIN: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: (a, b) => (a > b ? a : b),
  min: (a, b) => (a < b ? a : b),
};

/** Unary ALU ops; `s` is the node's scalar operand. */
export function unaryFn(op: AluOp, s: number): (x: number) => number {
  switch (op) {
    case 'exp':
      return Math.exp;
    case 'relu':
      return (x) => (x > 0 ? x : 0);
    case 'neg':
      return (x) => -x;
    case 'sqrt':
      return Math.sqrt;
    case 'rsqrt':
      return (x) => 1 / Math.sqrt(x);
    case 'log':
      return Math.log;
    case 'sigmoid':
      return (x) => 1 / (1 + Math.exp(-x));
    case 'tanh':
      return Math.tanh;
    case 'abs':
      return Math.abs;
    case 'square':
      return (x) => x * x;
    case 'scalar_add':
      return (x) => x + s;
    case 'scalar_mul':
      return (x) => x * s;
    case 'scalar_div':
      return (x) => x / s;
    case 'scalar_max':
      return (x) => (x > s ? x : s);
    case 'scalar_rsub':
      return (x) => s - x;
    case 'scalar_rdiv':
      return (x) => s / x;
    default:
      throw new FuseFlowError('FF_INPUT_INVALID', `ALU op '${op}' is not unary`);
  }
}

export function binaryFn(op: AluOp): (a: number, b: number) => number {
  const f = SCALAR_BIN[op];
  if (!f) throw new FuseFlowError('FF_INPUT_INVALID', `ALU op '${op}' is not binary`);
  return f;
}

/**
 * Base of every primitive: a DAM-like context with a local clock. `step(limit)` performs at most
 * one action whose inputs are all visible at or before `limit` (Infinity in the event engine):
 * it peeks the heads it needs (advancing its tentative time to their visible times), emits
 * outputs stamped `t + latency`, and advances its clock by the step's cost.
 */
export abstract class Prim implements Waker {
  now = 0;
  busy = 0;
  steps = 0;
  ops = 0;
  reads = 0;
  writes = 0;
  tokIn = 0;
  tokOut = 0;
  done = false;
  finish = 0;
  blocked = false;
  queued = false;
  waitChan: Chan | null = null;
  waitWhy = 0;
  hbm: HbmPort | null = null;
  /** set by the fast engine. */
  wakeFn: ((p: Prim) => void) | null = null;
  ins: Chan[] = [];
  outs: Chan[] = [];
  inPorts: string[] = [];
  outPorts: string[] = [];
  protected bounded: Chan[] = [];

  constructor(
    readonly id: number,
    readonly label: string,
    readonly kind: string,
    protected lat: number,
    protected ii: number,
  ) {}

  wake(): void {
    this.blocked = false;
    if (this.wakeFn !== null) this.wakeFn(this);
  }

  /** Registers channels (after construction) so diagnostics and backpressure see them. */
  wire(ins: Record<string, Chan>, outs: Record<string, Chan>): void {
    for (const [p, c] of Object.entries(ins)) {
      this.ins.push(c);
      this.inPorts.push(p);
      c.consumer = this;
    }
    for (const [p, c] of Object.entries(outs)) {
      this.outs.push(c);
      this.outPorts.push(p);
      c.producer = this;
      if (Number.isFinite(c.depth) && !c.discard) this.bounded.push(c);
    }
  }

  abstract step(limit: number): number;

  /** Backpressure: waits for a free slot on every bounded output; returns the new time or -1. */
  protected space(t: number): number {
    const b = this.bounded;
    for (let i = 0; i < b.length; i++) {
      const s = b[i].slotTime();
      if (s < 0) {
        this.waitChan = b[i];
        this.waitWhy = WAIT_OUT;
        return -1;
      }
      if (s > t) t = s;
    }
    return t;
  }

  /** Time at which the head of `c` is visible (max with t), or -1 (empty) / -2 (not yet visible). */
  protected look1(c: Chan, t: number, limit: number): number {
    if (c.count === 0) {
      this.waitChan = c;
      this.waitWhy = WAIT_IN;
      return -1;
    }
    const ht = c.timeAt(0);
    if (ht > limit) {
      this.waitChan = c;
      this.waitWhy = WAIT_TIME;
      return -2;
    }
    return ht > t ? ht : t;
  }

  /** Time at which the first `n` tokens of `c` are visible (max with t), or -1 (empty) / -2 (not yet visible). */
  protected lookN(c: Chan, n: number, t: number, limit: number): number {
    if (c.count < n) {
      this.waitChan = c;
      this.waitWhy = WAIT_IN;
      return -1;
    }
    for (let i = 0; i < n; i++) {
      const ht = c.timeAt(i);
      if (ht > limit) {
        this.waitChan = c;
        this.waitWhy = WAIT_TIME;
        return -2;
      }
      if (ht > t) t = ht;
    }
    return t;
  }

  protected blockedCode(x: number): number {
    return x === -1 ? (this.waitWhy === WAIT_OUT ? WAIT_OUT : WAIT_IN) : WAIT_TIME;
  }

  protected pop(c: Chan, t: number): void {
    c.pop(t);
    this.tokIn++;
  }

  protected emit(c: Chan, tag: number, v: number, time: number): void {
    if (c.discard) return;
    c.push(tag, v, time);
    this.tokOut++;
  }

  protected commit(t: number, cost: number): number {
    this.now = t + cost;
    this.busy += cost;
    this.steps++;
    return OK;
  }

  /** Emits Done on every output and ends the node. */
  protected finishAll(t: number): number {
    for (let i = 0; i < this.outs.length; i++) this.emit(this.outs[i], DONE, 0, t + this.lat);
    this.commit(t, this.ii);
    this.done = true;
    this.finish = this.now;
    return FINISHED;
  }

  protected protocol(msg: string, c?: Chan): never {
    const head = c && c.count > 0 ? ` (head ${showToken(c.tagAt(0), c.valAt(0))} on channel ${c.id})` : '';
    throw new FuseFlowError('FF_INPUT_INVALID', `node '${this.label}' (${this.kind}): stream protocol violation: ${msg}${head}`);
  }
}

/** Emits ref 0 then Done. */
export class RootPrim extends Prim {
  private sent = false;
  constructor(id: number, label: string, lat: number, ii: number, private out: Chan) {
    super(id, label, 'root', lat, ii);
  }
  step(_limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
    if (!this.sent) {
      this.emit(this.out, VAL, 0, t + this.lat);
      this.sent = true;
      return this.commit(t, this.ii);
    }
    return this.finishAll(t);
  }
}

/**
 * Level scanner over one storage level. compressed: seg/crd arrays; dense: `dim` coordinates
 * with ref = parent * dim + crd; singleton: one coordinate per parent position.
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
  ) {
    super(id, label, 'level_scan', lat, ii);
    this.kind01 = fmt === 'compressed' ? 0 : fmt === 'dense' ? 1 : 2;
  }
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
    if (this.st === 1) {
      const p = this.p;
      const c = this.kind01 === 1 ? p - this.base : this.crd![p];
      this.reads++;
      this.emit(this.outCrd, VAL, c, t + this.lat);
      this.emit(this.outRef, VAL, p, t + this.lat);
      this.p = p + 1;
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
        this.end = r + 1;
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
}

/** Repeat-signal generator: Val/Empty -> Repeat, Stop(k) -> Stop, Done -> Done. */
export class RepSigPrim extends Prim {
  constructor(id: number, label: string, lat: number, ii: number, private inp: Chan, private out: Chan) {
    super(id, label, 'repsig', lat, ii);
  }
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
    const x = this.look1(this.inp, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const tag = this.inp.tagAt(0);
    this.pop(this.inp, t);
    if (tag === DONE) return this.finishAll(t);
    this.emit(this.out, tag === STOP ? STOP : VAL, tag === STOP ? 0 : 1, t + this.lat);
    return this.commit(t, this.ii);
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
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
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
}

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
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
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
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
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

/** Value load: vals[ref]; an Empty ref (absent operand) stays Empty, so presence reaches the ALUs. */
export class ArrayPrim extends Prim {
  constructor(
    id: number,
    label: string,
    lat: number,
    ii: number,
    private vals: Float64Array,
    private tiles: TileStore | null,
    private inp: Chan,
    private out: Chan,
    /** block mode: elements per stored tile (prod of the tensor's blockShape: N, N x N, ...). */
    private tileLen = tiles === null ? 1 : tiles.n * tiles.n,
  ) {
    super(id, label, 'array', lat, ii);
  }
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
    const x = this.look1(this.inp, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const tag = this.inp.tagAt(0);
    const r = this.inp.valAt(0);
    this.pop(this.inp, t);
    if (tag === DONE) return this.finishAll(t);
    let cost = this.ii;
    if (tag === VAL) {
      const tl = this.tiles;
      let v: number;
      if (tl === null) {
        v = this.vals[r];
        this.reads++;
      } else {
        const n2 = this.tileLen;
        v = tl.add(this.vals.subarray(r * n2, (r + 1) * n2));
        this.reads += n2;
      }
      if (this.hbm !== null) {
        const ready = this.hbm.access(t, tl === null ? 1 : this.tileLen);
        if (ready - t > cost) cost = ready - t;
      }
      this.emit(this.out, VAL, v, t + this.lat);
    } else if (tag === EMPTY) this.emit(this.out, EMPTY, 0, t + this.lat);
    else this.emit(this.out, STOP, r, t + this.lat);
    return this.commit(t, cost);
  }
}

/**
 * Index variables of the tiles of a block-mode binary ALU (NodeAttrs `tile`, set by pass-lower-sam):
 * each tile is dense row-major over its variables (N per variable); `out` lists the result's.
 * A variable of a or b missing from `out` is contracted (summed inside the tile; 'mul' only).
 */
export interface TileSpec {
  a: string[];
  b: string[];
  out: string[];
}

/**
 * Node attributes in block mode. `tile` is not (yet) part of NodeAttrs in @fuseflow/ir; the
 * lowering writes it as plain data next to `matmul`.
 */
export type BlockAttrs = NodeAttrs & { tile?: TileSpec };

export function showTileSpec(t: TileSpec): string {
  return `${t.a.join('.')},${t.b.join('.')}->${t.out.join('.')}`;
}

/** Strides (elements) of each variable of `out` plus the contracted ones, per operand. */
export interface TilePlan {
  /** loop extent per variable (N); out variables first, row-major, then the contracted ones. */
  nOut: number;
  loops: number;
  strideA: Int32Array;
  strideB: Int32Array;
  lenA: number;
  lenB: number;
  /** a shape the plain N x N kernels handle: 1 element-wise (same variables, same order), 2 row-major matmul. */
  plain: 0 | 1 | 2;
}

export function tilePlan(spec: TileSpec, n: number): TilePlan {
  const contracted = [...new Set([...spec.a, ...spec.b])].filter((v) => !spec.out.includes(v));
  const vars = [...spec.out, ...contracted];
  const stride = (vs: string[]): Int32Array => Int32Array.from(vars.map((v) => (vs.includes(v) ? n ** (vs.length - 1 - vs.indexOf(v)) : 0)));
  const [a, b, o] = [spec.a.join(), spec.b.join(), spec.out.join()];
  const ewise = spec.out.length === 2 && a === o && b === o;
  const mm = spec.a.length === 2 && spec.b.length === 2 && contracted.length === 1 && spec.a[1] === contracted[0] && spec.b[0] === contracted[0] && o === [spec.a[0], spec.b[1]].join();
  const plain = ewise ? 1 : mm ? 2 : 0;
  return { nOut: n ** spec.out.length, loops: vars.length, strideA: stride(spec.a), strideB: stride(spec.b), lenA: n ** spec.a.length, lenB: n ** spec.b.length, plain };
}

/** A binary op over tiles with named variables: broadcast element-wise, summing contracted variables (mul). */
export function tileEinsum(op: AluOp, plan: TilePlan, a: Float64Array, b: Float64Array, n: number): Float64Array {
  if (plan.plain !== 0) return tileBinary(op, plan.plain === 2, a, b, n);
  const out = new Float64Array(plan.nOut);
  const f = binaryFn(op);
  const k = plan.loops;
  const idx = new Int32Array(k);
  const total = n ** k;
  const per = total / plan.nOut; // contracted combinations per output element (vars: out first)
  for (let q = 0; q < total; q++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < k; d++) {
      ia += idx[d] * plan.strideA[d];
      ib += idx[d] * plan.strideB[d];
    }
    const o = Math.floor(q / per);
    if (per === 1) out[o] = f(a[ia], b[ib]);
    else out[o] += a[ia] * b[ib];
    for (let d = k - 1; d >= 0; d--) {
      if (++idx[d] < n) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Tile arithmetic of block mode without a tile spec: N x N element-wise or (matmul) row-major matrix product. */
function tileBinary(op: AluOp, matmul: boolean, a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  if (op === 'mul' && matmul) {
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) {
        const x = a[i * n + k];
        if (x === 0) continue;
        for (let j = 0; j < n; j++) out[i * n + j] += x * b[k * n + j];
      }
    return out;
  }
  const f = binaryFn(op);
  for (let i = 0; i < n * n; i++) out[i] = f(a[i], b[i]);
  return out;
}

/** ALU: binary ops on aligned streams (Empty reads as 0) or unary ops on one stream. */
export class AluPrim extends Prim {
  private bin: ((a: number, b: number) => number) | null = null;
  private un: ((x: number) => number) | null = null;
  constructor(
    id: number,
    label: string,
    lat: number,
    ii: number,
    private op: AluOp,
    scalar: number,
    private matmul: boolean,
    private tiles: TileStore | null,
    private a: Chan,
    private b: Chan | null,
    private out: Chan,
    /** 0 union, 1 intersect, 2 left, 3 right (see NodeAttrs.empty). */
    private policy = 0,
    /** block mode: tile variables of the operands (null: N x N element-wise or matmul). */
    private plan: TilePlan | null = null,
  ) {
    super(id, label, 'alu', lat, ii);
    if (b) this.bin = binaryFn(op);
    else this.un = unaryFn(op, scalar);
  }
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
    let x = this.look1(this.a, t, limit);
    if (x < 0) return this.blockedCode(x);
    const b = this.b;
    if (b !== null) {
      x = this.look1(b, x, limit);
      if (x < 0) return this.blockedCode(x);
    }
    t = x;
    const at = this.a.tagAt(0);
    const av = this.a.valAt(0);
    const at2 = t + this.lat;
    if (b === null) {
      this.pop(this.a, t);
      if (at === DONE) return this.finishAll(t);
      if (at === VAL) {
        const tl = this.tiles;
        if (tl === null) this.emit(this.out, VAL, this.un!(av), at2);
        else {
          const src = tl.get(av);
          const o = new Float64Array(src.length);
          for (let i = 0; i < o.length; i++) o[i] = this.un!(src[i]);
          this.emit(this.out, VAL, tl.add(o), at2);
        }
        this.ops += this.tiles === null ? 1 : this.tiles.n * this.tiles.n;
      } else this.emit(this.out, at, av, at2);
      return this.commit(t, this.ii);
    }
    const bt = b.tagAt(0);
    const bv = b.valAt(0);
    if ((at === EMPTY && bt === STOP) || (at === STOP && bt === EMPTY)) {
      // A reduce placeholder: the other operand shows that the fiber it stands for is absent.
      this.pop(at === EMPTY ? this.a : b, t);
      return this.commit(t, this.ii);
    }
    if ((at === VAL || at === EMPTY) && (bt === VAL || bt === EMPTY)) {
      this.pop(this.a, t);
      this.pop(b, t);
      const pol = this.policy;
      const absent =
        pol === 0 ? at === EMPTY && bt === EMPTY : pol === 1 ? at === EMPTY || bt === EMPTY : pol === 2 ? at === EMPTY : bt === EMPTY;
      if (absent) this.emit(this.out, EMPTY, 0, at2);
      else {
        const tl = this.tiles;
        if (tl === null) {
          this.emit(this.out, VAL, this.bin!(at === VAL ? av : 0, bt === VAL ? bv : 0), at2);
          this.ops++;
        } else {
          const n = tl.n;
          const pl = this.plan;
          if (pl !== null) {
            const r = tileEinsum(this.op, pl, tl.get(at === VAL ? av : -1, pl.lenA), tl.get(bt === VAL ? bv : -1, pl.lenB), n);
            this.emit(this.out, VAL, tl.add(r), at2);
            this.ops += pl.nOut === n ** pl.loops ? pl.nOut : 2 * n ** pl.loops;
          } else {
            const r = tileBinary(this.op, this.matmul, tl.get(at === VAL ? av : -1), tl.get(bt === VAL ? bv : -1), n);
            this.emit(this.out, VAL, tl.add(r), at2);
            this.ops += this.op === 'mul' && this.matmul ? 2 * n * n * n : n * n;
          }
        }
      }
      return this.commit(t, this.ii);
    }
    if (at === STOP && bt === STOP) {
      if (av !== bv) this.protocol(`operands have different stop structure (S${av} vs S${bv})`);
      this.pop(this.a, t);
      this.pop(b, t);
      this.emit(this.out, STOP, av, at2);
      return this.commit(t, this.ii);
    }
    if (at === DONE && bt === DONE) {
      this.pop(this.a, t);
      this.pop(b, t);
      return this.finishAll(t);
    }
    this.protocol(`operands are misaligned (a=${showToken(at, av)}, b=${showToken(bt, bv)})`);
  }
}

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
  ) {
    super(id, label, 'reduce', lat, ii);
    this.init = isMax ? -Infinity : 0;
    this.acc = this.init;
  }
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
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
        const src = tl.get(v);
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
 * Ordered accumulator of a sparse accumulator: an open-addressing hash (typed arrays) from key to
 * a slot for small non-negative integer keys (all coordinates in practice), a Map otherwise;
 * scalar sums live in a typed array (no boxed doubles), tiles in block mode.
 */
class AccMap {
  private m = new Map<number, number>();
  private keys = new Float64Array(64);
  private sums = new Float64Array(64);
  /** slot -> hash position (to clear the table in O(entries)). */
  private where = new Int32Array(64);
  private hk = new Int32Array(128).fill(-1);
  private hs = new Int32Array(128);
  private bits = 7;
  private tl: Float64Array[] = [];
  private n = 0;
  constructor(
    private tiles: TileStore | null,
    private isMax = false,
  ) {}
  private find(key: number): number {
    if (key < 0 || key > 0x7fffffff || key !== Math.floor(key)) {
      const s = this.m.get(key);
      return s === undefined ? -1 : s;
    }
    const mask = (1 << this.bits) - 1;
    let h = Math.imul(key, 0x9e3779b1) >>> (32 - this.bits);
    for (;;) {
      const k = this.hk[h];
      if (k === key) return this.hs[h];
      if (k === -1) return -1;
      h = (h + 1) & mask;
    }
  }
  private insert(key: number, slot: number): void {
    if (key < 0 || key > 0x7fffffff || key !== Math.floor(key)) {
      this.m.set(key, slot);
      this.where[slot] = -1;
      return;
    }
    if ((this.n + 1) * 2 > this.hk.length) this.rehash();
    const mask = (1 << this.bits) - 1;
    let h = Math.imul(key, 0x9e3779b1) >>> (32 - this.bits);
    while (this.hk[h] !== -1) h = (h + 1) & mask;
    this.hk[h] = key;
    this.hs[h] = slot;
    this.where[slot] = h;
  }
  private rehash(): void {
    this.bits++;
    this.hk = new Int32Array(1 << this.bits).fill(-1);
    this.hs = new Int32Array(1 << this.bits);
    const mask = (1 << this.bits) - 1;
    for (let slot = 0; slot < this.n; slot++) {
      if (this.where[slot] < 0) continue;
      const key = this.keys[slot];
      let h = Math.imul(key, 0x9e3779b1) >>> (32 - this.bits);
      while (this.hk[h] !== -1) h = (h + 1) & mask;
      this.hk[h] = key;
      this.hs[h] = slot;
      this.where[slot] = h;
    }
  }
  add(key: number, v: number): number {
    let slot = this.find(key);
    if (slot < 0) {
      slot = this.n;
      if (slot === this.keys.length) {
        const k = new Float64Array(slot * 2);
        k.set(this.keys);
        this.keys = k;
        const s = new Float64Array(slot * 2);
        s.set(this.sums);
        this.sums = s;
        const w = new Int32Array(slot * 2);
        w.set(this.where);
        this.where = w;
      }
      this.keys[slot] = key;
      this.sums[slot] = this.isMax ? -Infinity : 0;
      // sized by the first tile (rank-1 tiles hold N elements, rank-2 N x N)
      if (this.tiles !== null) this.tl[slot] = new Float64Array(this.tiles.get(v).length).fill(this.isMax ? -Infinity : 0);
      this.insert(key, slot);
      this.n++;
    }
    const tls = this.tiles;
    if (tls === null) {
      if (this.isMax) {
        if (v > this.sums[slot]) this.sums[slot] = v;
      } else this.sums[slot] += v;
      return 1;
    }
    const src = tls.get(v);
    const cur = this.tl[slot];
    if (this.isMax) for (let i = 0; i < cur.length; i++) cur[i] = Math.max(cur[i], src[i]);
    else for (let i = 0; i < cur.length; i++) cur[i] += src[i];
    return src.length;
  }
  get size(): number {
    return this.n;
  }
  /** Sorted keys and their sums (tile handles in block mode); clears the map. */
  drain(): [Float64Array, Float64Array] {
    const n = this.n;
    const keys = this.keys.slice(0, n).sort();
    const vals = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const slot = this.find(keys[i]);
      vals[i] = this.tiles === null ? this.sums[slot] : this.tiles.add(this.tl[slot]);
    }
    for (let slot = 0; slot < n; slot++) if (this.where[slot] >= 0) this.hk[this.where[slot]] = -1;
    this.m.clear();
    this.tl = [];
    this.n = 0;
    return [keys, vals];
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
  private prevStop = true;
  constructor(id: number, label: string, lat: number, ii: number, tiles: TileStore | null, private ic: Chan, private oc: Chan, private v: Chan, private oic: Chan, private ov: Chan, isMax = false) {
    super(id, label, 'spacc1', lat, ii);
    this.map = new AccMap(tiles, isMax);
  }
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
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
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
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
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
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
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
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

/** Broadcast (every token to every output) and fork (values round-robin, stops/done to all). */
export class FanoutPrim extends Prim {
  private rr = 0;
  constructor(id: number, label: string, lat: number, ii: number, private isFork: boolean, private inp: Chan, private o: Chan[]) {
    super(id, label, isFork ? 'fork' : 'broadcast', lat, ii);
  }
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
    const x = this.look1(this.inp, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const tag = this.inp.tagAt(0);
    const v = this.inp.valAt(0);
    this.pop(this.inp, t);
    if (tag === DONE) return this.finishAll(t);
    const at = t + this.lat;
    if (this.isFork && (tag === VAL || tag === EMPTY)) {
      this.emit(this.o[this.rr], tag, v, at);
      this.rr = (this.rr + 1) % this.o.length;
    } else {
      for (let i = 0; i < this.o.length; i++) this.emit(this.o[i], tag, v, at);
      // Each fiber of the forked level is dealt from lane 0, so a join can rebuild it exactly.
      this.rr = 0;
    }
    return this.commit(t, this.ii);
  }
}

/**
 * Join. Without attrs.level: Comal's Gather (lane by lane until a stop; a non-last lane's stop
 * becomes S0). With attrs.level = d (levels below the forked index in this stream): round-robin
 * over lanes, one item per turn - a value (d = 0) or a sub-fiber closed by S(d-1) (d > 0) - from
 * lane 0 at every fiber of the forked level (the fork deals the same way), skipping lanes whose
 * part of the fiber is over; the fiber's stop is emitted once, merged as in the unforked stream.
 * Without drops inside the lanes this rebuilds the unforked stream exactly. An empty sub-fiber
 * (d > 0) does not use a turn, so after a per-lane crd_drop (compacted crd streams, uncompacted
 * value streams) every join of the region still makes the same choices and the streams stay
 * consistent; the output assembler sorts the coordinates.
 */
export class GatherPrim extends Prim {
  private cur = 0;
  private finished: boolean[];
  private finLevel = -1;
  /** lanes whose part of the current fiber is complete (level-aware modes). */
  private nFinished = 0;
  private pending = -1;
  private hasTok = false;
  constructor(id: number, label: string, lat: number, ii: number, private lanes: Chan[], private out: Chan, private level: number | undefined = undefined) {
    super(id, label, 'join', lat, ii);
    this.finished = lanes.map(() => false);
  }
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
    if (this.level === undefined) return this.comal(t, limit);
    if (this.level === 0) return this.exact0(t, limit);
    return this.exactD(t, limit, this.level);
  }
  private flush(at: number): void {
    if (this.pending >= 0) {
      this.emit(this.out, STOP, this.pending, at);
      this.pending = -1;
    }
  }
  private exact0(t: number, limit: number): number {
    const n = this.lanes.length;
    if (this.nFinished < n) {
      while (this.finished[this.cur]) this.cur = (this.cur + 1) % n;
      const c = this.lanes[this.cur];
      const x = this.look1(c, t, limit);
      if (x < 0) return this.blockedCode(x);
      t = x;
      const tag = c.tagAt(0);
      if (tag === VAL || tag === EMPTY) {
        this.emit(this.out, tag, c.valAt(0), t + this.lat);
        this.pop(c, t);
        this.cur = (this.cur + 1) % n;
        return this.commit(t, this.ii);
      }
      // This lane has no more values in the fiber: skip it from now on.
      this.finished[this.cur] = true;
      this.nFinished++;
      this.cur = (this.cur + 1) % n;
      return this.commit(t, 0);
    }
    // Every lane shows the fiber's stop (or Done), broadcast by the fork: emit it once.
    const c0 = this.lanes[0];
    for (let i = 0; i < n; i++) {
      const l = this.lanes[i];
      if (l.tagAt(0) !== c0.tagAt(0) || l.valAt(0) !== c0.valAt(0)) this.protocol(`lanes end a fiber differently (lane 0 vs lane ${i})`, l);
      if (l.timeAt(0) > t) t = l.timeAt(0);
    }
    const tag = c0.tagAt(0);
    const v = c0.valAt(0);
    for (let i = 0; i < n; i++) this.pop(this.lanes[i], t);
    this.finished.fill(false);
    this.nFinished = 0;
    this.cur = 0;
    if (tag === DONE) return this.finishAll(t);
    this.emit(this.out, STOP, v, t + this.lat);
    return this.commit(t, this.ii);
  }
  private exactD(t: number, limit: number, d: number): number {
    const n = this.lanes.length;
    if (this.nFinished === n) {
      // Every lane finished this fiber: its closing stop absorbs the last sub-fiber's S(d-1).
      if (this.pending >= d) this.flush(t + this.lat);
      this.pending = this.finLevel;
      this.finished.fill(false);
      this.nFinished = 0;
      this.cur = 0;
      return this.commit(t, 0);
    }
    while (this.finished[this.cur]) this.cur = (this.cur + 1) % n;
    const c = this.lanes[this.cur];
    const x = this.look1(c, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const at = t + this.lat;
    const tag = c.tagAt(0);
    const v = c.valAt(0);
    if (tag === VAL || tag === EMPTY) {
      this.flush(at);
      this.emit(this.out, tag, v, at);
      this.pop(c, t);
      this.hasTok = true;
      return this.commit(t, this.ii);
    }
    if (tag === DONE) {
      if (this.nFinished > 0 || this.hasTok) this.protocol(`lane ${this.cur} ended while other lanes are inside a fiber`, c);
      for (let i = 0; i < n; i++) {
        const y = this.look1(this.lanes[i], t, limit);
        if (y < 0) return this.blockedCode(y);
        t = y;
        if (this.lanes[i].tagAt(0) !== DONE) this.protocol(`lane ${this.cur} is done but lane ${i} is not`, this.lanes[i]);
      }
      for (let i = 0; i < n; i++) this.pop(this.lanes[i], t);
      this.flush(t + this.lat);
      return this.finishAll(t);
    }
    this.pop(c, t);
    if (v < d - 1) {
      // A stop inside the sub-fiber: stay on this lane.
      this.flush(at);
      this.emit(this.out, STOP, v, at);
      return this.commit(t, this.ii);
    }
    if (v === d - 1) {
      this.flush(at);
      this.pending = d - 1;
      // An empty sub-fiber (an item a crd_drop removed from the sibling crd streams) is kept in
      // place but does not use the lane's turn, so every join of the region stays in step.
      if (!this.hasTok) return this.commit(t, this.ii);
    } else {
      // Higher stop: this lane's part of the fiber is over (closing its last sub-fiber if any).
      if (this.hasTok) {
        this.flush(at);
        this.pending = d - 1;
      }
      this.finLevel = v;
      this.finished[this.cur] = true;
      this.nFinished++;
    }
    this.hasTok = false;
    this.cur = (this.cur + 1) % n;
    return this.commit(t, this.ii);
  }
  private comal(t: number, limit: number): number {
    const n = this.lanes.length;
    while (this.finished[this.cur]) this.cur = (this.cur + 1) % n;
    const c = this.lanes[this.cur];
    const x = this.look1(c, t, limit);
    if (x < 0) return this.blockedCode(x);
    t = x;
    const tag = c.tagAt(0);
    const v = c.valAt(0);
    this.pop(c, t);
    const at = t + this.lat;
    if (tag === DONE) {
      this.finished[this.cur] = true;
      if (this.finished.every(Boolean)) return this.finishAll(t);
      this.cur = (this.cur + 1) % n;
      return this.commit(t, this.ii);
    }
    if (tag === STOP) {
      const lastLane = this.cur === n - 1 || this.finished.slice(this.cur + 1).every(Boolean);
      this.emit(this.out, STOP, lastLane ? v : 0, at);
      this.cur = (this.cur + 1) % n;
    } else this.emit(this.out, tag, v, at);
    return this.commit(t, this.ii);
  }
}

/** GenRef: a fresh reference (position counter) per coordinate; stops/empty/done pass. */
export class GenRefPrim extends Prim {
  private next = 0;
  constructor(id: number, label: string, lat: number, ii: number, private inp: Chan, private out: Chan) {
    super(id, label, 'gen_ref', lat, ii);
  }
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
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

/** Growable token log of a writer (tags + payloads). */
export class TokenLog {
  tags = new Uint8Array(64);
  vals = new Float64Array(64);
  n = 0;
  add(tag: number, v: number): void {
    if (this.n === this.tags.length) {
      const t = new Uint8Array(this.n * 2);
      t.set(this.tags);
      const w = new Float64Array(this.n * 2);
      w.set(this.vals);
      this.tags = t;
      this.vals = w;
    }
    this.tags[this.n] = tag;
    this.vals[this.n] = v;
    this.n++;
  }
}

/** Crd writer (records the level's stream for output assembly) and value writer. */
export class WriterPrim extends Prim {
  readonly log = new TokenLog();
  /** block mode: value writer keeps the tiles it received. */
  readonly tileLog: Float64Array[] = [];
  constructor(id: number, label: string, lat: number, ii: number, readonly isVal: boolean, readonly level: number, private tiles: TileStore | null, private inp: Chan) {
    super(id, label, isVal ? 'val_write' : 'crd_write', lat, ii);
  }
  step(limit: number): number {
    const x = this.look1(this.inp, this.now, limit);
    if (x < 0) return this.blockedCode(x);
    const t = x;
    const tag = this.inp.tagAt(0);
    const v = this.inp.valAt(0);
    this.pop(this.inp, t);
    let cost = this.ii;
    if (tag === DONE) {
      this.commit(t, cost);
      this.done = true;
      this.finish = this.now;
      return FINISHED;
    }
    if (this.isVal) {
      if (tag === VAL) {
        const tl = this.tiles;
        if (tl === null) this.log.add(VAL, v);
        else {
          this.tileLog.push(tl.get(v));
          this.log.add(VAL, this.tileLog.length - 1);
        }
        this.writes += tl === null ? 1 : tl.get(v).length;
      } else if (tag === EMPTY) this.log.add(EMPTY, 0); // positional placeholder of an absent entry
    } else {
      this.log.add(tag, v);
      this.writes++;
    }
    if (this.hbm !== null && (tag === VAL || (tag === STOP && !this.isVal))) {
      const ready = this.hbm.access(t, this.tiles === null || !this.isVal ? 1 : this.tiles.n * this.tiles.n);
      if (ready - t > cost) cost = ready - t;
    }
    return this.commit(t, cost);
  }
}
