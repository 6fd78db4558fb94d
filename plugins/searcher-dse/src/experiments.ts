import * as fs from 'node:fs';
import * as path from 'node:path';
import { deepMerge, FuseFlowError, type Manifest } from '@fuseflow/kernel/plugin-api';
import { InlineExecutor, LocalPoolExecutor, RedisQueueExecutor, runJobs, type Executor, type JobRecord } from '@fuseflow/executor';
import { pipelineJob, type PipelineJobPayload, type PipelineJobResult, type SamplingSummary } from './job-handler';

/** One pipeline run of an experiment: a bundled manifest, one of its configurations, optional overrides. */
export interface ExperimentRun {
  /** row group, e.g. the model ('GCN'). */
  group: string;
  /** row label inside the group, e.g. the dataset ('cora') or the parameter value ('P=4'). */
  label: string;
  /** manifest path relative to the examples folder. */
  manifest: string;
  configuration?: string;
  /** partial manifest deep-merged over the bundled one (arrays replace), e.g. smaller inputs in fast mode. */
  overrides?: Record<string, unknown>;
  /** the x value for sweeps (parallel factor, block size, order index...). */
  x?: number | string;
  /** an inline base manifest used instead of reading `manifest` (relative paths resolve against the examples folder). */
  baseManifest?: Manifest;
  /**
   * frontend tensor sources replacing the manifest's per tensor (after `overrides`): a deep merge
   * would keep the bundled `generate` beside a new `dataset` source.
   */
  sources?: { inputs?: Record<string, unknown>; weights?: Record<string, unknown> };
  /**
   * the FLOPs / bytes estimate of the run, the token count derived from it (what its sampling was
   * chosen by), the tokens expected to be simulated (tokens x sample fraction) and the CPU seconds
   * expected in all (fixed cost + simulated tokens; what the ETA and the dispatch order weigh).
   */
  estimate?: { flops: number; bytes: number; tokens: number; simulatedTokens?: number; cpuSeconds?: number };
}

export interface ExperimentDefinition {
  id: string;
  title: string;
  description: string;
  /** runs per mode ('fast' must fit the 2-core, 10-minute budget). */
  modes: Record<string, ExperimentRun[]>;
}

export interface ExperimentRowResult extends ExperimentRun {
  key: string;
  ok: boolean;
  metrics?: Record<string, number>;
  valuesChecked?: boolean;
  /** rda-sim `details.sampling` when the run was simulated on a sample. */
  sampling?: SamplingSummary;
  /** CPU seconds of the thread that ran the job, and its wall seconds. */
  cpuSeconds?: number;
  wallSeconds?: number;
  error?: { code?: string; message: string };
}

