import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import { compareTensors, type DataflowGraph, type DataflowModule, type SparseTensorData, type TensorBindings } from '@fuseflow/ir';
import { kernelCycles, simulateGraph, type GraphResult, type SimOptions } from '../simulate';
import { SampledReference } from './reference';
import { combineErrors, t975, type TotalEstimate } from './estimator';
import { balancedOrder, drawBatches, laneImbalance, planSample, unitProxy, sliceTensor, subProblem, type SamplePlan } from './sampler';

/** The rda-sim option `sample`: exactly one of fraction / units. */
export interface SampleOptions {
  /** share of each graph's units to simulate, in (0, 1]. */
  fraction?: number;
  /** units to simulate per graph (at most the graph's units). */
  units?: number;
  seed?: number;
  /** clusters the sample is split into (the interval comes from their spread); default 8. */
  batches?: number;
}

export const DEFAULT_SAMPLE_BATCHES = 8;

/**
 * Estimator of the variable part (the bench compares them): 'ratio' scales each run by population
 * / sample proxy totals (default: smallest error measured), 'mean' by N / units.
 */
export type SampleEstimator = 'ratio' | 'mean';

/**
 * Where the fixed cost of a run (fill and drain) comes from; the bench compares them. 'pooled':
 * the whole sample again in one run (default: the only design within the validation bounds, see
 * the README); 'merge': the two lightest batches in one run (2/B of the sample again); 'split':
 * the lightest batch again as two halves (1/B again).
 */
export type FixedCostDesign = 'pooled' | 'merge' | 'split';

/** Estimate of one graph from its sampled units. */
export interface SampledGraph {
  graph: string;
  kernel?: string;
  /** outermost loop index whose coordinates are the units. */
  index: string;
  totalUnits: number;
  sampledUnits: number;
  batches: number;
  /** every unit simulated in one run (the sample covered the graph, or it cannot be sampled): exact cycles. */
  exact: boolean;
  /** why an exact graph ran whole (census, too few units, or the FF_SAMPLE_UNSUPPORTED reason). */
  exactReason?: string;
  cycles: TotalEstimate;
  tokens: number;
  flops: number;
  bytes: number;
  /** fixed cycles of one run (pipeline fill and drain), from the batches against the pooled run. */
  overheadCycles: number;
  /** heaviest units simulated with certainty (their own run), part of sampledUnits. */
  certainUnits: number;
  /** per batch: units and cycles. */
  batchCycles: Array<{ units: number; cycles: number }>;
  /** elements compared against the reference restricted to the sampled units (0 = not checked). */
  compared: number;
  maxAbsError: number;
  /** CPU milliseconds of the graph's sampling (slicing, simulations, checks). */
  cpuMs: number;
  /** CPU seconds in the engine loop over every sub-problem run. */
  engineSeconds: number;
}

export interface SampledModuleResult {
  cycles: number;
  ci95: [number, number];
  se: number;
  flops: number;
  bytes: number;
  tokens: number;
  totalUnits: number;
  sampledUnits: number;
  seed: number;
  graphs: SampledGraph[];
  valuesChecked: boolean;
  cpuMs: number;
  engineSeconds: number;
}

function bad(msg: string): FuseFlowError {
  return new FuseFlowError('FF_OPTIONS_INVALID', `rda-sim option "sample": ${msg}`, { path: 'sample' });
}

/** Checks the option when it did not come through the plugin's JSON Schema (direct API calls). */
export function validateSampleOptions(s: SampleOptions): void {
  if (!s || typeof s !== 'object') throw bad('expected an object { fraction | units, seed?, batches? }');
  const hasF = s.fraction !== undefined;
  const hasU = s.units !== undefined;
  if (hasF === hasU) throw bad(hasF ? 'give either "fraction" or "units", not both' : 'give "fraction" (0 < f <= 1) or "units" (integer >= 1)');
  if (hasF && !(typeof s.fraction === 'number' && s.fraction > 0 && s.fraction <= 1)) throw bad(`"fraction" must be in (0, 1], got ${JSON.stringify(s.fraction)}`);
  if (hasU && !(Number.isInteger(s.units) && s.units! >= 1)) throw bad(`"units" must be an integer >= 1, got ${JSON.stringify(s.units)}`);
  if (s.seed !== undefined && !Number.isInteger(s.seed)) throw bad(`"seed" must be an integer, got ${JSON.stringify(s.seed)}`);
  if (s.batches !== undefined && !(Number.isInteger(s.batches) && s.batches >= 2)) throw bad(`"batches" must be an integer >= 2, got ${JSON.stringify(s.batches)}`);
}

