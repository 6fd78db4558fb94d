import * as path from 'node:path';
import { FuseFlowError, RUNNER, type PluginUse, type RunContext, type Runner, type Searcher, type SearchResult } from '@fuseflow/kernel/plugin-api';
import { isHardwareDesignSpace, type HardwareDesignSpace, type ModelGraph } from '@fuseflow/ir';
import { buildCnnTable } from './cnn-table';
import { runSearchEngine, type EngineResult, type EvalRecord, type SearchProblem } from './engine';
import { FashionMnistTrainer, TableEvaluator, type AccuracyEvaluator } from './evaluator';
import { toModelGraph } from './model-graph';
import { checkWeights, performance } from './objective';
import { resolveBoshOptions, type BoshOptions, type BoshOptionsInput } from './options';
import { paretoFront } from './pareto';
import { paretoTable, writeSearchCharts } from './report';
import { deriveSeed, makeRng } from './rng';
import { archHash, describeArch, lowerArch, planMacs, planParams, type CnnArch, type CnnSpaceConfig } from './space';

export { defaultOptions, optionsSchema, resolveBoshOptions, type BoshOptions, type BoshOptionsInput } from './options';

/** Scales rows into [0, 1] per dimension given bounds (zero-width dimensions map to 0). */
export function scaleRows(rows: number[][], bounds: Array<[number, number]>): number[][] {
  return rows.map((r) => r.map((v, i) => (bounds[i][1] > bounds[i][0] ? (v - bounds[i][0]) / (bounds[i][1] - bounds[i][0]) : 0)));
}

/** Builds the accuracy evaluator the options ask for. */
export function makeEvaluator(o: BoshOptions, ctx: RunContext, space: CnnSpaceConfig): AccuracyEvaluator {
  const rel = (p: string) => (path.isAbsolute(p) ? p : path.resolve(ctx.baseDir, p));
  if (o.evaluator.kind === 'table') {
    if (!o.evaluator.table) throw new FuseFlowError('FF_OPTIONS_INVALID', `search.options.evaluator.table: required when evaluator.kind is 'table'`, { path: '/search/options/evaluator/table' });
    return new TableEvaluator(rel(o.evaluator.table));
  }
  const { kind: _k, table: _t, cacheFile, dataDir, ...knobs } = o.evaluator;
  void _k, _t;
  return new FashionMnistTrainer({
    ...knobs,
    ...(dataDir ? { dataDir: rel(dataDir) } : {}),
    cacheFile: cacheFile ? rel(cacheFile) : path.join(ctx.outDir, 'accuracy-cache.json'),
    seed: deriveSeed(o.seed ?? ctx.seed, 'trainer'),
    imageSize: space.inputShape[1],
    classes: space.classes,
    onWarning: (message) => ctx.diagnostic({ severity: 'warning', message, plugin: 'boshnas' }),
  });
}

/** Where the hardware backend is named in the manifest (error messages). */
const HARDWARE_PATH = '/search/options/hardwareBackend';

/**
 * The hardware backend's design space, asked through the kernel's runner: the manifest pipeline's
 * backend of that id first, else the plugin by id with hardwareBackendOptions.
 */
export async function hardwareDesignSpace(o: BoshOptions, ctx: RunContext): Promise<{ runner: Runner; use: PluginUse; space: HardwareDesignSpace }> {
  if (!ctx.container.isRegistered(RUNNER, true)) throw new FuseFlowError('FF_PLUGIN_ERROR', 'boshcode: the kernel provided no runner service (RUNNER) in the run container');
  const runner = ctx.container.resolve(RUNNER);
  const use: PluginUse = { use: o.hardwareBackend, options: o.hardwareBackendOptions };
  const space = await runner.designSpace(use, HARDWARE_PATH);
  if (!isHardwareDesignSpace(space)) throw new FuseFlowError('FF_SEARCH_BACKEND', `backend '${o.hardwareBackend}' exposes no designSpace, so BOSHCODE cannot search its configurations`, { suggestion: 'use a hardware backend with a design space (e.g. systolic)' });
  return { runner, use, space };
}

const fmt = (x: number, d = 4) => (Number.isFinite(x) ? Number(x.toPrecision(d)).toString() : String(x));

