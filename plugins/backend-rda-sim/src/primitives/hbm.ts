import { HBM_PARAMS } from '../timing';
import { WAIT_IN, WAIT_OUT, type Prim } from './base';

/** How memory nodes see HBM: one shared 8-channel HBM per graph (Comal) or a private one per node. */
export type HbmMode = 'shared' | 'private';

/** The `hbm` option as a mode: true (and 'shared') share the channels, false/undefined = no HBM. */
export function hbmMode(v: boolean | HbmMode | undefined): HbmMode | null {
  if (v === true || v === 'shared') return 'shared';
  if (v === 'private') return 'private';
  return null;
}

/**
 * 8-channel HBM timing state: requests of 64 bytes spread over the channels by a rotating
 * offset, each channel pays its start-up time on first use and then takes one request per II.
 */
export class HbmChannels {
  private free = new Float64Array(HBM_PARAMS.channels);
  private used = new Uint8Array(HBM_PARAMS.channels);
  private rot = 0;
  /** Requests of `n` 64-byte lines issued at time t; returns when the last ack arrives. */
  access(t: number, n: number): number {
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
    return ready;
  }
}

/**
 * Conservative (DAM-style time-synchronised) arbitration of one shared HBM. Nodes have local
 * clocks and the engines run them in different orders, so a shared resource must see requests in
 * a schedule-independent order: by time, and at equal times the lowest node id among the nodes
 * waiting at that time first. A node passes the gate at time t only when that order is certain:
 *
 * - at once, if every other attached node provably cannot act before (t, id): its earliest next
 *   action (clock; a pending request's time; or, blocked on an empty input / full output, the
 *   earliest action of the node that must act first) is later, or equal with a higher id;
 * - otherwise it waits, and when nothing else can progress (fast engine: ready queue empty;
 *   reference engine: the cycle's sweep reached its fixpoint) `grantNext` admits the waiting node
 *   with the smallest (time, id). That is always legitimate: every remaining action then depends
 *   on some grant, so none can happen earlier.
 *
 * Bounds only ever grow (a node's clock and what it waits on move forward), so the smallest
 * bound over the other nodes is cached per requester and recomputed only when a request reaches it.
 */
export class HbmArbiter {
  readonly channels = new HbmChannels();
  readonly nodes: Prim[] = [];
  private waiting: Prim[] = [];
  private mark = 0;
  /** admissions: at the gate at once / after a wait, at a stall (for the README's measurements). */
  immediate = 0;
  granted = 0;

  attach(p: Prim): void {
    this.nodes.push(p);
    this.nodes.sort((a, b) => a.id - b.id);
  }

  /** Whether `p` may act at time t now; on false p is registered as waiting at t. */
  gate(p: Prim, t: number): boolean {
    const port = p.hbm!;
    if (port.grant !== -1) {
      // an admission is for the request it was given to (the node retries at the same time)
      const ok = port.grant === t;
      port.grant = -1;
      if (ok) return true;
    }
    if (t < port.hzT || (t === port.hzT && p.id < port.hzId) || this.horizon(p, t)) {
      if (port.pend >= 0) this.unwait(p);
      this.immediate++;
      return true;
    }
    if (port.pend < 0) this.waiting.push(p);
    port.pend = t;
    return false;
  }

  /**
   * Whether (t, p.id) is below every other node's bound. Fails fast, trying the node that blocked
   * p last time first (nodes in lockstep block each other again and again); on success caches the
   * smallest (bound, id) as p's horizon.
   */
  private horizon(p: Prim, t: number): boolean {
    const port = p.hbm!;
    const b0 = port.blocker;
    if (b0 !== null && this.below(b0, p, t)) return false;
    let hT = Infinity;
    let hId = Infinity;
    for (const q of this.nodes) {
      if (q === p || q === b0) continue;
      const b = this.bound(q, p, t);
      if (b < t || (b === t && q.id < p.id)) {
        port.blocker = q;
        return false;
      }
      if (b < hT || (b === hT && q.id < hId)) {
        hT = b;
        hId = q.id;
      }
    }
    if (b0 !== null) {
      const b = this.bound(b0, p, t);
      if (b < hT || (b === hT && b0.id < hId)) {
        hT = b;
        hId = b0.id;
      }
      port.blocker = null;
    }
    port.hzT = hT;
    port.hzId = hId;
    return true;
  }