/** Units to draw from a graph of N units. */
function sampleSize(s: SampleOptions, plan: SamplePlan, minimum: number): number {
  const N = plan.units;
  if (s.units !== undefined) {
    if (s.units > N) {
      throw new FuseFlowError('FF_OPTIONS_INVALID', `rda-sim option "sample": "units" is ${s.units}, but graph '${plan.graph}' has only ${N} units (coordinates of its outer index '${plan.index}')`, {
        path: 'sample/units',
        suggestion: `use "units" <= ${N}, or "fraction"`,
      });
    }
    return s.units;
  }
  // At least one unit per batch (and lane), so the interval has its degrees of freedom on small graphs.
  return Math.min(N, Math.max(minimum, Math.ceil(s.fraction! * N)));
}

const cpuNow = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

function checkSlice(g: DataflowGraph, plan: SamplePlan, units: number[], got: SparseTensorData, ref: SampledReference, o: SimOptions): { compared: number; maxAbsError: number } {
  const exp = ref.rowsOf(g.output.tensor, plan.outputMode, units, plan.unitHeight);
  const c = compareTensors(got, exp, { rtol: o.rtol ?? 1e-6, atol: o.atol ?? 1e-9, maxReport: 5 });
  if (!c.equal) {
    const first = c.mismatches[0];
    throw new FuseFlowError(
      'FF_VALUE_MISMATCH',
      `graph '${g.name}', output '${g.output.tensor}' on the sampled units [${units.slice(0, 8).join(',')}${units.length > 8 ? ',...' : ''}] of '${plan.index}' differs from the reference: ` +
        `${c.reason ?? `${c.mismatchCount} of ${c.compared} element(s)`}` +
        (first ? `; first at (${first.coords.join(',')}) of the sub-problem: expected ${first.expected}, got ${first.actual}` : ''),
    );
  }
  return { compared: c.compared, maxAbsError: c.maxAbsError };
}

/** Data a graph reads: bound inputs as they are (as the exact path binds them), intermediates from the reference. */
function graphInputs(g: DataflowGraph, ref: SampledReference): TensorBindings {
  const env: TensorBindings = {};
  for (const x of g.nodes) {
    const t = x.attrs.tensor;
    if (t && t !== g.output.tensor && x.kind !== 'crd_write' && x.kind !== 'val_write') env[t] ??= ref.fullOf(t);
  }
  return env;
}

/**
 * A graph that cannot be sampled (FF_SAMPLE_UNSUPPORTED: reduced outer index, scalar output, ...)
 * inside a sampled run: simulated whole, its cycles enter the estimate with zero variance and its
 * whole output is checked against the reference. It has no units, so it adds none to the counts.
 */
export function wholeGraph(g: DataflowGraph, ref: SampledReference, o: SimOptions, reason: string): SampledGraph {
  const c0 = cpuNow();
  const r = simulateGraph(g, graphInputs(g, ref), o);
  let v = { compared: 0, maxAbsError: 0 };
  if (o.checkValues !== false) {
    const c = compareTensors(r.output, ref.fullOf(g.output.tensor), { rtol: o.rtol ?? 1e-6, atol: o.atol ?? 1e-9, maxReport: 5 });
    if (!c.equal) {
      const first = c.mismatches[0];
      throw new FuseFlowError(
        'FF_VALUE_MISMATCH',
        `graph '${g.name}' (simulated whole: it cannot be sampled), output '${g.output.tensor}' differs from the reference: ` +
          `${c.reason ?? `${c.mismatchCount} of ${c.compared} element(s)`}` +
          (first ? `; first at (${first.coords.join(',')}): expected ${first.expected}, got ${first.actual}` : ''),
      );
    }
    v = { compared: c.compared, maxAbsError: c.maxAbsError };
  }
  const cy = r.cycles;
  return {
    graph: g.name, ...(g.kernel ? { kernel: g.kernel } : {}), index: '', totalUnits: 0, sampledUnits: 0, batches: 1, exact: true, exactReason: reason,
    cycles: { estimate: cy, se: 0, dof: Infinity, ci95: [cy, cy], overhead: 0 },
    tokens: r.tokens, flops: r.flops, bytes: r.bytes, overheadCycles: 0, certainUnits: 0, batchCycles: [{ units: 0, cycles: cy }], ...v, cpuMs: cpuNow() - c0, engineSeconds: r.engineSeconds,
  };
}

