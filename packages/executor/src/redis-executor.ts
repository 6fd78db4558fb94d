import * as os from 'node:os';
import { describeError, loadHandler } from './load-handler';
import type { Executor, Job, JobHandlerRef, JobRecord, JobTiming } from './types';

/** Parse `redis://[user:pass@]host:port[/db]` into ioredis connection options. */
export function parseRedisUrl(url: string): { host: string; port: number; db?: number; username?: string; password?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid queue URL "${url}": expected redis://host:port`);
  }
  if (u.protocol !== 'redis:') throw new Error(`invalid queue URL "${url}": expected the redis:// scheme`);
  const port = u.port ? Number(u.port) : 6379;
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : undefined;
  if (!Number.isInteger(port) || port <= 0 || (db !== undefined && !Number.isInteger(db))) {
    throw new Error(`invalid queue URL "${url}": bad port or database number`);
  }
  return {
    host: u.hostname || '127.0.0.1',
    port,
    ...(db !== undefined ? { db } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
  };
}

/** What a queued job carries: the handler reference travels with the job, so workers are generic. */
export interface QueuedJobData {
  handler: JobHandlerRef;
  payload: unknown;
  key: string;
  index: number;
}

export interface QueuedJobResult {
  ok: boolean;
  result?: unknown;
  error?: { code?: string; message: string };
  ms: number;
  worker: string;
}

export interface RedisExecutorOptions {
  url: string;
  /** queue name; one sweep per queue name at a time. */
  queue?: string;
  /** attempts per job when workers die or throw infrastructure errors. */
  attempts?: number;
}

/**
 * Puts jobs on a BullMQ queue in Redis; any number of `fuseflow worker` processes run them.
 * Job id = job key, so re-submitting a sweep never enqueues a job twice, and a job whose worker
 * died is moved back to the queue by BullMQ's stalled-job check and finished elsewhere.
 */
export class RedisQueueExecutor implements Executor {
  readonly name = 'redis-queue';
  private readonly connection: ReturnType<typeof parseRedisUrl>;
  readonly queueName: string;
  private readonly attempts: number;
  private closers: Array<() => Promise<void>> = [];

  constructor(options: RedisExecutorOptions) {
    this.connection = parseRedisUrl(options.url);
    this.queueName = options.queue ?? 'fuseflow';
    this.attempts = options.attempts ?? 3;
  }

  async execute<P, R>(jobs: Job<P>[], handler: JobHandlerRef, onDone: (rec: JobRecord<R>, t: JobTiming) => void): Promise<void> {
    if (jobs.length === 0) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Queue, QueueEvents } = require('bullmq') as typeof import('bullmq');
    const queue = new Queue(this.queueName, { connection: this.connection });
    const events = new QueueEvents(this.queueName, { connection: this.connection });
    this.closers.push(() => events.close(), () => queue.close());
    await events.waitUntilReady();

    const pending = new Map(jobs.map((j) => [j.key, j]));
    let resolveAll!: () => void;
    let rejectAll!: (e: unknown) => void;
    const finished = new Promise<void>((resolve, reject) => {
      resolveAll = resolve;
      rejectAll = reject;
    });
    // Settle a job from its state in Redis (events only say "look at this job").
    const settle = async (jobId: string) => {
      const job = pending.get(jobId);
      if (!job) return; // another sweep's job, or already recorded
      // State first, then the job: a job fetched before it completes carries no return value yet.
      const state = await queue.getJobState(jobId);
      const bull = await queue.getJob(jobId);
      if (!bull) return;
      let rec: JobRecord<R>;
      let timing: JobTiming;
      if (state === 'completed') {
        const out = bull.returnvalue as QueuedJobResult | null;
        if (!out) return; // the 'completed' event for this job follows

        rec = out.ok
          ? { key: job.key, index: job.index, ok: true, result: out.result as R }
          : { key: job.key, index: job.index, ok: false, error: out.error };
        timing = { key: job.key, ms: out.ms, worker: out.worker, finishedAt: new Date(bull.finishedOn ?? Date.now()).toISOString() };
      } else if (state === 'failed' && bull.attemptsMade >= (bull.opts.attempts ?? 1)) {
        rec = { key: job.key, index: job.index, ok: false, error: { code: 'FF_JOB_FAILED', message: bull.failedReason ?? 'job failed' } };
        timing = { key: job.key, ms: 0, worker: 'unknown', finishedAt: new Date().toISOString() };
      } else {
        return; // not finished yet, or will be retried
      }
      if (!pending.delete(jobId)) return;
      onDone(rec, timing);
      if (pending.size === 0) resolveAll();
    };
    const onEvent = ({ jobId }: { jobId: string }) => {
      settle(jobId).catch(rejectAll);
    };
    events.on('completed', onEvent);
    events.on('failed', onEvent);

    await queue.addBulk(
      jobs.map((j) => ({
        name: 'pipeline',
        data: { handler, payload: j.payload, key: j.key, index: j.index } satisfies QueuedJobData,
        opts: { jobId: j.key, attempts: this.attempts, removeOnComplete: false, removeOnFail: false },
      })),
    );
    // Jobs that finished before this submitter (re)started produce no new events: collect them now.
    for (const j of jobs) await settle(j.key);
    await finished;
  }

  async close(): Promise<void> {
    const closers = this.closers;
    this.closers = [];
    for (const c of closers) await c();
  }
}

/** A worker process's loop: takes jobs from the queue and runs their handlers until stopped. */
export async function startQueueWorker(options: {
  url: string;
  queue?: string;
  concurrency?: number;
  /** lock duration in ms: a worker silent for this long is considered dead and its job retried. */
  lockDurationMs?: number;
  name?: string;
}): Promise<{ close(): Promise<void>; name: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require('bullmq') as typeof import('bullmq');
  const name = options.name ?? `${os.hostname()}:${process.pid}`;
  const lockDuration = options.lockDurationMs ?? 30_000;
  const worker = new Worker<QueuedJobData, QueuedJobResult>(
    options.queue ?? 'fuseflow',
    async (job) => {
      const start = Date.now();
      const data = job.data;
      try {
        const fn = loadHandler(data.handler);
        const result = await fn(data.payload, { key: data.key, index: data.index, attempt: job.attemptsMade + 1 });
        return { ok: true, result, ms: Date.now() - start, worker: name };
      } catch (err) {
        // A handler error is a result (the candidate failed), not a reason to retry.
        return { ok: false, error: describeError(err), ms: Date.now() - start, worker: name };
      }
    },
    {
      connection: parseRedisUrl(options.url),
      concurrency: options.concurrency ?? 1,
      lockDuration,
      stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
      maxStalledCount: 5,
    },
  );
  await worker.waitUntilReady();
  return { name, close: () => worker.close() };
}