/** BOSHNAS (mode 'nas') and BOSHCODE (mode 'codesign') over the generated CNN space. */
export class BoshSearcher implements Searcher {
  readonly id: string;
  readonly o: BoshOptions;

  constructor(options: BoshOptionsInput = {}, mode?: 'nas' | 'codesign') {
    this.o = resolveBoshOptions(mode ? { ...options, mode } : options);
    this.id = this.o.mode === 'codesign' ? 'boshcode' : 'boshnas';
  }

  async search(ctx: RunContext): Promise<SearchResult> {
    const o = this.o;
    const seed = o.seed ?? ctx.seed;
    const { space, weights, normalizers } = o;
    if (o.mode === 'codesign') {
      const err = checkWeights(weights);
      if (err) throw new FuseFlowError('FF_OPTIONS_INVALID', `search.options.weights: ${err}`, { path: '/search/options/weights' });
    }
    const backend = o.mode === 'codesign' ? await hardwareDesignSpace(o, ctx) : undefined;
    const evaluator = makeEvaluator(o, ctx, space);
    const { archs, scaled: cnnScaled } = buildCnnTable(o, seed, space);
    const tables: number[][][] = [cnnScaled];
    let accels: Record<string, unknown>[] = [];
    let ds: HardwareDesignSpace | undefined;
    if (backend) {
      ds = backend.space;
      const seen = new Map<string, Record<string, unknown>>();
      const rng = makeRng(deriveSeed(seed, 'accelerators'));
      for (let tries = 0; seen.size < o.accelerators && tries < 20; tries++) for (const c of ds.sample(o.accelerators - seen.size, rng)) seen.set(ds.key(c), c);
      accels = [...seen.values()];
      tables.push(scaleRows(accels.map((c) => ds!.embed(c)), ds.bounds()));
    }
    const graphs = new Map<number, ModelGraph>();
    const graphOf = (i: number) => {
      let g = graphs.get(i);
      if (!g) graphs.set(i, (g = toModelGraph(archs[i], [1, ...space.inputShape], space.classes)));
      return g;
    };
    const problem: SearchProblem = {
      tables,
      key: (c) => (backend ? `${archHash(archs[c[0]])}@${ds!.key(accels[c[1]])}` : archHash(archs[c[0]])),
      evaluate: async (c) => {
        const arch = archs[c[0]];
        const acc = await evaluator.evaluate(arch);
        const plan = lowerArch(arch, space.inputShape, space.classes);
        const base = { ...(acc.train !== undefined ? { train: acc.train } : {}), val: acc.val, test: acc.test, macs: planMacs(plan), params: planParams(plan) };
        if (!backend) return { loss: 1 - acc.val, metrics: base, info: { arch: c[0] } };
        const report = await backend.runner.evaluate({ stage: 'model', graph: graphOf(c[0]), hardware: accels[c[1]] }, backend.use, ctx, HARDWARE_PATH);
        const m = report.metrics;
        for (const k of ['latencyS', 'areaMm2', 'dynamicEnergyJ', 'leakageEnergyJ']) {
          if (typeof m[k] !== 'number' || !Number.isFinite(m[k])) throw new FuseFlowError('FF_SEARCH_BACKEND', `backend '${o.hardwareBackend}' report has no finite metric '${k}' (got ${m[k]})`);
        }
        const pm = { ...base, latencyS: m.latencyS, areaMm2: m.areaMm2, dynamicEnergyJ: m.dynamicEnergyJ, leakageEnergyJ: m.leakageEnergyJ };
        const P = performance(pm, weights, normalizers);
        return { loss: 1 - P, metrics: { ...pm, energyJ: m.dynamicEnergyJ + m.leakageEnergyJ, performance: P } };
      },
    };
    const stateFile = path.join(ctx.outDir, `${this.id}-${o.strategy}-state.json`);
    let best = Infinity;
    const result: EngineResult = await runSearchEngine(problem, {
      strategy: o.strategy,
      budget: o.budget,
      seed,
      numInit: o.numInit,
      batchSize: o.batchSize,
      uncertaintyProb: o.uncertaintyProb,
      randomProb: o.randomProb,
      surrogate: o.surrogate,
      gobi: o.gobi,
      gobiStarts: o.gobiStarts,
      projectionCandidates: o.projectionCandidates,
      stateFile,
      resume: o.resume,
      stopAfter: o.stopAfter,
      fingerprint: JSON.stringify({ mode: o.mode, space, weights, normalizers, evaluator: o.evaluator, candidates: o.candidates, accelerators: o.accelerators, backend: o.hardwareBackend }),
      onEvaluation: (r, all) => {
        best = Math.min(best, ...all.map((x) => x.loss));
        ctx.progress({ plugin: this.id, done: all.length, total: o.budget, message: `best objective ${fmt(1 - best)} (${r.branch})` });
      },
    });
    return this.summarise(result, archs, accels, ds, stateFile);
  }