/** Samples one graph: draws units, simulates each batch, the pooled sample and the certainty units, estimates its totals. */
export function sampleGraph(g: DataflowGraph, plan: SamplePlan, ref: SampledReference, s: SampleOptions, o: SimOptions, seed: number, estimator: SampleEstimator = 'ratio', design: FixedCostDesign = 'pooled'): SampledGraph {
  const c0 = cpuNow();
  const N = plan.units;
  // A sub-problem with fewer units than a fork has lanes leaves a lane empty, which the fork/join
  // primitives do not support (FF_INPUT_INVALID from the writers, exact path included): every
  // batch gets at least one unit per lane.
  const lanes = Math.max(plan.lanes, ...g.nodes.filter((x) => x.kind === 'fork').map((x) => x.attrs.arity ?? 1));
  const minimum = (s.batches ?? DEFAULT_SAMPLE_BATCHES) * lanes;
  // Fewer units than one per batch and lane: no interval is possible, and the whole graph is small.
  const tooFew = N < minimum;
  const n = tooFew ? N : sampleSize(s, plan, minimum);
  const B = Math.min(s.batches ?? DEFAULT_SAMPLE_BATCHES, Math.floor(n / lanes));
  if (B < 1 && !tooFew) {
    throw new FuseFlowError('FF_OPTIONS_INVALID', `rda-sim option "sample": ${n} unit(s) for graph '${g.name}', whose ${lanes} parallel lanes need at least ${lanes}`, { path: 'sample/units' });
  }
  const check = o.checkValues !== false;
  // Data the graph reads: bound inputs as they are (as the exact path binds them), intermediates
  // (earlier graphs' outputs) from the reference.
  const env = graphInputs(g, ref);
  const base = { graph: g.name, ...(g.kernel ? { kernel: g.kernel } : {}), index: plan.index, totalUnits: N };
  if (n >= N) {
    // A census: the whole graph in one run is the exact answer.
    const all = Array.from({ length: N }, (_, i) => i);
    const r = simulateGraph(g, env, o);
    const v = check ? checkSlice(g, plan, all, r.output, ref, o) : { compared: 0, maxAbsError: 0 };
    const c = r.cycles;
    return {
      ...base, sampledUnits: N, batches: 1, exact: true,
      exactReason: tooFew ? `only ${N} unit(s) of '${plan.index}', fewer than the minimum sample of ${minimum} (one per batch and lane)` : `the sample covers all ${N} units`,
      cycles: { estimate: c, se: 0, dof: Infinity, ci95: [c, c], overhead: 0 },
      tokens: r.tokens, flops: r.flops, bytes: r.bytes, overheadCycles: 0, certainUnits: 0, batchCycles: [{ units: N, cycles: c }], ...v, cpuMs: cpuNow() - c0, engineSeconds: r.engineSeconds,
    };
  }
  const proxy = unitProxy(plan, env);
  // Units heavier than a stratum's share of the proxy (hubs of a power-law graph) are simulated
  // with certainty in a run of their own: drawn with one unit per stratum they would dominate the
  // error. At most a quarter of the sample.
  const certain = certaintyUnits(proxy, n, Math.floor(n / 4));
  const isCertain = new Set(certain);
  const rest = Array.from({ length: N }, (_, i) => i).filter((u) => !isCertain.has(u));
  const restN = rest.length;
  const restn = n - certain.length;
  const restX = rest.reduce((a, u) => a + proxy[u], 0);
  const restB = Math.min(B, Math.floor(restn / lanes));
  const batches = drawBatches(restN, restn, restB, seed, rest.map((u) => proxy[u])).map((b) => b.map((k) => rest[k]));
  // A short last block (block mode) must stay last, or the blocks after it would shift.
  const lastBlockLast = (u: number[]): number[] => (plan.unitHeight > 1 && u.includes(N - 1) ? [...u.filter((x) => x !== N - 1), N - 1] : u);
  const order = (u: number[]): number[] => lastBlockLast(balancedOrder(u.slice().sort((x, y) => x - y), proxy, plan.lanes, plan.outerDense));
  const imb = (units: number[]): number => laneImbalance(units, proxy, plan.lanes, plan.outerDense);
  let compared = 0;
  let maxAbsError = 0;
  let engineSeconds = 0;
  const streamedOf = (units: number[]): number => units.reduce((a, u) => a + (plan.outerDense || proxy[u] > 1 ? proxy[u] : 0), 0);
  /** one simulated run: its units, result, proxy lane imbalance, proxy total and streamed proxy total. */
  const run = (units: number[], checked = true): Run => {
    const sub = subProblem(g, plan, units, env);
    const r = simulateGraph(sub.graph, sub.data, o);
    engineSeconds += r.engineSeconds;
    if (check && checked) {
      const v = checkSlice(g, plan, units, r.output, ref, o);
      compared += v.compared;
      maxAbsError = Math.max(maxAbsError, v.maxAbsError);
    }
    return { units: units.length, r, imb: imb(units), x: units.reduce((a, u) => a + proxy[u], 0), s: streamedOf(units) };
  };
  const obs = batches.map((b) => run(order(b)));
  // The fixed cost of a run (pipeline fill and drain, per-coordinate overheads of the indices
  // above the units) from one extra split: the lightest batch again as two halves, whose costs sum
  // to the batch's plus one fixed cost. This costs a 1/B share of the sample where a pooled run of
  // the whole sample cost all of it again; an empty run underestimates the fixed cost.
  let split: FixedProbe | undefined;
  if (design === 'split') {
    const light = obs.map((b, k) => ({ b, k })).filter(({ b }) => b.units >= 2 * lanes).sort((p, q) => p.b.x - q.b.x)[0];
    if (light) {
      const byProxy = batches[light.k].slice().sort((u, v) => proxy[u] - proxy[v] || u - v);
      const half = (odd: number): number[] => order(byProxy.filter((_, i) => i % 2 === odd));
      // Values were checked in the batch.
      split = { whole: light.b, parts: [run(half(0), false), run(half(1), false)] };
    }
  } else if (obs.length >= 2) {
    const ks = obs.map((b, k) => ({ b, k })).sort((p, q) => p.b.x - q.b.x).map((x) => x.k);
    const use = design === 'merge' ? ks.slice(0, 2) : ks;
    split = { whole: run(order(use.flatMap((k) => batches[k]))), parts: use.map((k) => obs[k]) };
  }
  const cert = certain.length > 0 ? run(order(certain)) : undefined;
  const fullImb = imb(Array.from({ length: N }, (_, i) => i));
  const restS = rest.reduce((a, u) => a + (plan.outerDense || proxy[u] > 1 ? proxy[u] : 0), 0);
  const useProxy = estimator === 'ratio';
  const cycles = ratioEstimate(obs, split, cert, {
    f: (r) => r.cycles,
    lanes: plan.lanes,
    load: (x) => (plan.lanes > 1 ? x.imb + (useProxy ? x.s : x.units) / plan.lanes : useProxy ? x.x : x.units),
    population: plan.lanes > 1 ? fullImb + (useProxy ? restS : restN) / plan.lanes : useProxy ? restX : restN,
    fpc: 1 - restn / restN,
  });
  const plain = (f: (r: GraphResult) => number): TotalEstimate =>
    ratioEstimate(obs, split, cert, { f, lanes: 1, load: (x) => (useProxy ? x.x : x.units), population: useProxy ? restX : restN, fpc: 1 - restn / restN });
  return {
    ...base, sampledUnits: n, batches: batches.length, exact: false, cycles,
    tokens: plain((r) => r.tokens).estimate, flops: plain((r) => r.flops).estimate, bytes: plain((r) => r.bytes).estimate,
    overheadCycles: Math.round(cycles.overhead), certainUnits: certain.length, batchCycles: obs.map((b) => ({ units: b.units, cycles: b.r.cycles })),
    compared, maxAbsError, cpuMs: cpuNow() - c0, engineSeconds,
  };
}

