import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileDigest, type JobHandlerRef, type JobInfo } from '@fuseflow/executor';
import { manifestBaseDir, type Manifest } from '@fuseflow/kernel/plugin-api';

/** A pipeline run as a sweep job: a whole manifest (object or file), run where the job lands. */
export interface PipelineJobPayload {
  /**
   * manifest object (relative paths resolve against baseDir) or a manifest file path. A run's
   * manifest.resolved.json fits as is: its recorded baseDir and plugin versions rebuild that session.
   */
  manifest: Manifest | string;
  baseDir?: string;
  outDir: string;
  seed?: number;
  /** run only these configurations of the manifest. */
  configurations?: string[];
}

/** rda-sim `details.sampling` (sampled simulation): the extrapolated estimate and its 95 % interval. */
export interface SamplingSummary {
  sampled: boolean;
  totalUnits?: number;
  sampledUnits?: number;
  estimate?: number;
  ci95?: [number, number];
}

export interface PipelineRunMetrics {
  configuration?: string;
  metrics: Record<string, number>;
  valuesChecked?: boolean;
  sampling?: SamplingSummary;
}

export interface PipelineJobResult {
  runs: PipelineRunMetrics[];
  /** CPU seconds of the thread that ran the job (all threads of the process when /proc is missing), and wall seconds. */
  cpuSeconds?: number;
  wallSeconds?: number;
}

/**
 * CPU seconds of the calling thread. Jobs run on worker threads, where process.cpuUsage() counts
 * every thread of the pool (Node 20 has no per-thread call); Linux exposes the thread's own
 * utime + stime in /proc/thread-self/stat (clock ticks, USER_HZ = 100 on Linux).
 */
export function threadCpuSeconds(): number {
  try {
    const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the parenthesised command name (which may contain spaces): utime, stime are 14, 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
}

function samplingOf(details: unknown): SamplingSummary | undefined {
  const s = (details as { sampling?: SamplingSummary } | undefined)?.sampling;
  if (!s || typeof s !== 'object') return undefined;
  const { sampled, totalUnits, sampledUnits, estimate, ci95 } = s;
  return { sampled: Boolean(sampled), ...(totalUnits !== undefined ? { totalUnits } : {}), ...(sampledUnits !== undefined ? { sampledUnits } : {}), ...(estimate !== undefined ? { estimate } : {}), ...(ci95 ? { ci95 } : {}) };
}

/**
 * Job handler for @fuseflow/executor: run the pipeline (a kernel session rebuilt from the payload's
 * manifest by the executor's runner) and keep only the numbers. A failed run throws (code and
 * message kept), which the sweep records as a failed candidate.
 */
export async function runJob(payload: PipelineJobPayload, info: Pick<JobInfo, 'runner'>): Promise<PipelineJobResult> {
  const cpu0 = threadCpuSeconds();
  const t0 = Date.now();
  const result = await info.runner.run(payload.manifest, {
    baseDir: payload.baseDir,
    outDir: payload.outDir,
    ...(payload.seed !== undefined ? { seed: payload.seed } : {}),
    ...(payload.configurations ? { configurations: payload.configurations } : {}),
  });
  const failed = result.error ?? result.runs.find((r) => r.error)?.error;
  if (!result.ok || failed) {
    const err = new Error(failed ? failed.message : 'pipeline failed') as Error & { code?: string };
    if (failed?.code) err.code = failed.code;
    throw err;
  }
  return {
    runs: result.runs.map((r) => ({
      ...(r.configuration ? { configuration: r.configuration } : {}),
      metrics: r.report?.metrics ?? {},
      ...(r.report?.valuesChecked !== undefined ? { valuesChecked: r.report.valuesChecked } : {}),
      ...(samplingOf(r.report?.details) ? { sampling: samplingOf(r.report?.details) } : {}),
    })),
    cpuSeconds: Math.round((threadCpuSeconds() - cpu0) * 100) / 100,
    wallSeconds: Math.round(Date.now() - t0) / 1000,
  };
}

/**
 * What a pipeline job reads besides its payload: the manifest file (when given by path) and every
 * file a manifest string names (inputs, weights), by content digest. Part of the job's content
 * address on the queue: editing an input file makes a new job instead of reusing a stale result.
 */
export function pipelineInputDigests(payload: unknown): Record<string, string> {
  const p = payload as PipelineJobPayload;
  const out: Record<string, string> = {};
  let manifest: unknown = p.manifest;
  let base = p.baseDir ?? process.cwd();
  if (typeof p.manifest === 'string') {
    const file = path.resolve(base, p.manifest);
    if (!fs.existsSync(file)) return out; // the worker reports the missing manifest
    out[p.manifest] = fileDigest(file);
    // as the kernel does: a manifest file's relative paths are relative to its own folder
    base = path.dirname(file);
    try {
      manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      return out;
    }
  }
  if (manifest && typeof manifest === 'object') base = manifestBaseDir(manifest, base);
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      if (v.length > 1024 || v.includes('\n') || out[v]) return;
      const file = path.resolve(base, v);
      if (fs.statSync(file, { throwIfNoEntry: false })?.isFile()) out[v] = fileDigest(file);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  // `source` (where a resolved manifest came from) is not read by the run
  if (manifest && typeof manifest === 'object' && !Array.isArray(manifest)) {
    for (const [k, v] of Object.entries(manifest)) if (k !== 'source') walk(v);
  } else walk(manifest);
  return out;
}

/**
 * The pipeline job kind (package.json `fuseflow.jobs` registers "dse.pipeline" for queue workers,
 * with the payload schema). Local executors load this module; the queue carries only the kind.
 */
export const pipelineJob: JobHandlerRef = { kind: 'dse.pipeline', module: __filename, fingerprint: pipelineInputDigests };