  private async summarise(r: EngineResult, archs: CnnArch[], accels: Record<string, unknown>[], ds: HardwareDesignSpace | undefined, stateFile: string): Promise<SearchResult> {
    const point = (e: EvalRecord) => ({
      key: e.key,
      archHash: archHash(archs[e.candidate[0]]),
      arch: archs[e.candidate[0]],
      description: describeArch(archs[e.candidate[0]]),
      ...(ds ? { hardware: accels[e.candidate[1]], hardwareKey: ds.key(accels[e.candidate[1]]) } : {}),
      objective: 1 - e.loss,
      metrics: e.metrics,
      branch: e.branch,
    });
    const pts = r.evaluations.map(point);
    const best = r.best ? point(r.best) : undefined;
    const lines: string[] = [];
    const head = `${this.id} (${this.o.strategy}): ${r.evaluations.length}/${this.o.budget} evaluations${r.resumedFrom ? ` (resumed after ${r.resumedFrom})` : ''}${r.complete ? '' : ' - stopped early, resumable with --resume'}`;
    lines.push(head);
    type P = ReturnType<typeof point>;
    let pareto: P[] | undefined;
    if (ds) {
      pareto = paretoFront(pts, [
        { name: 'accuracy', value: (p: P) => p.metrics.val, sense: 'max' },
        { name: 'latency', value: (p: P) => p.metrics.latencyS, sense: 'min' },
        { name: 'energy', value: (p: P) => p.metrics.energyJ, sense: 'min' },
        { name: 'area', value: (p: P) => p.metrics.areaMm2, sense: 'min' },
      ]).sort((a, b) => b.metrics.val - a.metrics.val || a.metrics.latencyS - b.metrics.latencyS);
      lines.push(`Pareto front (val accuracy vs latency, energy, area): ${pareto.length} of ${pts.length} pairs`);
      lines.push(paretoTable(pareto, ds));
    }
    if (best) {
      const m = best.metrics;
      lines.push(`best objective ${fmt(best.objective)}: val ${fmt(m.val, 3)} test ${fmt(m.test, 3)}${ds ? ` latency ${fmt(m.latencyS * 1e3)} ms energy ${fmt(m.energyJ * 1e3)} mJ area ${fmt(m.areaMm2)} mm2 on ${best.hardwareKey}` : ''}`);
      lines.push(`  ${best.archHash.slice(0, 16)} ${best.description}`);
    }
    const trace = r.evaluations.map((e, i) => ({ n: i + 1, key: e.key, branch: e.branch, objective: 1 - e.loss, bestSoFar: 1 - Math.min(...r.evaluations.slice(0, i + 1).map((x) => x.loss)) }));
    // charts beside the state file, i.e. in the run's output folder
    let charts: string[] = [];
    try {
      if (pts.length) charts = await writeSearchCharts(path.dirname(stateFile), this.id, pts, pareto ? new Set(pareto.map((p) => p.key)) : undefined, trace);
    } catch (e) {
      // the search's results stand without their pictures: say so instead of failing the run
      lines.push(`charts not written: ${(e as Error).message}`);
    }
    lines.push(`state: ${stateFile}`);
    if (charts.length) lines.push(`charts: ${charts.join(', ')}`);
    return {
      searcher: this.id,
      best,
      ...(pareto ? { pareto } : {}),
      evaluations: r.evaluations.length,
      details: {
        strategy: this.o.strategy,
        resume: this.o.resume,
        resumedFrom: r.resumedFrom,
        complete: r.complete,
        trace,
      },
      text: lines.join('\n'),
      files: [stateFile, ...charts],
    };
  }
}