/** Runs whose units together are those of `whole`: their costs sum to whole's plus (parts - 1) fixed costs. */
interface FixedProbe {
  whole: Run;
  parts: Run[];
}

/** One simulated sub-problem of a sampled graph. */
interface Run {
  units: number;
  r: GraphResult;
  /** proxy imbalance its lanes were left with (0 without lanes). */
  imb: number;
  /** proxy total of its units. */
  x: number;
  /** proxy total of the units its outer level streams. */
  s: number;
}

/**
 * Combined ratio estimator of one quantity (cycles, tokens, ...). A run costs
 * `fixed + R * load`, load = the proxy total (with lanes: the heaviest lane's proxy, imbalance +
 * streamed / lanes), so R = sum(y_b - fixed) / sum(load_b) over the batches, and the total is
 * fixed + R * load of the population + the certainty run's variable part. The fixed cost comes
 * from the split batch (halves - whole), the lane term's share of it taken out with R (iterated).
 * The standard error is the ratio estimator's (residuals y_b - fixed - R load_b, B - 1 degrees of
 * freedom, finite-population correction).
 */
function ratioEstimate(
  obs: Run[],
  split: FixedProbe | undefined,
  cert: Run | undefined,
  m: { f: (r: GraphResult) => number; lanes: number; load: (x: Run) => number; population: number; fpc: number },
): TotalEstimate {
  const y = obs.map((b) => m.f(b.r));
  const L = obs.map(m.load);
  const sumL = L.reduce((a, b) => a + b, 0);
  const B = obs.length;
  let fixed = 0;
  let R = 0;
  for (let it = 0; it < (m.lanes > 1 ? 4 : 2); it++) {
    R = sumL > 0 ? y.reduce((a, v) => a + v - fixed, 0) / sumL : 0;
    if (split) {
      const v = (x: Run): number => m.f(x.r) - (m.lanes > 1 ? R * x.imb : 0);
      const parts = split.parts.reduce((a, x) => a + v(x), 0);
      fixed = Math.max(0, Math.min(Math.min(...y), (parts - v(split.whole)) / (split.parts.length - 1)));
    }
  }
  const certPart = cert ? m.f(cert.r) - fixed - (m.lanes > 1 ? R * cert.imb : 0) : 0;
  const estimate = fixed + R * m.population + certPart;
  if (B < 2) return { estimate, se: Infinity, dof: 0, ci95: [-Infinity, Infinity], overhead: fixed };
  const mean = sumL / B;
  let ss = 0;
  for (let k = 0; k < B; k++) ss += (y[k] - fixed - R * L[k]) ** 2;
  const varR = mean > 0 ? (Math.max(0, m.fpc) * ss) / (B * (B - 1) * mean * mean) : 0;
  const se = m.population * Math.sqrt(varR);
  // Cycles are integers: an interval narrower than a cycle only reflects rounding.
  const half = Math.max(0.5, t975(B - 1) * se);
  return { estimate, se, dof: B - 1, ci95: [estimate - half, estimate + half], overhead: fixed };
}

