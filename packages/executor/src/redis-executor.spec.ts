import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Queue } from 'bullmq';
import { InlineExecutor } from './inline-executor';
import { jobId } from './job-kinds';
import { parseRedisUrl, redactUrl, RedisQueueExecutor, startQueueWorker } from './redis-executor';
import { runJobs } from './run-jobs';
import { freePort, haveRedisServer, startRedis, type TestRedis } from './__fixtures__/redis';
import { registerSquareKind, SQUARE_KIND } from './__fixtures__/square-kind';
import { sweepJobs } from './__fixtures__/sweep-jobs';
import type { Job } from './types';

registerSquareKind();
const handler = { kind: SQUARE_KIND, module: require.resolve('./__fixtures__/square-job.js') };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ff-queue-'));
const childEnv = { ...process.env, TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: 'commonjs', moduleResolution: 'node' }) };
const readJournal = (dir: string) =>
  fs.readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { record: { key: string; ok: boolean }; timing: { worker: string } });
const traceCounts = (file: string) => {
  const counts = new Map<number, number>();
  for (const l of fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []) counts.set(Number(l), (counts.get(Number(l)) ?? 0) + 1);
  return counts;
};
const sumSq = (x: number) => (x * (x + 1) * (2 * x + 1)) / 6;

describe('parseRedisUrl', () => {
  it('parses host, port, database, password and TLS', () => {
    expect(parseRedisUrl('redis://10.0.0.5:6380/2')).toEqual({ host: '10.0.0.5', port: 6380, db: 2 });
    expect(parseRedisUrl('redis://localhost')).toEqual({ host: 'localhost', port: 6379 });
    expect(parseRedisUrl('redis://:s%40cret@h:1')).toEqual({ host: 'h', port: 1, password: 's@cret' });
    expect(parseRedisUrl('rediss://u:p@q.example:6390')).toEqual({ host: 'q.example', port: 6390, username: 'u', password: 'p', tls: { servername: 'q.example' } });
    expect(redactUrl('redis://:hunter2@h:1')).toBe('redis://:***@h:1');
  });
  it('rejects other schemes and garbage with FF_OPTIONS_INVALID', () => {
    expect(() => parseRedisUrl('http://x:1')).toThrow(expect.objectContaining({ code: 'FF_OPTIONS_INVALID', message: expect.stringContaining('redis:// or rediss://') }));
    expect(() => parseRedisUrl('not a url')).toThrow('expected redis://host:port');
  });
});

describe('content-addressed job ids', () => {
  it('depend on kind, payload and input digests, never on the sweep key', () => {
    const a = jobId('k', { x: 1 });
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(jobId('k', { x: 1 })).toBe(a);
    expect(jobId('k', { x: 2 })).not.toBe(a);
    expect(jobId('k2', { x: 1 })).not.toBe(a);
    expect(jobId('k', { x: 1 }, { 'a.mtx': 'd1' })).not.toBe(jobId('k', { x: 1 }, { 'a.mtx': 'd2' }));
  });
});

const available = haveRedisServer();
if (!available && process.env.CI) throw new Error('redis-server is required in CI (.ci/run installs Debian redis-server)');
const describeRedis = available ? describe : describe.skip;

describe('unreachable Redis', () => {
  it('submitter and worker fail with FF_QUEUE_UNAVAILABLE within the timeout', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const t0 = Date.now();
    const exec = new RedisQueueExecutor({ url, timeoutMs: 1500 });
    await expect(runJobs(sweepJobs(0).slice(0, 2), { executor: exec, handler, outDir: tmp() })).rejects.toMatchObject({
      code: 'FF_QUEUE_UNAVAILABLE',
      message: expect.stringContaining(url),
    });
    await exec.close();
    await expect(startQueueWorker({ url, timeoutMs: 1500, name: 'w' })).rejects.toMatchObject({ code: 'FF_QUEUE_UNAVAILABLE' });
    expect(Date.now() - t0).toBeLessThan(8000);
  }, 20_000);

  it('the queue refuses module handlers: it carries job kinds only', async () => {
    const exec = new RedisQueueExecutor({ url: 'redis://127.0.0.1:1' });
    await expect(exec.execute(sweepJobs(0).slice(0, 1), { module: 'child_process', exportName: 'execSync' }, () => undefined)).rejects.toMatchObject({ code: 'FF_OPTIONS_INVALID' });
  });
});