  /** Whether q may still act before (t, p.id). */
  private below(q: Prim, p: Prim, t: number): boolean {
    const b = this.bound(q, p, t);
    return b < t || (b === t && q.id < p.id);
  }

  /**
   * Lower bound of q's next action time. A node blocked on an empty input cannot act before that
   * channel's producer does (emissions are stamped no earlier than the emitter's clock), one
   * blocked on a full output not before its consumer pops; the chain is followed (a wait cycle
   * never acts). The requester p itself, acting at t, bounds what waits on it by t.
   */
  private bound(q: Prim, p: Prim, t: number): number {
    const m = ++this.mark;
    let lb = 0;
    for (let n: Prim | null = q; n !== null; ) {
      if (n === p) return lb > t ? lb : t;
      if (n.done || n.hbmMark === m) return Infinity;
      n.hbmMark = m;
      if (n.now > lb) lb = n.now;
      if (n.hbm !== null && n.hbm.pend >= 0) return n.hbm.pend > lb ? n.hbm.pend : lb;
      const c = n.waitChan;
      let next: Prim | null = null;
      if (c !== null) {
        if (n.state === WAIT_IN && c.count === 0) next = nodeOf(c.producer);
        else if (n.state === WAIT_OUT && c.slotTime() < 0) next = nodeOf(c.consumer);
      }
      if (next === null) return lb;
      n = next;
    }
    return lb;
  }

  private unwait(p: Prim): void {
    const i = this.waiting.indexOf(p);
    if (i >= 0) this.waiting.splice(i, 1);
    p.hbm!.pend = -1;
  }

  /** The waiting node with the smallest (time, id), or null. */
  peekNext(): Prim | null {
    let best: Prim | null = null;
    for (const q of this.waiting) {
      const a = q.hbm!.pend;
      if (best === null || a < best.hbm!.pend || (a === best.hbm!.pend && q.id < best.id)) best = q;
    }
    return best;
  }

  /** Admits the waiting node with the smallest (time, id); call only when nothing else can progress. */
  grantNext(): Prim | null {
    const best = this.peekNext();
    if (best === null) return null;
    const port = best.hbm!;
    const t = port.pend;
    this.unwait(best);
    port.grant = t;
    this.granted++;
    return best;
  }
}

function nodeOf(w: unknown): Prim | null {
  return w !== null && typeof w === 'object' && 'node' in w ? (w as { node: Prim }).node : null;
}

/**
 * A memory node's view of HBM: its own channels (private mode, the node never waits for others)
 * or the graph's shared channels behind an arbiter that orders requests by time.
 */
export class HbmPort {
  private readonly ch: HbmChannels;
  requests = 0;
  /** time of a request waiting at the arbiter, or -1. */
  pend = -1;
  /** time of a request the arbiter admitted after a wait, or -1. */
  grant = -1;
  /** cached horizon: every other node's next action is at or after (hzT, hzId). */
  hzT = -1;
  hzId = -1;
  /** the node that blocked this one's last check (tried first next time). */
  blocker: Prim | null = null;
  constructor(readonly arbiter: HbmArbiter | null = null) {
    this.ch = arbiter !== null ? arbiter.channels : new HbmChannels();
  }
  /** Issues reads/writes of `words` 4-byte words at time t; returns when the last ack arrives. */
  access(t: number, words: number): number {
    const n = Math.ceil((words * 4) / HBM_PARAMS.bytesPerRequest);
    this.requests += n;
    return this.ch.access(t, n);
  }
}

/** Puts the memory nodes of one graph (those with a port) on one shared, arbitrated HBM. */
export function shareHbm(prims: Prim[]): HbmArbiter | null {
  let arb: HbmArbiter | null = null;
  for (const p of prims) {
    if (p.hbm === null) continue;
    arb ??= new HbmArbiter();
    p.hbm = new HbmPort(arb);
    arb.attach(p);
  }
  return arb;
}