/**
 * Units taken with certainty: repeatedly the heaviest unit while its proxy exceeds the share of
 * one stratum of the rest (remaining proxy / remaining sample), at most `max` of them.
 */
export function certaintyUnits(proxy: ArrayLike<number>, n: number, max: number): number[] {
  const byWeight = Array.from({ length: proxy.length }, (_, i) => i).sort((a, b) => proxy[b] - proxy[a] || a - b);
  let rest = 0;
  for (let i = 0; i < proxy.length; i++) rest += proxy[i];
  const out: number[] = [];
  for (const u of byWeight) {
    if (out.length >= max || n - out.length <= 1 || proxy[u] <= rest / (n - out.length)) break;
    out.push(u);
    rest -= proxy[u];
  }
  return out;
}

/**
 * Sampled simulation of a module: every graph is sampled independently, reading its inputs from
 * the reference evaluation (so a later graph does not need the earlier graphs' full outputs);
 * the module's cycles combine the per-graph estimates as the exact path combines cycles
 * (kernelCycles), and its interval combines their errors along the critical path.
 */
export function simulateModuleSampled(mod: DataflowModule, options: SimOptions, sample: SampleOptions, defaultSeed = 1, estimator: SampleEstimator = 'ratio', design: FixedCostDesign = 'pooled'): SampledModuleResult {
  validateSampleOptions(sample);
  if (!mod || !Array.isArray(mod.graphs) || mod.graphs.length === 0) throw new FuseFlowError('FF_INPUT_INVALID', 'dataflow module has no graphs to simulate');
  if (!mod.program) throw new FuseFlowError('FF_INPUT_INVALID', 'sampled simulation needs the module program (its reference values feed every graph)');
  // Plans first. A graph that cannot be sampled is simulated whole; if none can, there is nothing
  // to sample and the first graph's FF_SAMPLE_UNSUPPORTED stands (before any simulation).
  const plans = mod.graphs.map((g): SamplePlan | FuseFlowError => {
    try {
      return planSample(g);
    } catch (e) {
      if (e instanceof FuseFlowError && e.code === 'FF_SAMPLE_UNSUPPORTED') return e;
      throw e;
    }
  });
  if (plans.every((p) => p instanceof FuseFlowError)) {
    const errs = plans as FuseFlowError[];
    if (errs.length === 1) throw errs[0];
    throw new FuseFlowError('FF_SAMPLE_UNSUPPORTED', `no graph of the module can be sampled: ${errs.map((e) => e.message).join('; ')}`, {
      suggestion: 'simulate it exactly (drop the rda-sim option "sample"), or choose loop orders whose outermost index is an output index',
    });
  }
  const c0 = cpuNow();
  const { schedule: _schedule, ...plain } = mod.program;
  void _schedule;
  const ref = new SampledReference(plain, mod.data ?? {});
  const seed = sample.seed ?? defaultSeed;
  // A different stream per graph so graphs of equal size do not sample the same coordinates.
  const graphs = mod.graphs.map((g, i) => {
    const p = plans[i];
    return p instanceof FuseFlowError ? wholeGraph(g, ref, options, p.message.replace(/^graph '[^']*' cannot be sampled: /, '')) : sampleGraph(g, p, ref, sample, options, seed + 7919 * i, estimator, design);
  });
  const est = graphs.map((r) => r.cycles.estimate);
  const cycles = kernelCycles(mod.graphs, est);
  // A graph's error reaches the total only if it lies on its kernel's critical path.
  const parts = graphs.map((r, i) => {
    const d = Math.max(1, Math.abs(est[i]) * 1e-6);
    const bumped = est.slice();
    bumped[i] += d;
    const weight = (kernelCycles(mod.graphs, bumped) - cycles) / d;
    return { se: r.cycles.se, dof: r.cycles.dof, weight: Math.round(weight) };
  });
  const { se, dof } = combineErrors(parts);
  const half = graphs.every((r) => r.exact) ? 0 : Math.max(0.5, t975(dof) * se);
  const sum = (f: (r: SampledGraph) => number): number => graphs.reduce((a, r) => a + f(r), 0);
  return {
    cycles,
    ci95: [cycles - half, cycles + half],
    se,
    flops: sum((r) => r.flops),
    bytes: sum((r) => r.bytes),
    tokens: sum((r) => r.tokens),
    totalUnits: sum((r) => r.totalUnits),
    sampledUnits: sum((r) => r.sampledUnits),
    seed,
    graphs,
    valuesChecked: options.checkValues !== false,
    cpuMs: cpuNow() - c0,
    engineSeconds: sum((r) => r.engineSeconds),
  };
}

/** Readable summary of a sampled run. */
export function formatSampledReport(r: SampledModuleResult, engine: string, profile: string): string {
  const f = (x: number): string => String(Math.round(x));
  const lines = [
    `RDA simulation, sampled (${engine} engine, timing profile '${profile}')`,
    `total: about ${f(r.cycles)} cycles: sampled ${r.sampledUnits} of ${r.totalUnits} units, 95 % CI [${f(r.ci95[0])}, ${f(r.ci95[1])}] (seed ${r.seed})`,
    `flops, bytes and channel tokens are extrapolated the same way: ~${f(r.flops)} flops, ~${f(r.bytes)} bytes, ~${f(r.tokens)} tokens`,
    `values ${r.valuesChecked ? 'checked OK on the sampled units of every graph' : 'NOT checked'}`,
  ];
  const whole = r.graphs.filter((g) => g.exact && g.totalUnits === 0);
  if (whole.length > 0) lines.push(`simulated whole (cannot be sampled; exact cycles, ${r.valuesChecked ? 'all values checked' : 'values not checked'}): ${whole.map((g) => g.graph).join(', ')}`);
  for (const g of r.graphs) {
    lines.push(
      `graph ${g.graph}${g.kernel ? ` (kernel ${g.kernel})` : ''}: ${g.exact ? (g.totalUnits === 0 ? `${f(g.cycles.estimate)} cycles (simulated whole, exact: ${g.exactReason})` : `${f(g.cycles.estimate)} cycles (all ${g.totalUnits} units of '${g.index}' simulated: exact${g.exactReason?.startsWith('only') ? `; ${g.exactReason}` : ''})`) : `about ${f(g.cycles.estimate)} cycles, sampled ${g.sampledUnits} of ${g.totalUnits} units of '${g.index}' in ${g.batches} batches, 95 % CI [${f(g.cycles.ci95[0])}, ${f(g.cycles.ci95[1])}], fixed overhead ${g.overheadCycles} cycles`}`,
    );
  }
  return lines.join('\n') + '\n';
}
