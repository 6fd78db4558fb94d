import * as os from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { handlerModule } from './load-handler';
import type { Executor, Job, JobHandlerRef, JobRecord, JobTiming } from './types';

type PiscinaLike = {
  run(task: unknown): Promise<{ ok: boolean; result?: unknown; error?: { code?: string; message: string }; ms: number }>;
  destroy(): Promise<void>;
};

/** Runs jobs on a local worker-thread pool (piscina), one thread per core by default. */
export class LocalPoolExecutor implements Executor {
  readonly name = 'local-pool';
  private pool?: PiscinaLike;
  readonly threads: number;

  constructor(options: { threads?: number } = {}) {
    this.threads = Math.max(1, options.threads ?? os.availableParallelism?.() ?? os.cpus().length);
  }

  async execute<P, R>(jobs: Job<P>[], handler: JobHandlerRef, onDone: (rec: JobRecord<R>, t: JobTiming) => void): Promise<void> {
    if (!this.pool) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { Piscina } = require('piscina') as { Piscina: new (o: Record<string, unknown>) => PiscinaLike };
      this.pool = new Piscina({
        filename: path.join(__dirname, '..', 'worker', 'pool-worker.js'),
        minThreads: this.threads,
        maxThreads: this.threads,
      });
    }
    const pool = this.pool;
    // Functions do not cross to worker threads: send the module to load, nothing else.
    const ref = handlerModule(handler);
    await Promise.all(
      jobs.map(async (job) => {
        const out = await pool.run({ handler: ref, payload: job.payload, key: job.key, index: job.index });
        const rec: JobRecord<R> = out.ok
          ? { key: job.key, index: job.index, ok: true, result: out.result as R }
          : { key: job.key, index: job.index, ok: false, error: out.error };
        onDone(rec, { key: job.key, ms: out.ms, worker: `thread-pool@${threadId}`, finishedAt: new Date().toISOString() });
      }),
    );
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
    this.pool = undefined;
  }
}
