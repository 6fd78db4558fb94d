import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import type { Chan, Waker } from '../channel';
import { DONE, showToken } from '../tokens';
import type { HbmPort } from './hbm';

/** step() results. */
export const OK = 0;
export const WAIT_IN = 1;
export const WAIT_OUT = 2;
export const WAIT_TIME = 3;
export const FINISHED = 4;
/** waits for the shared HBM's arbiter to admit a request (see hbm.ts). */
export const WAIT_HBM = 5;

/** Whether a run may take `c`'s head: there is one and it is not Done (Done ends the node in a step). */
export function live(c: Chan): boolean {
  return c.count !== 0 && c.tagAt(0) !== DONE;
}

/** The later of `t` and the visible time of `c`'s head. */
export function after(c: Chan, t: number): number {
  const h = c.timeAt(0);
  return h > t ? h : t;
}

/**
 * How channels see the node at each end. One class for every primitive keeps the blocked-check
 * in push/pop monomorphic (a flag on the node itself would be read through 17 node classes).
 */
export class NodeWaker implements Waker {
  blocked = false;
  /** set by the fast engine. */
  wakeFn: ((p: Prim) => void) | null = null;
  constructor(readonly node: Prim) {}
  wake(): void {
    this.blocked = false;
    if (this.wakeFn !== null) this.wakeFn(this.node);
  }
}

/**
 * Base of every primitive: a DAM-like context with a local clock. `step(limit)` performs at most
 * one action whose inputs are all visible at or before `limit` (Infinity in the event engine):
 * it peeks the heads it needs (advancing its tentative time to their visible times), emits
 * outputs stamped `t + latency`, and advances its clock by the step's cost.
 */
export abstract class Prim {
  now = 0;
  busy = 0;
  steps = 0;
  ops = 0;
  reads = 0;
  writes = 0;
  done = false;
  finish = 0;
  queued = false;
  waitChan: Chan | null = null;
  waitWhy = 0;
  hbm: HbmPort | null = null;
  /** result of the node's last step, set by the engines (the HBM arbiter reads what a node waits on). */
  state = OK;
  /** visit mark of the HBM arbiter's wait-chain walk. */
  hbmMark = 0;
  readonly waker = new NodeWaker(this);
  ins: Chan[] = [];
  outs: Chan[] = [];
  inPorts: string[] = [];
  outPorts: string[] = [];
  /** outputs with finite capacity (back-pressure). */
  bounded: Chan[] = [];

  constructor(
    readonly id: number,
    readonly label: string,
    readonly kind: string,
    protected lat: number,
    protected ii: number,
  ) {}

  /** Registers channels (after construction) so diagnostics and backpressure see them. */
  wire(ins: Record<string, Chan>, outs: Record<string, Chan>): void {
    for (const [p, c] of Object.entries(ins)) {
      this.ins.push(c);
      this.inPorts.push(p);
      c.consumer = this.waker;
    }
    for (const [p, c] of Object.entries(outs)) {
      this.outs.push(c);
      this.outPorts.push(p);
      c.producer = this.waker;
      if (Number.isFinite(c.depth) && !c.discard) this.bounded.push(c);
    }
  }

  /**
   * One action at or before `limit`. The shared preamble is back-pressure: the step starts only
   * once every bounded output has a free slot (the clock advances to when it frees).
   */
  step(limit: number): number {
    let t = this.now;
    if (this.bounded.length !== 0) {
      t = this.space(t);
      if (t < 0) return WAIT_OUT;
    }
    return this.fire(t, limit);
  }

  /**
   * The primitive's action, starting no earlier than `t` (its clock after back-pressure). The
   * fast engine calls it directly (t = now) on nodes without bounded outputs.
   */
  abstract fire(t: number, limit: number): number;

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

  /**
   * Time at which the head of `c` is visible (max with t), or -1 (empty) / -2 (not yet visible) /
   * -3 (a shared-HBM node not yet admitted at that time).
   */
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
    const at = ht > t ? ht : t;
    // A memory node on a shared HBM acts only when the arbiter admits its time (request order).
    const h = this.hbm;
    if (h !== null && h.arbiter !== null && !h.arbiter.gate(this, at)) return this.hbmWait(c);
    return at;
  }

  private hbmWait(c: Chan): number {
    this.waitChan = c;
    this.waitWhy = WAIT_HBM;
    return -3;
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
    const h = this.hbm;
    if (h !== null && h.arbiter !== null && !h.arbiter.gate(this, t)) return this.hbmWait(c);
    return t;
  }

  protected blockedCode(x: number): number {
    return x === -1 ? (this.waitWhy === WAIT_OUT ? WAIT_OUT : WAIT_IN) : x === -3 ? WAIT_HBM : WAIT_TIME;
  }

  protected pop(c: Chan, t: number): void {
    c.pop(t);
  }

  protected emit(c: Chan, tag: number, v: number, time: number): void {
    c.push(tag, v, time);
  }

  /** Tokens this node consumed (each channel has one consumer, so its pops are this node's). */
  get tokIn(): number {
    let n = 0;
    for (const c of this.ins) n += c.popped;
    return n;
  }

  /** Tokens this node emitted (a void output keeps none). */
  get tokOut(): number {
    let n = 0;
    for (const c of this.outs) n += c.pushed;
    return n;
  }

  /**
   * Whether this call may take many steps at once: the fast engine (no time limit) and no
   * bounded output, so nothing another node can observe depends on when the steps run.
   */
  protected runs(limit: number): boolean {
    return limit === Infinity && this.bounded.length === 0;
  }

  /** Ends a run: records its `k` steps of `cost` cycles each, the last ending the clock at `t`; returns k. */
  protected ran(t: number, k: number, cost: number): number {
    if (k !== 0) {
      this.now = t;
      this.busy += k * cost;
      this.steps += k;
    }
    return k;
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