/** Locate the examples folder: explicit, else walk up from the cwd and from this package. */
export function findExamplesDir(explicit?: string): string {
  if (explicit) {
    if (!fs.existsSync(explicit)) throw new FuseFlowError('FF_INPUT_INVALID', `examples folder not found: ${explicit}`);
    return path.resolve(explicit);
  }
  for (const start of [process.cwd(), __dirname]) {
    let dir = path.resolve(start);
    for (;;) {
      if (fs.existsSync(path.join(dir, 'examples', 'gcn'))) return path.join(dir, 'examples');
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new FuseFlowError('FF_INPUT_INVALID', 'cannot find the bundled examples folder (examples/gcn); pass --examples <dir>');
}

export function runKey(r: ExperimentRun): string {
  return [r.group, r.label, r.configuration ?? '', r.x ?? ''].join('|');
}

/** The job payload of one experiment run (overrides applied, relative paths kept against the manifest's folder). */
export function runPayload(r: ExperimentRun, examplesDir: string, outDir: string): PipelineJobPayload {
  const file = path.join(examplesDir, r.manifest);
  if (!r.baseManifest && !fs.existsSync(file)) throw new FuseFlowError('FF_INPUT_INVALID', `experiment manifest not found: ${file}`);
  const base = r.baseManifest ? (JSON.parse(JSON.stringify(r.baseManifest)) as Manifest) : (JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest);
  const merged = r.overrides ? (deepMerge(base, r.overrides) as Manifest) : base;
  delete merged.$schema;
  if (r.sources) {
    const fe = merged.frontend as { options?: Record<string, unknown> } | undefined;
    if (!fe) throw new FuseFlowError('FF_INPUT_INVALID', `experiment run ${runKey(r)}: manifest ${file} has no frontend to give sources to`);
    fe.options ??= {};
    for (const kind of ['inputs', 'weights'] as const) {
      if (r.sources[kind]) fe.options[kind] = { ...((fe.options[kind] as Record<string, unknown>) ?? {}), ...JSON.parse(JSON.stringify(r.sources[kind])) };
    }
  }
  const safe = runKey(r).replace(/[^A-Za-z0-9_.=-]+/g, '_');
  return {
    manifest: merged,
    baseDir: path.dirname(file),
    outDir: path.join(outDir, 'runs', safe),
    ...(r.configuration ? { configurations: [r.configuration] } : {}),
  };
}

export interface RunExperimentOptions {
  mode: string;
  outDir: string;
  examplesDir?: string;
  resume?: boolean;
  /** move an earlier run's results aside (timestamped) and start over. */
  fresh?: boolean;
  executor?: 'auto' | 'inline' | 'pool';
  queue?: string;
  queueName?: string;
  threads?: number;
  /** run only the runs whose key (`group|label|configuration|x`) matches. */
  only?: RegExp;
  /** drop every run's rda-sim `sample` option: simulate whole. */
  exact?: boolean;
  onProgress?: (done: number, total: number, message: string, progress?: ExperimentProgress) => void;
}

/** Progress of an experiment, weighted by the runs' estimated work where the definition has it. */
export interface ExperimentProgress {
  done: number;
  total: number;
  failed: number;
  resumed: number;
  elapsedMs: number;
  /** share of the estimated work finished (0..1; run counts when runs carry no estimate). */
  workDone: number;
  etaMs?: number;
}

/** Expected cost of a run: its expected CPU seconds, else its simulated tokens (undefined: no estimate). */
export function expectedCost(r: ExperimentRun): number | undefined {
  return r.estimate ? r.estimate.cpuSeconds ?? r.estimate.simulatedTokens ?? r.estimate.tokens : undefined;
}

/**
 * ETA from the work finished in this process: elapsed x remaining / finished work. Runs of a
 * medium sweep differ by 100x in cost, so a mean-per-run ETA would be off by as much; the
 * expected CPU seconds (fixed cost + tokens to simulate) weigh each run (runs without an estimate
 * weigh the mean).
 */
export function progressOf(runs: ExperimentRun[], finished: Set<string>, resumedKeys: Set<string>, elapsedMs: number): Pick<ExperimentProgress, 'workDone' | 'etaMs'> {
  const cost = expectedCost;
  const known = runs.map(cost).filter((c): c is number => c !== undefined);
  const mean = known.length ? known.reduce((a, b) => a + b, 0) / known.length : 1;
  const w = (r: ExperimentRun) => cost(r) ?? mean;
  const total = runs.reduce((a, r) => a + w(r), 0);
  let done = 0;
  let ranHere = 0;
  for (const r of runs) {
    const k = runKey(r);
    if (!finished.has(k)) continue;
    done += w(r);
    if (!resumedKeys.has(k)) ranHere += w(r);
  }
  const remaining = total - done;
  return { workDone: total > 0 ? done / total : 1, ...(ranHere > 0 ? { etaMs: Math.round((elapsedMs * remaining) / ranHere) } : {}) };
}

/** A text progress bar: `[#####.....] 50%`. */
export function progressBar(fraction: number, width = 24): string {
  const f = Math.min(1, Math.max(0, fraction));
  const n = Math.round(f * width);
  return `[${'#'.repeat(n)}${'.'.repeat(width - n)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
};

/** The runs of a mode, after the `only` filter and the `exact` switch. */
export function experimentRuns(def: ExperimentDefinition, o: Pick<RunExperimentOptions, 'mode' | 'only' | 'exact'>): ExperimentRun[] {
  const all = def.modes[o.mode];
  if (!all) throw new FuseFlowError('FF_OPTIONS_INVALID', `experiment ${def.id} has no mode "${o.mode}" (modes: ${Object.keys(def.modes).join(', ')})`);
  const runs = o.only ? all.filter((r) => o.only!.test(runKey(r))) : all;
  if (!runs.length) throw new FuseFlowError('FF_OPTIONS_INVALID', `--only ${o.only}: no run of ${def.id} --mode ${o.mode} matches (keys look like "${runKey(all[0])}")`);
  if (!o.exact) return runs;
  return runs.map((r) => {
    const backend = (r.overrides?.backend as { options?: Record<string, unknown> } | undefined)?.options;
    if (!backend || !('sample' in backend)) return r;
    const { sample: _dropped, ...rest } = backend;
    return { ...r, overrides: { ...r.overrides, backend: { ...(r.overrides!.backend as object), options: rest } } };
  });
}

/** Run every pipeline of an experiment mode on an executor; results stream to outDir (resumable). */
export async function runExperiment(def: ExperimentDefinition, o: RunExperimentOptions): Promise<ExperimentRowResult[]> {
  const runs = experimentRuns(def, o);
  const examplesDir = findExamplesDir(o.examplesDir);
  // Most expensive first (by estimate): on a pool of workers the longest-job-first order leaves no
  // long run alone at the end (cheapest first left fig12 medium's SAE NIH run alone on one core
  // for its last 33 minutes). An interrupted sweep resumes; results keep the definition's order.
  const jobs = runs
    .map((r, index) => ({ key: runKey(r), index, payload: runPayload(r, examplesDir, o.outDir), cost: expectedCost(r) ?? 0 }))
    .sort((a, b) => b.cost - a.cost || a.index - b.index)
    .map(({ cost: _c, ...j }) => j);
  const executor = pickExecutor(o);
  const start = Date.now();
  const finished = new Set<string>();
  let resumedKeys: Set<string> | undefined;
  try {
    const out = await runJobs<PipelineJobPayload, PipelineJobResult>(jobs, {
      executor,
      handler: pipelineJob,
      outDir: o.outDir,
      resume: o.resume,
      fresh: o.fresh,
      onProgress: (p) => {
        if (p.last) finished.add(p.last.key);
        // The first report (before any job ran) counts the runs an earlier, interrupted sweep finished.
        if (!resumedKeys) {
          resumedKeys = new Set(p.resumed ? readJournalKeys(o.outDir) : []);
          for (const k of resumedKeys) finished.add(k);
        }
        const elapsedMs = Date.now() - start;
        const w = progressOf(runs, finished, resumedKeys, elapsedMs);
        const eta = w.etaMs !== undefined ? `, ETA ${clock(w.etaMs)}` : '';
        const resumed = p.resumed ? ` (${p.resumed} resumed)` : '';
        const last = p.last ? `; last: ${p.last.key}${p.last.ok ? '' : ' FAILED'}` : '';
        o.onProgress?.(
          p.done,
          p.total,
          `${def.id} ${progressBar(w.workDone)} ${p.done}/${p.total} runs${resumed}, ${p.failed} failed, ${clock(elapsedMs)}${eta}${last}`,
          { done: p.done, total: p.total, failed: p.failed, resumed: p.resumed, elapsedMs, ...w },
        );
      },
    });
    return (out.records as JobRecord<PipelineJobResult>[]).map((rec) => {
      const run = runs[rec.index];
      const res = rec.result;
      const first = res?.runs[0];
      return {
        ...run,
        key: rec.key,
        ok: rec.ok,
        ...(first ? { metrics: first.metrics, valuesChecked: first.valuesChecked, ...(first.sampling ? { sampling: first.sampling } : {}) } : {}),
        ...(res?.cpuSeconds !== undefined ? { cpuSeconds: res.cpuSeconds, wallSeconds: res.wallSeconds } : {}),
        ...(rec.error ? { error: rec.error } : {}),
      };
    });
  } finally {
    await executor.close();
  }
}

/** Keys of the jobs recorded in a sweep's journal (those a resumed run will not repeat). */
function readJournalKeys(dir: string): string[] {
  const file = path.join(dir, 'journal.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        const k = (JSON.parse(l) as { record?: { key?: string } }).record?.key;
        return k ? [k] : [];
      } catch {
        return [];
      }
    });
}

function pickExecutor(o: RunExperimentOptions): Executor {
  if (o.queue) return new RedisQueueExecutor({ url: o.queue, queue: o.queueName ?? 'fuseflow' });
  const built = __filename.endsWith('.js');
  if (o.executor === 'pool' && !built) throw new FuseFlowError('FF_OPTIONS_INVALID', 'the worker pool needs the built packages (run `npm run build`)');
  if (o.executor === 'pool' || ((o.executor ?? 'auto') === 'auto' && built)) return new LocalPoolExecutor({ threads: o.threads });
  return new InlineExecutor();
}
