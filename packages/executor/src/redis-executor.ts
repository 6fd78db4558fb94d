import * as os from 'node:os';
import * as path from 'node:path';
import { FuseFlowError, isFuseFlowError } from '@fuseflow/kernel';
import { admitJob, jobId } from './job-kinds';
import type { Executor, Job, JobHandlerRef, JobRecord, JobTiming } from './types';

export interface RedisConnection {
  host: string;
  port: number;
  db?: number;
  username?: string;
  password?: string;
  /** set for rediss:// (TLS); the server name is the URL's host. */
  tls?: { servername: string };
}

/** Parse `redis[s]://[user:pass@]host:port[/db]` into ioredis connection options. */
export function parseRedisUrl(url: string): RedisConnection {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new FuseFlowError('FF_OPTIONS_INVALID', `invalid queue URL "${url}": expected redis://host:port`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new FuseFlowError('FF_OPTIONS_INVALID', `invalid queue URL "${redactUrl(url)}": expected the redis:// or rediss:// (TLS) scheme`);
  const port = u.port ? Number(u.port) : 6379;
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : undefined;
  if (!Number.isInteger(port) || port <= 0 || (db !== undefined && !Number.isInteger(db))) {
    throw new FuseFlowError('FF_OPTIONS_INVALID', `invalid queue URL "${redactUrl(url)}": bad port or database number`);
  }
  const host = u.hostname || '127.0.0.1';
  return {
    host,
    port,
    ...(db !== undefined ? { db } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: { servername: host } } : {}),
  };
}

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/[^:/@]*:)[^@]*@/, '$1***@');
}

function describeConnection(c: RedisConnection): string {
  return `${c.tls ? 'rediss' : 'redis'}://${c.host}:${c.port}${c.db !== undefined ? `/${c.db}` : ''}`;
}

/**
 * ioredis options for BullMQ: reconnect quickly and for as long as we run (a Redis restart must not
 * end a sweep), but not once closing: otherwise close() with Redis gone keeps the process alive.
 */
function bullConnection(c: RedisConnection, state: { closing: boolean }): Record<string, unknown> {
  return { ...c, retryStrategy: (times: number) => (state.closing ? null : Math.min(200 * times, 2000)) };
}

/** Reject with `what` named once `ms` pass: every wait in this module is bounded. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer!: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Connect, authenticate and PING once, failing with FF_QUEUE_UNAVAILABLE within `timeoutMs`
 * (BullMQ itself retries a missing server forever, which looks like a hang).
 */
