import * as fs from 'node:fs';
import * as path from 'node:path';
import { FuseFlowError, safeName, type Backend, type IrModule, type Report, type RunContext } from '@fuseflow/kernel/plugin-api';
import { estimateCost, statsFromData, writeMatrixMarket, WORD_BYTES, type DataflowModule } from '@fuseflow/ir';
import { defaultOptions, type RdaSimOptions } from './options';
import { writeDataFiles } from './datafiles';
import { formatReport } from './report';
import { formatSampledReport, simulateModuleSampled } from './sampling/sampled';
import { simulateModule, type SimOptions } from './simulate';
import { resolveProfile, type TimingProfile } from './timing';

/** The rda-sim backend: simulates every graph of a DataflowModule and reports cycles and counters. */
export class RdaSimBackend implements Backend {
  readonly id = 'rda-sim';
  readonly consumes = ['dataflow'];
  private readonly o: RdaSimOptions;
  constructor(options: Partial<RdaSimOptions> = {}) {
    this.o = { ...defaultOptions, ...options };
  }
  run(ir: IrModule, ctx: RunContext): Report {
    if (ir.stage !== 'dataflow') throw new FuseFlowError('FF_STAGE_MISMATCH', `rda-sim consumes the 'dataflow' stage, got '${ir.stage}'`);
    const mod = ir as unknown as DataflowModule;
    const o = this.o;
    const profile = resolveProfile(o.timingProfile);
    if (o.sample) return this.runSampled(mod, ctx, profile);
    const work = ctx.progress ? workProgress(mod, ctx.progress) : undefined;
    const r = simulateModule(mod, { ...this.simOptions(profile), ...(work ? { onWork: work.onWork } : {}) });
    const files: string[] = [];
    if (o.writeOutputs && ctx.outDir) {
      fs.mkdirSync(ctx.outDir, { recursive: true });
      for (const [name, t] of Object.entries(r.outputs)) {
        // tensor names come from model files (ONNX value names can be '..'): one harmless path component
        const safe = safeName(name);
        // matrices, and vectors as N x 1 (what scipy and SuiteSparse read as a vector)
        if (t.shape.length === 2 || t.shape.length === 1) {
          const f = path.resolve(ctx.outDir, `${safe}.mtx`);
          fs.writeFileSync(f, writeMatrixMarket(t, { comment: `rda-sim output ${name}, ${r.cycles} cycles` }));
          files.push(f);
        } else {
          // MatrixMarket holds matrices only: rank 0 and 3+ go out in the Comal data-file layout.
          files.push(...writeDataFiles(path.resolve(ctx.outDir, safe), safe, t).map((f) => path.resolve(f)));
        }
      }
    }
    if (work) ctx.progress?.({ plugin: 'rda-sim', done: work.total, total: work.total, message: `${r.cycles} cycles` });
    return {
      backend: 'rda-sim',
      metrics: { cycles: r.cycles, flops: r.flops, bytes: r.bytes, tokens: r.tokens },
      valuesChecked: r.valuesChecked,
      details: {
        ...this.runDetails(profile, r.engineSeconds),
        checks: r.checks,
        ...(r.sequentialCycles !== r.cycles ? { sequentialCycles: r.sequentialCycles } : {}),
        graphs: r.graphs.map((g, i) => ({ graph: g.graph, ...(mod.graphs[i].kernel ? { kernel: mod.graphs[i].kernel } : {}), cycles: g.cycles, flops: g.flops, bytes: g.bytes, tokens: g.tokens, wallMs: g.ms, engineSeconds: g.engineSeconds, nodes: g.nodes, channels: g.channels })),
      },
      text: formatReport(r, o.engine, profile.name),
      files,
    };
  }

  /** Report details both the exact and the sampled path give (engineSeconds: CPU seconds in the engine). */
  private runDetails(profile: TimingProfile, engineSeconds: number): Record<string, unknown> {
    const o = this.o;
    // CPU time is not reproducible, so it stays out of the metrics (which runs compare).
    return { engine: o.engine, engineSeconds, timingProfile: profile.name, channelDepth: o.channelDepth || 'unbounded', hbm: o.hbm };
  }

