import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import {
  compareTensors,
  convert,
  evaluateProgram,
  type DataflowGraph,
  type DataflowModule,
  type SparseTensorData,
  type TensorBindings,
} from '@fuseflow/ir';
import { assembleOutput } from './assemble';
import { buildGraph } from './build';
import { runFast, runReference } from './engine';
import { resolveProfile, type TimingProfile, type TimingProfileInput } from './timing';

/** Options of simulateGraph / simulateModule (the plugin options, minus output writing). */
export interface SimOptions {
  engine?: 'fast' | 'reference';
  /** profile name ('comal', 'ideal') or a profile object merged over its base. */
  timingProfile?: string | TimingProfileInput;
  /** default channel capacity in tokens (0 or omitted = unbounded, as Comal). */
  channelDepth?: number;
  /**
   * 8-channel HBM model with Comal's parameters on scanners, arrays and writers: true / 'shared'
   * = one HBM per graph whose channels the memory nodes contend for (as Comal); 'private' = each
   * memory node its own channels (no contention; for comparison).
   */
  hbm?: boolean | 'shared' | 'private';
  /** stop with FF_SIM_BUDGET when any node's clock passes this many cycles. */
  cycleBudget?: number;
  checkValues?: boolean;
  rtol?: number;
  atol?: number;
  /**
   * progress while a graph runs (fast engine): called now and then with the work done so far in
   * that graph (operations + element reads + writes), and with finished = true once it is done
   * (the reference engine: at the end only).
   */
  onWork?: (graphIndex: number, work: number, finished: boolean) => void;
  /** least wall time between two onWork calls inside a graph (ms, default 100). */
  workIntervalMs?: number;
}

/** Counters of one node. */
export interface NodeStats {
  id: number;
  label: string;
  kind: string;
  tokensIn: number;
  tokensOut: number;
  /** cycles spent on steps (sum of initiation intervals). */
  busy: number;
  /** cycles waiting on inputs/outputs before finishing (finish - busy). */
  stall: number;
  finish: number;
  ops: number;
  reads: number;
  writes: number;
}

/** Counters of one channel (graph channel id). */
export interface ChannelStats {
  id: number;
  tokens: number;
  queued: number;
}

export interface GraphResult {
  graph: string;
  cycles: number;
  /** channel token transfers. */
  tokens: number;
  flops: number;
  /** 4 x (element reads + writes). */
  bytes: number;
  output: SparseTensorData;
  nodes: NodeStats[];
  /** per channel of the graph: tokens pushed and queued cycles (summed pop - visible time of its tokens). */
  channels: ChannelStats[];
  /** wall time of the simulation proper (ms). */
  ms: number;
  /** CPU time (user + system) of the simulation proper (ms): the fair measure on a loaded machine. */
  cpuMs: number;
  /** the same CPU time of the engine loop, in seconds. */
  engineSeconds: number;
}

function profileOf(o: SimOptions): TimingProfile {
  return resolveProfile(o.timingProfile);
}

/** Simulates one graph on bound input data; returns cycles, counters and the assembled output tensor. */
export function simulateGraph(graph: DataflowGraph, data: TensorBindings, options: SimOptions = {}, graphIndex = 0): GraphResult {
  const engine = options.engine ?? 'fast';
  const depth = options.channelDepth && options.channelDepth > 0 ? options.channelDepth : Infinity;
  const built = buildGraph(graph, data, { engine, profile: profileOf(options), channelDepth: depth, hbm: options.hbm ?? false });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const onWork = options.onWork;
  const work = () => built.prims.reduce((a, p) => a + p.ops + p.reads + p.writes, 0);
  const interval = options.workIntervalMs ?? 100;
  let last = performance.now();
  // summing the counters costs a pass over the nodes: at most once per interval
  const tick =
    onWork &&
    (() => {
      const now = performance.now();
      if (now - last < interval) return;
      last = now;
      onWork(graphIndex, work(), false);
    });
  const r = engine === 'reference' ? runReference(graph.name, built.prims, options.cycleBudget ?? Infinity) : runFast(graph.name, built.prims, options.cycleBudget ?? Infinity, undefined, tick);
  const cpu = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const output = assembleOutput(graph, built.writers, graph.blockSize ?? 0);
  let flops = 0;
  let rw = 0;
  const nodes: NodeStats[] = built.prims.map((p) => {
    flops += p.ops;
    rw += p.reads + p.writes;
    return {
      id: p.id,
      label: p.label,
      kind: p.kind,
      tokensIn: p.tokIn,
      tokensOut: p.tokOut,
      busy: p.busy,
      stall: Math.max(0, p.finish - p.busy),
      finish: p.finish,
      ops: p.ops,
      reads: p.reads,
      writes: p.writes,
    };
  });
  const channels = built.chans.map((c) => ({ id: c.id, tokens: c.pushed, queued: c.queued }));
  return { graph: graph.name, cycles: r.cycles, tokens: r.tokens, flops, bytes: 4 * rw, output, nodes, channels, ms, cpuMs, engineSeconds: cpuMs / 1000 };
}

export interface ModuleResult {
  /** end-to-end cycles: kernels one after another, graphs of one kernel overlapped (kernelCycles). */
  cycles: number;
  /** sum of every graph's cycles (equal to cycles when no group has a kernel). */
  sequentialCycles: number;
  flops: number;
  bytes: number;
  tokens: number;
  /** CPU seconds spent in the engine loop, summed over the graphs. */
  engineSeconds: number;
  graphs: GraphResult[];
  outputs: TensorBindings;
  valuesChecked: boolean;
  /** per checked output: max abs error and elements compared. */
  checks: Array<{ tensor: string; compared: number; maxAbsError: number }>;
}