describeRedis('RedisQueueExecutor with worker processes', () => {
  let redis: TestRedis;
  const workers: ChildProcess[] = [];

  const startWorker = (url: string, queue: string, name: string, lockMs = 1500) =>
    new Promise<ChildProcess>((resolve, reject) => {
      const child = spawn('node', ['-r', 'ts-node/register/transpile-only', path.join(__dirname, '__fixtures__/queue-worker.ts'), url, queue, name, String(lockMs)], { env: childEnv });
      workers.push(child);
      let err = '';
      const timer = setTimeout(() => reject(new Error(`worker ${name} was not ready within 30 s: ${err}`)), 30_000);
      child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      child.stdout!.on('data', (b: Buffer) => {
        if (b.toString().includes('ready')) {
          clearTimeout(timer);
          resolve(child);
        }
      });
      child.on('exit', (code) => code && reject(new Error(`worker ${name} exited with ${code}: ${err}`)));
    });

  beforeAll(async () => {
    redis = await startRedis();
  }, 20_000);
  afterEach(() => {
    for (const w of workers.splice(0)) w.kill('SIGKILL');
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('2 workers, one killed with SIGKILL mid-job: every job recorded exactly once, same results as a local run', async () => {
    const queue = `kill-${Date.now()}`;
    const [w1] = await Promise.all([startWorker(redis.url, queue, 'w1'), startWorker(redis.url, queue, 'w2')]);
    const local = await runJobs(sweepJobs(150), { executor: new InlineExecutor(), handler, outDir: tmp() });
    const exec = new RedisQueueExecutor({ url: redis.url, queue, pollMs: 300 });
    const dir = tmp();
    let killed = false;
    try {
      const out = await runJobs(sweepJobs(150), {
        executor: exec,
        handler,
        outDir: dir,
        onProgress: (p) => {
          if (!killed && p.done >= 3) {
            killed = true;
            w1.kill('SIGKILL');
          }
        },
      });
      expect(killed).toBe(true);
      expect(out.records).toHaveLength(16);
      expect(fs.readFileSync(out.files.jsonl, 'utf8')).toBe(fs.readFileSync(local.files.jsonl, 'utf8'));
      const journal = readJournal(dir);
      expect(journal).toHaveLength(16);
      expect(new Set(journal.map((e) => e.record.key)).size).toBe(16);
      expect(journal.filter((e) => e.timing.worker === 'w2').length).toBeGreaterThanOrEqual(13);
    } finally {
      await exec.close();
    }
  }, 60_000);

  it('a job running longer than the lock completes once (the handler runs off the event loop)', async () => {
    const queue = `lock-${Date.now()}`;
    await startWorker(redis.url, queue, 'slow', 800);
    const trace = path.join(tmp(), 'trace.log');
    const jobs: Job[] = [{ key: 'long', index: 0, payload: { x: 7, cpuMs: 3000, trace } }];
    const exec = new RedisQueueExecutor({ url: redis.url, queue, pollMs: 300 });
    try {
      const out = await runJobs(jobs, { executor: exec, handler, outDir: tmp() });
      expect(out.records).toEqual([{ key: 'long', index: 0, ok: true, result: { x: 7, sumOfSquares: 140 } }]);
      expect(traceCounts(trace).get(7)).toBe(1);
    } finally {
      await exec.close();
    }
  }, 30_000);

  it('forged jobs naming a module, an unknown kind or a bad payload are refused and recorded as failed', async () => {
    const queue = `forged-${Date.now()}`;
    await startWorker(redis.url, queue, 'guard');
    const marker = path.join(tmp(), 'pwned');
    const q = new Queue(queue, { connection: parseRedisUrl(redis.url) });
    try {
      await q.add('x', { handler: { module: 'child_process', exportName: 'execSync' }, payload: `touch ${marker}`, key: 'a', index: 0 }, { jobId: 'forged-module' });
      await q.add('x', { kind: 'child_process', payload: `touch ${marker}` }, { jobId: 'forged-kind' });
      await q.add('x', { kind: SQUARE_KIND, payload: { x: 1, cmd: `touch ${marker}` } }, { jobId: 'forged-payload' });
      const deadline = Date.now() + 15_000;
      const reasons: Record<string, string> = {};
      for (const id of ['forged-module', 'forged-kind', 'forged-payload']) {
        while ((await q.getJobState(id)) !== 'failed') {
          if (Date.now() > deadline) throw new Error(`timed out waiting for forged job ${id} to be refused (state ${await q.getJobState(id)})`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const job = await q.getJob(id);
        reasons[id] = job!.failedReason;
        expect(job!.attemptsMade).toBeLessThanOrEqual(1);
      }
      expect(reasons['forged-module']).toMatch(/^FF_JOB_REFUSED: .*names a module "child_process"/);
      expect(reasons['forged-kind']).toMatch(/^FF_JOB_REFUSED: .*kind "child_process" is not registered.*test\.square/);
      expect(reasons['forged-payload']).toMatch(/^FF_JOB_REFUSED: .*"test\.square" does not match its schema: \/ must NOT have additional properties/);
      expect(fs.existsSync(marker)).toBe(false);
    } finally {
      await q.close();
    }
  }, 40_000);

  it('a job whose handler thread dies every time is retried up to attempts, then recorded as failed; the sweep ends', async () => {
    const queue = `crash-${Date.now()}`;
    await startWorker(redis.url, queue, 'crashy');
    const trace = path.join(tmp(), 'trace.log');
    const jobs: Job[] = [
      { key: 'ok', index: 0, payload: { x: 2, trace } },
      { key: 'dies', index: 1, payload: { x: 9, crash: true, trace } },
    ];
    const exec = new RedisQueueExecutor({ url: redis.url, queue, pollMs: 300, attempts: 2 });
    const out = await runJobs(jobs, { executor: exec, handler, outDir: tmp() }).finally(() => exec.close());
    expect(out.records[0]).toEqual({ key: 'ok', index: 0, ok: true, result: { x: 2, sumOfSquares: 5 } });
    expect(out.records[1]).toMatchObject({ key: 'dies', ok: false, error: { code: 'FF_JOB_FAILED', message: expect.stringMatching(/^job dies \(queue id [0-9a-f]{12}\) failed after 2 attempt\(s\)/) } });
    expect(traceCounts(trace).get(9)).toBe(2);
    // Resubmitted, the stored failure is not reused as a result: the job gets its attempts again.
    const again = new RedisQueueExecutor({ url: redis.url, queue, pollMs: 300, attempts: 2 });
    const second = await runJobs(jobs, { executor: again, handler, outDir: tmp() }).finally(() => again.close());
    expect(second.records[1]).toMatchObject({ key: 'dies', ok: false, error: { code: 'FF_JOB_FAILED' } });
    expect(traceCounts(trace).get(9)).toBe(4);
    expect(traceCounts(trace).get(2)).toBe(1);
  }, 30_000);

  it('a stale queue from other sweeps: only identical jobs reuse results; any key shape works (fig17)', async () => {
    const queue = `stale-${Date.now()}`;
    await startWorker(redis.url, queue, 'solo');
    const trace = path.join(tmp(), 'trace.log');
    // Leftovers of another sweep that nobody collects.
    const q = new Queue(queue, { connection: parseRedisUrl(redis.url) });
    await q.add('x', { kind: SQUARE_KIND, payload: { x: 50, trace }, key: 'other', index: 0 }, { jobId: 'leftover' });
    await q.close();
    // Same keys, different work (fig15 tiny then fast): keys with ':' like fig17's run keys.
    const sweep = (offset: number): Job[] => Array.from({ length: 6 }, (_, i) => ({ key: `fig17:fast|gcn:cora|${i}`, index: i, payload: { x: i + offset, trace } }));
    const run = async (jobs: Job[]) => {
      const exec = new RedisQueueExecutor({ url: redis.url, queue, pollMs: 300 });
      try {
        return await runJobs(jobs, { executor: exec, handler, outDir: tmp() });
      } finally {
        await exec.close();
      }
    };
    const tiny = await run(sweep(1));
    expect(tiny.records.map((r) => (r.result as { sumOfSquares: number }).sumOfSquares)).toEqual([1, 2, 3, 4, 5, 6].map(sumSq));
    const fast = await run(sweep(10));
    expect(fast.records.map((r) => (r.result as { sumOfSquares: number }).sumOfSquares)).toEqual([10, 11, 12, 13, 14, 15].map(sumSq));
    // An identical resubmission reuses the stored results: nothing runs again.
    const again = await run(sweep(10));
    expect(again.records).toEqual(fast.records);
    const counts = traceCounts(trace);
    for (const x of [1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 14, 15, 50]) expect([x, counts.get(x)]).toEqual([x, 1]);
  }, 40_000);

  it('a changed input file (same payload) is a new job, not a stale result', async () => {
    const queue = `inputs-${Date.now()}`;
    await startWorker(redis.url, queue, 'solo');
    const input = path.join(tmp(), 'density.txt');
    const trace = path.join(tmp(), 'trace.log');
    const h = { ...handler, fingerprint: () => ({ 'density.txt': fs.readFileSync(input, 'utf8') }) };
    const jobs: Job[] = [{ key: 'c0', index: 0, payload: { x: 3, trace } }];
    for (const density of ['0.1', '0.1', '0.5']) {
      fs.writeFileSync(input, density);
      const exec = new RedisQueueExecutor({ url: redis.url, queue, pollMs: 300 });
      await runJobs(jobs, { executor: exec, handler: h, outDir: tmp() }).finally(() => exec.close());
    }
    expect(traceCounts(trace).get(3)).toBe(2);
  }, 30_000);

  it('password-protected Redis (redis://:pass@host): the sweep runs; a wrong password is FF_QUEUE_UNAVAILABLE', async () => {
    const secured = await startRedis({ password: 's3cret pass' });
    try {
      const queue = `auth-${Date.now()}`;
      await startWorker(secured.url, queue, 'auth');
      const exec = new RedisQueueExecutor({ url: secured.url, queue, pollMs: 300 });
      const out = await runJobs(sweepJobs(0).slice(0, 4), { executor: exec, handler, outDir: tmp() }).finally(() => exec.close());
      expect(out.records.map((r) => r.ok)).toEqual([true, true, true, true]);
      expect(out.records[3].result).toEqual({ x: 4, sumOfSquares: 30 });
      const wrong = `redis://:nope@127.0.0.1:${secured.port}`;
      await expect(startQueueWorker({ url: wrong, timeoutMs: 3000 })).rejects.toMatchObject({ code: 'FF_QUEUE_UNAVAILABLE', message: expect.stringContaining('password') });
      const bad = new RedisQueueExecutor({ url: `redis://127.0.0.1:${secured.port}`, queue, timeoutMs: 3000 });
      await expect(bad.execute(sweepJobs(0).slice(0, 1), handler, () => undefined)).rejects.toMatchObject({ code: 'FF_QUEUE_UNAVAILABLE', message: expect.not.stringContaining('s3cret') });
      await bad.close();
    } finally {
      await secured.stop();
    }
  }, 40_000);

  it('Redis restarted mid-sweep (empty): the sweep re-submits what was lost and finishes, each job once', async () => {
    const own = await startRedis();
    try {
      const queue = `restart-${Date.now()}`;
      await startWorker(own.url, queue, 'r1');
      const jobs = sweepJobs(150).slice(0, 10);
      const local = await runJobs(jobs, { executor: new InlineExecutor(), handler, outDir: tmp() });
      const exec = new RedisQueueExecutor({ url: own.url, queue, pollMs: 300, timeoutMs: 8000 });
      let restarted: Promise<void> | undefined;
      const dir = tmp();
      const out = await runJobs(jobs, {
        executor: exec,
        handler,
        outDir: dir,
        onProgress: (p) => {
          if (!restarted && p.done >= 3) restarted = own.restart();
        },
      }).finally(() => exec.close());
      await restarted;
      expect(restarted).toBeDefined();
      expect(fs.readFileSync(out.files.jsonl, 'utf8')).toBe(fs.readFileSync(local.files.jsonl, 'utf8'));
      const journal = readJournal(dir);
      expect(journal).toHaveLength(10);
      expect(new Set(journal.map((e) => e.record.key)).size).toBe(10);
    } finally {
      await own.stop();
    }
  }, 60_000);

  it('jobs waiting with no worker connected: FF_QUEUE_NO_WORKERS after noWorkerTimeoutMs, naming the queue', async () => {
    const queue = `idle-${Date.now()}`;
    const exec = new RedisQueueExecutor({ url: redis.url, queue, pollMs: 200, noWorkerTimeoutMs: 1000 });
    await expect(runJobs(sweepJobs(0).slice(0, 2), { executor: exec, handler, outDir: tmp() }).finally(() => exec.close())).rejects.toMatchObject({
      code: 'FF_QUEUE_NO_WORKERS',
      message: expect.stringContaining(`queue "${queue}"`),
    });
  }, 20_000);

  it('Redis gone for good mid-sweep: the submitter ends with FF_QUEUE_UNAVAILABLE naming unfinished jobs', async () => {
    const own = await startRedis();
    const queue = `gone-${Date.now()}`;
    await startWorker(own.url, queue, 'g1');
    const exec = new RedisQueueExecutor({ url: own.url, queue, pollMs: 300, timeoutMs: 2000 });
    let stopped: Promise<void> | undefined;
    const t0 = Date.now();
    await expect(
      runJobs(sweepJobs(200).slice(0, 8), {
        executor: exec,
        handler,
        outDir: tmp(),
        onProgress: (p) => {
          if (!stopped && p.done >= 2) stopped = own.stop();
        },
      }),
    ).rejects.toMatchObject({ code: 'FF_QUEUE_UNAVAILABLE', message: expect.stringMatching(/unreachable for more than 2 s mid-sweep; \d job\(s\) unfinished, e\.g\. cand-/) });
    expect(Date.now() - t0).toBeLessThan(15_000);
    await stopped;
    await exec.close();
  }, 30_000);
});