  /** Simulation options from the plugin options (the exact and the sampled path share them). */
  private simOptions(profile: TimingProfile): SimOptions {
    const o = this.o;
    return {
      engine: o.engine,
      timingProfile: profile,
      channelDepth: o.channelDepth,
      hbm: o.hbm,
      checkValues: o.checkValues,
      rtol: o.rtol,
      atol: o.atol,
      cycleBudget: o.cycleBudget > 0 ? o.cycleBudget : undefined,
    };
  }

  /**
   * Sampled run: estimates from a sample of every graph's outer-loop units. Outputs are not
   * written (only the sampled slices exist); values are checked on those slices.
   */
  private runSampled(mod: DataflowModule, ctx: RunContext, profile: TimingProfile): Report {
    const o = this.o;
    const r = simulateModuleSampled(mod, this.simOptions(profile), o.sample!, ctx.seed ?? 1);
    ctx.progress?.({ plugin: 'rda-sim', done: mod.graphs.length, total: mod.graphs.length, message: `~${Math.round(r.cycles)} cycles (sampled)` });
    return {
      backend: 'rda-sim',
      metrics: { cycles: Math.round(r.cycles), flops: Math.round(r.flops), bytes: Math.round(r.bytes), tokens: Math.round(r.tokens) },
      valuesChecked: r.valuesChecked,
      details: {
        ...this.runDetails(profile, r.engineSeconds),
        sampling: {
          sampled: true,
          totalUnits: r.totalUnits,
          sampledUnits: r.sampledUnits,
          estimate: r.cycles,
          ci95: r.ci95,
          seed: r.seed,
          extrapolated: ['cycles', 'flops', 'bytes', 'tokens'],
          perGraph: r.graphs.map((g) => ({
            graph: g.graph,
            ...(g.kernel ? { kernel: g.kernel } : {}),
            index: g.index,
            totalUnits: g.totalUnits,
            sampledUnits: g.sampledUnits,
            batches: g.batches,
            exact: g.exact,
            ...(g.exactReason ? { exactReason: g.exactReason } : {}),
            estimate: g.cycles.estimate,
            ci95: g.cycles.ci95,
            overheadCycles: g.overheadCycles,
            batchCycles: g.batchCycles,
            compared: g.compared,
            cpuSeconds: g.cpuMs / 1000,
          })),
        },
      },
      text: formatSampledReport(r, o.engine, profile.name),
      files: [],
    };
  }
}

/**
 * Progress in simulated work (operations + element reads + writes), not in graphs: one fully fused
 * graph can be the whole run. Each graph's expected work is the cost model's estimate of its group;
 * inside a graph the bar follows the engine's work counter, capped below the graph's share because
 * the estimate can be low; a finished graph counts its whole share.
 */
function workProgress(mod: DataflowModule, progress: NonNullable<RunContext['progress']>): { total: number; onWork: (k: number, work: number, finished: boolean) => void } {
  let expected: number[] | undefined;
  try {
    const est = estimateCost(mod.program, statsFromData(mod.program, mod.data ?? {}));
    const byGroup = new Map(est.perGroup.map((g) => [g.group, g.flops + (g.readBytes + g.writeBytes) / WORD_BYTES]));
    const w = mod.graphs.map((g) => byGroup.get(g.group ?? g.name) ?? 0);
    if (w.every((x) => x > 0)) expected = w;
  } catch {
    // an estimate is a nicety for the bar; without one every graph weighs its node count
  }
  const weight = expected ?? mod.graphs.map((g) => g.nodes.length);
  const total = Math.round(weight.reduce((a, b) => a + b, 0));
  const before = weight.map((_, k) => weight.slice(0, k).reduce((a, b) => a + b, 0));
  const n = mod.graphs.length;
  const onWork = (k: number, work: number, finished: boolean) => {
    if (finished && k === n - 1) return; // the run's final event (with the cycles) says it
    const share = finished ? weight[k] : expected ? Math.min(0.99 * weight[k], work) : 0;
    progress({ plugin: 'rda-sim', done: Math.min(total, Math.round(before[k] + share)), total, message: `graph ${k + 1}/${n} ${mod.graphs[k].name}` });
  };
  return { total, onWork };
}