/**
 * Runs a module's graphs in order (one per fusion group); each graph's output becomes input data
 * of later graphs. Total cycles = sum over kernels of each kernel's critical path (kernelCycles):
 * graphs without a kernel run one after another, like the artifact's kernels. With
 * checkValues (default), compares every program output with evaluateProgram and throws
 * FF_VALUE_MISMATCH naming the tensor, coordinates, expected and got.
 */
export function simulateModule(mod: DataflowModule, options: SimOptions = {}): ModuleResult {
  if (!mod || !Array.isArray(mod.graphs) || mod.graphs.length === 0) {
    throw new FuseFlowError('FF_INPUT_INVALID', 'dataflow module has no graphs to simulate');
  }
  const env: TensorBindings = { ...(mod.data ?? {}) };
  const graphs: GraphResult[] = [];
  for (const [k, g] of mod.graphs.entries()) {
    const r = simulateGraph(g, env, options, k);
    options.onWork?.(k, r.flops + r.bytes / 4, true);
    env[g.output.tensor] = r.output;
    graphs.push(r);
  }
  const outputs: TensorBindings = {};
  const names = mod.program?.outputs?.length ? mod.program.outputs : [mod.graphs[mod.graphs.length - 1].output.tensor];
  for (const n of names) if (env[n]) outputs[n] = env[n];
  const checks: ModuleResult['checks'] = [];
  let valuesChecked = false;
  if (options.checkValues !== false) {
    if (!mod.program) throw new FuseFlowError('FF_INPUT_INVALID', 'checkValues needs the module program (set checkValues: false to skip)');
    // The schedule (parallel lanes, blocking) does not change values; leave it out of the
    // reference run so a schedule naming groups the program does not list cannot fail the check.
    const { schedule: _schedule, ...plain } = mod.program;
    void _schedule;
    const expected = evaluateProgram(plain, mod.data);
    for (const n of names) {
      const exp = expected[n];
      const got = outputs[n];
      if (!exp) throw new FuseFlowError('FF_INPUT_INVALID', `reference evaluator produced no tensor '${n}'`);
      if (!got) throw new FuseFlowError('FF_VALUE_MISMATCH', `output '${n}' was not produced by any graph`);
      const c = compareTensors(got, exp, { rtol: options.rtol ?? 1e-6, atol: options.atol ?? 1e-9, maxReport: 5 });
      if (!c.equal) {
        const first = c.mismatches[0];
        throw new FuseFlowError(
          'FF_VALUE_MISMATCH',
          `output '${n}' differs from the reference: ${c.reason ?? `${c.mismatchCount} of ${c.compared} element(s)`}` +
            (first ? `; first at (${first.coords.join(',')}): expected ${first.expected}, got ${first.actual}` : '') +
            `\n${c.message}`,
        );
      }
      checks.push({ tensor: n, compared: c.compared, maxAbsError: c.maxAbsError });
    }
    valuesChecked = true;
  }
  const sum = (f: (g: GraphResult) => number) => graphs.reduce((a, g) => a + f(g), 0);
  const cycles = kernelCycles(mod.graphs, graphs.map((g) => g.cycles));
  return { cycles, sequentialCycles: sum((g) => g.cycles), flops: sum((g) => g.flops), bytes: sum((g) => g.bytes), tokens: sum((g) => g.tokens), engineSeconds: sum((g) => g.engineSeconds), graphs, outputs, valuesChecked, checks };
}

/** Re-stores a tensor in another format keeping stored zeros (helper for callers building inputs). */
export function restore(t: SparseTensorData, g: DataflowGraph, name: string): SparseTensorData {
  const f = g.tensors[name]?.format;
  return f ? convert(t, f, { keepZeros: true }) : t;
}

/**
 * Cycles of graphs run in execution order where consecutive graphs with the same `kernel` share the
 * fabric: inside a kernel a graph starts when the graphs of that kernel whose outputs it reads have
 * finished, so independent graphs overlap; kernels (and graphs without one) run one after another.
 * A kernel whose graphs are not consecutive is an error (its groups would interleave with others).
 */
export function kernelCycles(graphs: DataflowGraph[], cycles: number[]): number {
  let total = 0;
  const closed = new Set<string>();
  for (let a = 0; a < graphs.length; ) {
    const kernel = graphs[a].kernel;
    let b = a + 1;
    if (kernel !== undefined) {
      if (closed.has(kernel)) {
        throw new FuseFlowError('FF_INPUT_INVALID', `kernel '${kernel}': its graphs are not consecutive in execution order (graph '${graphs[a].name}' comes after another kernel)`, {
          suggestion: 'put a kernel\'s fusion groups next to each other in dependency order',
        });
      }
      closed.add(kernel);
      while (b < graphs.length && graphs[b].kernel === kernel) b++;
    }
    const finish = new Map<string, number>();
    let span = 0;
    for (let g = a; g < b; g++) {
      const start = Math.max(0, ...Object.keys(graphs[g].tensors).filter((t) => t !== graphs[g].output.tensor).map((t) => finish.get(t) ?? 0));
      const end = start + cycles[g];
      finish.set(graphs[g].output.tensor, end);
      span = Math.max(span, end);
    }
    total += span;
    a = b;
  }
  return total;
}
