import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import { peekTokens, type Chan } from './channel';
import { AluPrim } from './primitives/alus';
import { ArrayPrim } from './primitives/arrays';
import { FINISHED, OK, WAIT_HBM, WAIT_IN, WAIT_OUT, WAIT_TIME, type Prim } from './primitives/base';
import type { HbmArbiter } from './primitives/hbm';
import { CrdDropPrim, CrdHoldPrim } from './primitives/crd-manager';
import { FanoutPrim, GatherPrim } from './primitives/fork-join';
import { JoinerPrim, LocatePrim } from './primitives/joiners';
import { ReducePrim, Spacc1Prim, Spacc2Prim } from './primitives/reducers';
import { RepeatPrim, RepSigPrim } from './primitives/repeaters';
import { GenRefPrim, ScanPrim } from './primitives/scanners';
import { WriterPrim } from './primitives/writers';

/** One stuck node in a deadlock/budget report. */
export interface StuckNode {
  id: number;
  label: string;
  kind: string;
  /** local clock (cycles). */
  now: number;
  waitsOn: string;
  queues: Array<{ port: string; channel: number; tokens: string }>;
}

export interface EngineResult {
  cycles: number;
  /** channel token transfers (pops). */
  tokens: number;
}

function portOf(p: Prim, c: Chan): string {
  const i = p.ins.indexOf(c);
  if (i >= 0) return `input '${p.inPorts[i]}'`;
  const o = p.outs.indexOf(c);
  return o >= 0 ? `output '${p.outPorts[o]}'` : `channel ${c.id}`;
}

/** Unfinished nodes with what they wait on and their input queues (first tokens). */
export function stuckNodes(prims: Prim[]): StuckNode[] {
  return prims
    .filter((p) => !p.done)
    .map((p) => ({
      id: p.id,
      label: p.label,
      kind: p.kind,
      now: p.now,
      waitsOn: p.waitWhy === WAIT_HBM && p.hbm !== null && p.hbm.pend >= 0
        ? `an HBM grant at cycle ${p.hbm.pend}`
        : p.waitChan
        ? `${p.waitWhy === WAIT_OUT ? 'space on full' : 'a token on empty'} ${portOf(p, p.waitChan)} (channel ${p.waitChan.id}: ${p.waitChan.label})`
        : 'nothing recorded',
      queues: p.ins.map((c, i) => ({ port: p.inPorts[i], channel: c.id, tokens: peekTokens(c) })),
    }));
}

function describe(stuck: StuckNode[], max = 12): string {
  return stuck
    .slice(0, max)
    .map((s) => `  ${s.label} (${s.kind}) at cycle ${s.now} waits for ${s.waitsOn}; queues: ${s.queues.map((q) => `${q.port}=${q.tokens}`).join(', ') || '(none)'}`)
    .join('\n') + (stuck.length > max ? `\n  … ${stuck.length - max} more` : '');
}

function deadlock(graph: string, prims: Prim[]): FuseFlowError {
  const stuck = stuckNodes(prims);
  const e = new FuseFlowError('FF_SIM_DEADLOCK', `graph '${graph}': deadlock, ${stuck.length} node(s) cannot progress:\n${describe(stuck)}`, {
    suggestion: 'bounded channels too shallow for this graph, or mismatched stream structure (a graph bug)',
  });
  (e as FuseFlowError & { stuck?: StuckNode[] }).stuck = stuck;
  return e;
}

function budget(graph: string, prims: Prim[], limit: number): FuseFlowError {
  const stuck = stuckNodes(prims);
  const e = new FuseFlowError('FF_SIM_BUDGET', `graph '${graph}': cycle budget ${limit} exceeded; ${stuck.length} unfinished node(s):\n${describe(stuck)}`, {
    suggestion: 'raise the cycleBudget option',
  });
  (e as FuseFlowError & { stuck?: StuckNode[] }).stuck = stuck;
  return e;
}

/** The shared-HBM arbiters of a graph's nodes (one per graph; none in private mode). */
function arbitersOf(prims: Prim[]): HbmArbiter[] {
  const out: HbmArbiter[] = [];
  for (const p of prims) {
    const a = p.hbm !== null ? p.hbm.arbiter : null;
    if (a !== null && !out.includes(a)) out.push(a);
  }
  return out;
}

/**
 * When nothing can progress without it: admits the earliest waiting HBM request (smallest time,
 * then node id; across arbiters the same order). Returns the node, or null if none waits.
 */
function grantNext(arbs: HbmArbiter[]): Prim | null {
  let best: HbmArbiter | null = null;
  let bt = Infinity;
  let bid = Infinity;
  for (const a of arbs) {
    const k = a.peekNext();
    if (k !== null && (k.hbm!.pend < bt || (k.hbm!.pend === bt && k.id < bid))) {
      best = a;
      bt = k.hbm!.pend;
      bid = k.id;
    }
  }
  return best === null ? null : best.grantNext();
}

function total(prims: Prim[]): EngineResult {
  let cycles = 0;
  let tokens = 0;
  for (const p of prims) {
    if (p.finish > cycles) cycles = p.finish;
    tokens += p.tokIn;
  }
  return { cycles, tokens };
}

