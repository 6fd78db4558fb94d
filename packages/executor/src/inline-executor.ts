import { describeError, loadHandler } from './load-handler';
import { jobInfo } from './job-info';
import type { Executor, Job, JobHandlerRef, JobRecord, JobTiming } from './types';

/** Runs jobs one after another in this process (small sweeps, tests, debugging). */
export class InlineExecutor implements Executor {
  readonly name = 'inline';

  async execute<P, R>(jobs: Job<P>[], handler: JobHandlerRef, onDone: (rec: JobRecord<R>, t: JobTiming) => void): Promise<void> {
    const fn = loadHandler(handler);
    for (const job of jobs) {
      const start = Date.now();
      let rec: JobRecord<R>;
      try {
        const result = (await fn(job.payload, jobInfo(job.key, job.index, 1))) as R;
        rec = { key: job.key, index: job.index, ok: true, result };
      } catch (err) {
        rec = { key: job.key, index: job.index, ok: false, error: describeError(err) };
      }
      onDone(rec, { key: job.key, ms: Date.now() - start, worker: 'inline', finishedAt: new Date().toISOString() });
    }
  }

  async close(): Promise<void> {}
}