export async function probeRedis(conn: RedisConnection, timeoutMs: number, role: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('ioredis') as { default?: new (o: object) => IORedisLike } & (new (o: object) => IORedisLike);
  const Redis = mod.default ?? mod;
  const client = new Redis({ ...conn, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  let lastError: unknown;
  client.on('error', (e: unknown) => {
    lastError = e;
  });
  try {
    await withTimeout(
      client.connect().then(() => client.ping()),
      timeoutMs,
      `Redis at ${describeConnection(conn)}`,
    );
  } catch (e) {
    // ioredis rejects connect() with "Connection is closed."; the reason (refused, WRONGPASS) came as an event.
    const why = lastError instanceof Error ? lastError.message : (e as Error).message;
    const auth = /NOAUTH|WRONGPASS|invalid password|AUTH/i.test(why) ? ' (check the password in the URL: redis://:PASSWORD@host:port)' : '';
    throw new FuseFlowError('FF_QUEUE_UNAVAILABLE', `${role}: cannot use the Redis queue at ${describeConnection(conn)} within ${timeoutMs / 1000} s: ${why}${auth}`, {
      suggestion: 'start redis-server there, check host, port, password and TLS (rediss://), or raise the timeout (--queue-timeout-ms / timeoutMs)',
    });
  } finally {
    client.disconnect();
  }
}

interface IORedisLike {
  connect(): Promise<void>;
  ping(): Promise<string>;
  disconnect(): void;
  on(ev: string, fn: (e: unknown) => void): void;
}

/**
 * What a queued job carries: a registered job kind's id and its payload, nothing executable.
 * `key` and `index` are the submitting sweep's names for it (logs, handler info only).
 */
export interface QueuedJobData {
  kind: string;
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
  /** queue name. Sweeps may share a queue: job ids are content addresses. */
  queue?: string;
  /** attempts per job when workers die or a handler thread crashes (default 3). */
  attempts?: number;
  /** Redis unreachable this long (at start or mid-sweep) fails the sweep with FF_QUEUE_UNAVAILABLE (default 10 s). */
  timeoutMs?: number;
  /** how often the submitter re-reads the state of unfinished jobs (events can be lost across reconnects). */
  pollMs?: number;
  /** no worker connected to the queue for this long while jobs wait: FF_QUEUE_NO_WORKERS (default 120 s; 0 waits forever). */
  noWorkerTimeoutMs?: number;
}

/** `FF_CODE: message` as stored in a failed job's reason → its parts. */
function reasonToError(reason: string | undefined): { code: string; message: string } {
  const m = /^(FF_[A-Z0-9_]+): ([\s\S]*)$/.exec(reason ?? '');
  return m ? { code: m[1], message: m[2] } : { code: 'FF_JOB_FAILED', message: reason || 'job failed' };
}

/**
 * Puts jobs on a BullMQ queue in Redis; any number of `fuseflow worker` processes run them.
 * A job's id is the sha256 of what it computes (see jobId): re-submitting never enqueues a job
 * twice, an identical job's stored result is reused, and a changed job is a new job. The
 * submitter reconciles with Redis every pollMs, so it ends even when events are lost, re-adds jobs
 * a restarted Redis forgot, and gives up with FF_QUEUE_UNAVAILABLE after timeoutMs without Redis.
 */
export class RedisQueueExecutor implements Executor {
  readonly name = 'redis-queue';
  private readonly connection: RedisConnection;
  readonly queueName: string;
  private readonly attempts: number;
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly noWorkerTimeoutMs: number;
  private closers: Array<() => Promise<void>> = [];

  constructor(options: RedisExecutorOptions) {
    this.connection = parseRedisUrl(options.url);
    this.queueName = options.queue ?? 'fuseflow';
    this.attempts = options.attempts ?? 3;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.pollMs = options.pollMs ?? 1000;
    this.noWorkerTimeoutMs = options.noWorkerTimeoutMs ?? 120_000;
  }

  async execute<P, R>(jobs: Job<P>[], handler: JobHandlerRef, onDone: (rec: JobRecord<R>, t: JobTiming) => void): Promise<void> {
    if (jobs.length === 0) return;
    const kind = handler.kind;
    if (!kind) {
      throw new FuseFlowError('FF_OPTIONS_INVALID', `the Redis queue carries job kinds, not modules: handler ${handler.module ?? '?'} has no registered "kind" (declare it in the plugin's package.json fuseflow.jobs)`);
    }
    await probeRedis(this.connection, this.timeoutMs, 'sweep submitter');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Queue, QueueEvents } = require('bullmq') as typeof import('bullmq');
    const state = { closing: false };
    const connection = bullConnection(this.connection, state);
    const queue = new Queue(this.queueName, { connection });
    const events = new QueueEvents(this.queueName, { connection });
    let lastRedisError = '';
    const noteError = (e: Error) => {
      lastRedisError = e.message;
    };
    queue.on('error', noteError);
    events.on('error', noteError);
    // close() waits for Redis; with Redis gone it would wait (and reconnect) forever: cut it off.
    const shut = (c: { close(): Promise<void>; disconnect(): Promise<void> }, what: string) => () =>
      withTimeout(c.close(), 2000, what).catch(() => withTimeout(c.disconnect(), 1000, what).catch(() => undefined));
    this.closers.push(
      async () => {
        state.closing = true;
      },
      shut(events, 'the queue event stream to close'),
      shut(queue, 'the queue connection to close'),
    );

    // Identical jobs (same content address) run once and answer every sweep key that asked.
    const byId = new Map<string, Job<P>[]>();
    for (const j of jobs) {
      const id = jobId(kind, j.payload, handler.fingerprint?.(j.payload));
      const list = byId.get(id);
      if (list) list.push(j);
      else byId.set(id, [j]);
    }
    const pending = new Set(byId.keys());
    const bullJob = (id: string) => {
      const j = byId.get(id)![0];
      return {
        name: kind,
        data: { kind, payload: j.payload, key: j.key, index: j.index } satisfies QueuedJobData,
        opts: { jobId: id, attempts: this.attempts, removeOnComplete: false, removeOnFail: false },
      };
    };

    let resolveAll!: () => void;
    let rejectAll!: (e: unknown) => void;
    const finished = new Promise<void>((resolve, reject) => {
      resolveAll = resolve;
      rejectAll = reject;
    });
    const record = (id: string, make: (j: Job<P>) => [JobRecord<R>, JobTiming]) => {
      if (!pending.delete(id)) return;
      for (const j of byId.get(id)!) onDone(...make(j));
      if (pending.size === 0) resolveAll();
    };
    // Settle a job from its state in Redis (events only say "look at this job").
    const settle = async (id: string, retryFailed = false): Promise<'missing' | undefined> => {
      if (!pending.has(id)) return undefined;
      // State first, then the job: a job fetched before it completes carries no return value yet.
      const state = await queue.getJobState(id);
      if (state === 'unknown') return 'missing';
      if (state !== 'completed' && state !== 'failed') return undefined;
      const bull = await queue.getJob(id);
      if (!bull) return 'missing';
      if (state === 'failed' && retryFailed) {
        // A failure stored by an earlier submission (workers died, thread crashed) is not a result
        // to reuse: this submission gets its own attempts.
        await bull.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        return undefined;
      }
      const finishedAt = new Date(bull.finishedOn ?? Date.now()).toISOString();
      if (state === 'completed') {
        const out = bull.returnvalue as QueuedJobResult | null;
        if (!out) return undefined; // the 'completed' event for this job follows
        record(id, (j) => [
          out.ok ? { key: j.key, index: j.index, ok: true, result: out.result as R } : { key: j.key, index: j.index, ok: false, error: out.error },
          { key: j.key, ms: out.ms, worker: out.worker, finishedAt },
        ]);
      } else {
        // BullMQ moves a job to 'failed' only for good: attempts used up, stalled too often, or refused.
        const error = reasonToError(bull.failedReason);
        const attempts = `after ${bull.attemptsMade} attempt(s)`;
        record(id, (j) => [
          { key: j.key, index: j.index, ok: false, error: { code: error.code, message: `job ${j.key} (queue id ${id.slice(0, 12)}) failed ${attempts}: ${error.message}` } },
          { key: j.key, ms: 0, worker: 'unknown', finishedAt },
        ]);
      }
      return undefined;
    };
    const onEvent = ({ jobId: id }: { jobId: string }) => {
      settle(id).catch(noteError);
    };
    events.on('completed', onEvent);
    events.on('failed', onEvent);

    const unavailable = (since: string) =>
      new FuseFlowError(
        'FF_QUEUE_UNAVAILABLE',
        `the Redis queue at ${describeConnection(this.connection)} (queue "${this.queueName}") was unreachable for more than ${this.timeoutMs / 1000} s ${since}; ${pending.size} job(s) unfinished, e.g. ${[...pending]
          .slice(0, 3)
          .map((id) => byId.get(id)![0].key)
          .join(', ')}${lastRedisError ? ` (last error: ${lastRedisError})` : ''}`,
        { suggestion: 'restart Redis (the sweep re-submits what it lost) and rerun with --resume to keep the finished jobs' },
      );
    let lastContact = Date.now();
    let noWorkerSince: number | undefined;
    // Jobs waiting with nobody to run them look like a hang: say so after noWorkerTimeoutMs.
    const checkWorkers = async () => {
      if (!this.noWorkerTimeoutMs || pending.size === 0) return;
      let count: number;
      try {
        count = await queue.getWorkersCount();
      } catch {
        return; // CLIENT LIST refused (some managed Redis): cannot tell, keep waiting
      }
      if (count > 0) noWorkerSince = undefined;
      else if ((noWorkerSince ??= Date.now()) + this.noWorkerTimeoutMs < Date.now()) {
        rejectAll(
          new FuseFlowError(
            'FF_QUEUE_NO_WORKERS',
            `no fuseflow worker took jobs from queue "${this.queueName}" at ${describeConnection(this.connection)} for ${this.noWorkerTimeoutMs / 1000} s; ${pending.size} job(s) waiting, e.g. ${byId.get([...pending][0])![0].key}`,
            { suggestion: `start workers: fuseflow worker --queue ${describeConnection(this.connection)} --name ${this.queueName} (then rerun with --resume)` },
          ),
        );
      }
    };
    // One reconciliation: settle what finished, re-add what Redis lost (e.g. restarted without persistence).
    const reconcile = async (first = false) => {
      const missing: string[] = [];
      for (const id of [...pending]) if ((await settle(id, first)) === 'missing') missing.push(id);
      if (missing.length) await queue.addBulk(missing.map(bullJob));
      lastContact = Date.now();
    };

    let stopped = false;
    const poll = async () => {
      while (!stopped && pending.size > 0) {
        await new Promise((r) => setTimeout(r, this.pollMs));
        if (stopped) return;
        try {
          await withTimeout(reconcile(), this.timeoutMs, `the state of ${pending.size} job(s) in Redis`);
          await withTimeout(checkWorkers(), this.timeoutMs, 'the list of connected workers');
        } catch (e) {
          lastRedisError = (e as Error).message;
          if (Date.now() - lastContact > this.timeoutMs) {
            rejectAll(unavailable('mid-sweep'));
            return;
          }
        }
      }
    };
    try {
      await withTimeout(events.waitUntilReady(), this.timeoutMs, 'the queue event stream').catch((e) => {
        throw isFuseFlowError(e) ? e : unavailable(`at start (${(e as Error).message})`);
      });
      // Jobs that finished earlier (an identical job, or this sweep before a restart) have their results already.
      await withTimeout(reconcile(true), this.timeoutMs, 'the first submission').catch((e) => {
        throw unavailable(`at start (${(e as Error).message})`);
      });
      void poll();
      await finished;
    } finally {
      stopped = true;
    }
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
  /** how many times a job may be found stalled (its worker died) before it fails for good. */
  maxStalledCount?: number;
  name?: string;
  /** Redis unreachable at start for this long: FF_QUEUE_UNAVAILABLE (default 10 s). */
  timeoutMs?: number;
  /** Redis errors while running (reconnects are automatic); default: one line on stderr per new message. */
  onError?: (e: Error) => void;
}): Promise<{ close(): Promise<void>; name: string }> {
  const name = options.name ?? `${os.hostname()}:${process.pid}`;
  const queueName = options.queue ?? 'fuseflow';
  const conn = parseRedisUrl(options.url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  await probeRedis(conn, timeoutMs, `worker ${name}`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker, UnrecoverableError } = require('bullmq') as typeof import('bullmq');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Piscina } = require('piscina') as { Piscina: new (o: Record<string, unknown>) => { run(t: unknown): Promise<Omit<QueuedJobResult, 'worker'>>; destroy(): Promise<void> } };
  const concurrency = options.concurrency ?? 1;
  // Handlers run on worker threads: this thread stays free to renew job locks however long a
  // simulation blocks, so a busy worker is never mistaken for a dead one.
  const pool = new Piscina({ filename: path.join(__dirname, '..', 'worker', 'pool-worker.js'), minThreads: 1, maxThreads: concurrency, idleTimeout: 60_000 });
  const lockDuration = options.lockDurationMs ?? 30_000;
  const state = { closing: false };
  const worker = new Worker<QueuedJobData, QueuedJobResult>(
    queueName,
    async (job) => {
      let admitted: ReturnType<typeof admitJob>;
      try {
        admitted = admitJob(job.data);
      } catch (e) {
        // Refused for good (no retry): recorded in Redis as failed with the code in its reason.
        throw new UnrecoverableError(`${isFuseFlowError(e) ? e.code : 'FF_JOB_REFUSED'}: ${(e as Error).message}`);
      }
      const { kind, payload } = admitted;
      // A rejection here is the thread dying (not the handler throwing): BullMQ retries it.
      const out = await pool.run({
        handler: { module: kind.module, exportName: kind.exportName ?? 'runJob' },
        payload,
        key: typeof job.data.key === 'string' ? job.data.key : job.id,
        index: typeof job.data.index === 'number' ? job.data.index : 0,
        attempt: job.attemptsMade + 1,
      });
      return { ...out, worker: name };
    },
    {
      connection: bullConnection(conn, state) as never,
      concurrency,
      lockDuration,
      stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
      maxStalledCount: options.maxStalledCount ?? 2,
    },
  );
  let lastMessage = '';
  worker.on('error', (e: Error) => {
    if (options.onError) return options.onError(e);
    if (e.message !== lastMessage) process.stderr.write(`worker ${name}: ${e.message}\n`);
    lastMessage = e.message;
  });
  try {
    await withTimeout(worker.waitUntilReady(), timeoutMs, `the queue "${queueName}" at ${describeConnection(conn)}`);
  } catch (e) {
    state.closing = true;
    await withTimeout(worker.close(true), 2000, 'the worker to close').catch(() => undefined);
    await pool.destroy();
    throw new FuseFlowError('FF_QUEUE_UNAVAILABLE', `worker ${name}: ${(e as Error).message}`);
  }
  return {
    name,
    close: async () => {
      state.closing = true;
      await withTimeout(worker.close(), 10_000, 'running jobs to finish').catch(() => withTimeout(worker.close(true), 2000, 'the worker to close').catch(() => undefined));
      await pool.destroy();
    },
  };
}
