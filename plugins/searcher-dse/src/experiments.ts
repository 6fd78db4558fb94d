import * as fs from 'node:fs';
import * as path from 'node:path';
import { deepMerge, FuseFlowError, type Manifest } from '@fuseflow/kernel';
import { InlineExecutor, LocalPoolExecutor, RedisQueueExecutor, runJobs, type Executor, type JobRecord } from '@fuseflow/executor';
import type { PipelineJobPayload, PipelineJobResult } from './job-handler';

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
  executor?: 'auto' | 'inline' | 'pool';
  queue?: string;
  queueName?: string;
  threads?: number;
  onProgress?: (done: number, total: number, message: string) => void;
}

/** Run every pipeline of an experiment mode on an executor; results stream to outDir (resumable). */
export async function runExperiment(def: ExperimentDefinition, o: RunExperimentOptions): Promise<ExperimentRowResult[]> {
  const runs = def.modes[o.mode];
  if (!runs) throw new FuseFlowError('FF_OPTIONS_INVALID', `experiment ${def.id} has no mode "${o.mode}" (modes: ${Object.keys(def.modes).join(', ')})`);
  const examplesDir = findExamplesDir(o.examplesDir);
  const jobs = runs.map((r, index) => ({ key: runKey(r), index, payload: runPayload(r, examplesDir, o.outDir) }));
  const executor = pickExecutor(o);
  const start = Date.now();
  try {
    const out = await runJobs<PipelineJobPayload, PipelineJobResult>(jobs, {
      executor,
      handler: { module: require.resolve('./job-handler') },
      outDir: o.outDir,
      resume: o.resume,
      onProgress: (p) => {
        const eta = p.etaMs !== undefined ? `, ETA ${Math.round(p.etaMs / 1000)} s` : '';
        o.onProgress?.(p.done, p.total, `${def.id}: ${p.done}/${p.total} runs (${p.failed} failed), ${Math.round((Date.now() - start) / 1000)} s${eta}`);
      },
    });
    return (out.records as JobRecord<PipelineJobResult>[]).map((rec) => {
      const run = runs[rec.index];
      const first = rec.result?.runs[0];
      return { ...run, key: rec.key, ok: rec.ok, ...(first ? { metrics: first.metrics, valuesChecked: first.valuesChecked } : {}), ...(rec.error ? { error: rec.error } : {}) };
    });
  } finally {
    await executor.close();
  }
}

function pickExecutor(o: RunExperimentOptions): Executor {
  if (o.queue) return new RedisQueueExecutor({ url: o.queue, queue: o.queueName ?? 'fuseflow' });
  const built = __filename.endsWith('.js');
  if (o.executor === 'pool' && !built) throw new FuseFlowError('FF_OPTIONS_INVALID', 'the worker pool needs the built packages (run `npm run build`)');
  if (o.executor === 'pool' || ((o.executor ?? 'auto') === 'auto' && built)) return new LocalPoolExecutor({ threads: o.threads });
  return new InlineExecutor();
}
