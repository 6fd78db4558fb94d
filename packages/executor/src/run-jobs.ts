import { FuseFlowError } from '@fuseflow/kernel';
import { ResultStore } from './result-store';
import type { Executor, Job, JobHandlerRef, JobRecord, ProgressInfo } from './types';

export interface RunJobsOptions<R> {
  executor: Executor;
  handler: JobHandlerRef;
  /** directory of the sweep's results files. */
  outDir: string;
  /** keep the finished jobs of an earlier run of this sweep and run only the rest. */
  resume?: boolean;
  /** move the results of an earlier run aside (timestamped names) and start over; without it or resume, earlier results refuse (FF_RESULTS_EXIST). */
  fresh?: boolean;
  onProgress?: (p: ProgressInfo) => void;
  /** columns of results.csv (default: every field seen). */
  csvColumns?: string[];
  /** extra fields merged into each record before it is stored (e.g. derived metrics). */
  decorate?: (rec: JobRecord<R>) => JobRecord<R>;
}

export interface RunJobsResult<R> {
  records: JobRecord<R>[];
  ran: number;
  resumed: number;
  failed: number;
  files: { jsonl: string; csv: string; journal: string };
}

/**
 * Run a sweep: skip jobs already finished (resume), dispatch the rest to the executor, record
 * each result as it arrives (a duplicate completion of a key is ignored), and write the canonical
 * results files at the end. Duplicate keys in `jobs` are an error.
 */
export async function runJobs<P, R>(jobs: Job<P>[], options: RunJobsOptions<R>): Promise<RunJobsResult<R>> {
  const seen = new Set<string>();
  for (const j of jobs) {
    if (seen.has(j.key)) throw new Error(`duplicate job key "${j.key}" (index ${j.index}): keys must identify jobs uniquely`);
    seen.add(j.key);
  }
  const store = new ResultStore<R>(options.outDir);
  if (options.resume && options.fresh) throw new FuseFlowError('FF_OPTIONS_INVALID', 'give --resume (continue the earlier sweep) or --fresh (move its results aside), not both');
  if (options.resume) store.load();
  else if (options.fresh) store.moveAside();
  else store.reset();
  // A resumed journal may hold keys from an older, different sweep definition: ignore those.
  const resumed = jobs.filter((j) => store.has(j.key)).length;
  const todo = jobs.filter((j) => !store.has(j.key));
  const start = Date.now();
  let done = resumed;
  let failed = jobs.filter((j) => store.get(j.key)?.ok === false).length;
  let ran = 0;
  const report = (last?: JobRecord) => {
    const elapsedMs = Date.now() - start;
    const rate = ran > 0 ? elapsedMs / ran : undefined;
    options.onProgress?.({
      done, total: jobs.length, failed, resumed, elapsedMs,
      etaMs: rate !== undefined ? Math.round(rate * (jobs.length - done)) : undefined,
      last,
    });
  };
  report();
  await options.executor.execute<P, R>(todo, options.handler, (rec, timing) => {
    const stored = options.decorate ? options.decorate(rec) : rec;
    if (!seen.has(rec.key) || !store.append(stored, timing)) return;
    done++;
    ran++;
    if (!rec.ok) failed++;
    report(stored);
  });
  const wanted = new Set(jobs.map((j) => j.key));
  const records = store.all().filter((r) => wanted.has(r.key));
  const missing = jobs.filter((j) => !store.has(j.key));
  if (missing.length) throw new Error(`executor ${options.executor.name} finished without results for ${missing.length} job(s), e.g. ${missing[0].key}`);
  const files = store.finalize(options.csvColumns, wanted);
  return { records, ran, resumed, failed, files: { ...files, journal: store.journalPath } };
}