/**
 * About `n` steps of node `p` in the fast engine (a batched run may go past); returns the last
 * step's result. Without bounded outputs a step needs no back-pressure preamble, and each
 * primitive class gets its own loop: a call site that sees one class lets V8 inline that class's
 * fire(), where one shared loop over all classes would dispatch megamorphically on every step.
 */
function steps(p: Prim, n: number): number {
  let r = OK;
  // a fire() call may take many steps (batched runs): the quota counts steps, not calls
  const end = p.steps + n;
  if (p.bounded.length !== 0) {
    do r = p.step(Infinity);
    while (r === OK && p.steps < end);
    return r;
  }
  if (p instanceof ScanPrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof JoinerPrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof RepeatPrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof RepSigPrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof FanoutPrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof ArrayPrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof AluPrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof Spacc1Prim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof Spacc2Prim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof ReducePrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof WriterPrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof LocatePrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof CrdDropPrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof CrdHoldPrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof GatherPrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else if (p instanceof GenRefPrim) do r = p.fire(p.now, Infinity); while (r === OK && p.steps < end);
  else do r = p.step(Infinity); while (r === OK && p.steps < end);
  return r;
}

/**
 * Event-driven engine: runs each ready node until it blocks, then wakes consumers on push
 * (and producers on pop for bounded channels). Node clocks are DAM-style, so the schedule does
 * not change any timestamp; only work order differs from the reference engine.
 */
export function runFast(graph: string, prims: Prim[], cycleBudget = Infinity, quota = 1024, onTick?: () => void): EngineResult {
  // FIFO ready queue with a per-activation step quota: a producer cannot run arbitrarily far
  // ahead of its consumers, which keeps channel buffers short (cache-resident, no regrowth).
  const cap = 1 << Math.ceil(Math.log2(prims.length + 2));
  const q: Prim[] = new Array<Prim>(cap);
  const mask = cap - 1;
  let head = 0;
  let size = 0;
  const wake = (p: Prim): void => {
    if (!p.queued && !p.done) {
      p.queued = true;
      q[(head + size) & mask] = p;
      size++;
    }
  };
  for (const p of prims) {
    p.waker.wakeFn = wake;
    p.queued = true;
    q[(head + size) & mask] = p;
    size++;
  }
  const arbs = arbitersOf(prims);
  // progress callback every 64 activations; the callback itself rate-limits by wall time
  let ticks = 0;
  for (;;) {
    while (size > 0) {
      if (onTick !== undefined && (++ticks & 63) === 0) onTick();
      const p = q[head];
      head = (head + 1) & mask;
      size--;
      p.queued = false;
      p.waker.blocked = false;
      const r = steps(p, quota);
      p.state = r;
      if (r === OK) {
        if (p.now > cycleBudget) throw budget(graph, prims, cycleBudget);
        wake(p);
      } else if (r !== FINISHED) p.waker.blocked = true;
      else if (p.now > cycleBudget) throw budget(graph, prims, cycleBudget);
    }
    // Every node is blocked: the earliest waiting memory request can go (nothing can precede it).
    const g = arbs.length === 0 ? null : grantNext(arbs);
    if (g === null) break;
    g.waker.wake();
  }
  for (const p of prims) p.waker.wakeFn = null;
  if (prims.some((p) => !p.done)) throw deadlock(graph, prims);
  const res = total(prims);
  if (res.cycles > cycleBudget) throw budget(graph, prims, cycleBudget);
  return res;
}

/**
 * Reference engine: a global cycle counter; in each cycle every node whose clock has reached it
 * steps repeatedly (sweeping until nothing changes) using only tokens visible at that cycle.
 * Slow and obviously in time order; the fast engine must match it exactly.
 */
export function runReference(graph: string, prims: Prim[], cycleBudget = Infinity): EngineResult {
  const arbs = arbitersOf(prims);
  for (let T = 0; ; T++) {
    if (T > cycleBudget) throw budget(graph, prims, cycleBudget);
    let progressed = false;
    let timeWait = false;
    for (;;) {
      let any = false;
      for (const p of prims) {
        if (p.done) continue;
        if (p.now > T) {
          timeWait = true;
          continue;
        }
        const r = p.step(T);
        p.state = r;
        if (r === OK || r === FINISHED) any = true;
        else if (r === WAIT_TIME) timeWait = true;
        else if (r !== WAIT_IN && r !== WAIT_OUT && r !== WAIT_HBM) throw new Error(`unexpected step result ${r}`);
      }
      if (any) {
        progressed = true;
        continue;
      }
      // The cycle's fixpoint: every action left at T waits for memory; admit the earliest.
      if (arbs.length === 0 || grantNext(arbs) === null) break;
      progressed = true;
    }
    let allDone = true;
    for (const p of prims) if (!p.done) allDone = false;
    if (allDone) break;
    if (!progressed && !timeWait) throw deadlock(graph, prims);
  }
  const res = total(prims);
  if (res.cycles > cycleBudget) throw budget(graph, prims, cycleBudget);
  return res;
}
