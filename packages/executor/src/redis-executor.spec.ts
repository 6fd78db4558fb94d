import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InlineExecutor } from './inline-executor';
import { parseRedisUrl, RedisQueueExecutor } from './redis-executor';
import { runJobs } from './run-jobs';
import { haveRedisServer, startRedis } from './__fixtures__/redis';
import { sweepJobs } from './__fixtures__/sweep-jobs';

const handler = { module: require.resolve('./__fixtures__/square-job.js') };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ff-queue-'));
const childEnv = { ...process.env, TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: 'commonjs', moduleResolution: 'node' }) };

describe('parseRedisUrl', () => {
  it('parses host, port and database', () => {
    expect(parseRedisUrl('redis://10.0.0.5:6380/2')).toEqual({ host: '10.0.0.5', port: 6380, db: 2 });
    expect(parseRedisUrl('redis://localhost')).toEqual({ host: 'localhost', port: 6379 });
  });
  it('rejects other schemes and garbage', () => {
    expect(() => parseRedisUrl('http://x:1')).toThrow('expected the redis:// scheme');
    expect(() => parseRedisUrl('not a url')).toThrow('expected redis://host:port');
  });
});

const available = haveRedisServer();
if (!available && process.env.CI) throw new Error('redis-server is required in CI (.ci/run installs Debian redis-server)');
const describeRedis = available ? describe : describe.skip;

describeRedis('RedisQueueExecutor with worker processes', () => {
  let redis: Awaited<ReturnType<typeof startRedis>>;
  const workers: ChildProcess[] = [];

  const startWorker = (url: string, queue: string, name: string) =>
    new Promise<ChildProcess>((resolve, reject) => {
      const child = spawn('node', ['-r', 'ts-node/register/transpile-only', path.join(__dirname, '__fixtures__/queue-worker.ts'), url, queue, name], { env: childEnv });
      workers.push(child);
      child.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve(child));
      child.on('exit', (code) => code && reject(new Error(`worker ${name} exited with ${code}`)));
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

  it('3 workers, one killed mid-job: every job recorded exactly once, same results as a local run', async () => {
    const queue = `sweep-${Date.now()}`;
    const [w1] = await Promise.all([startWorker(redis.url, queue, 'w1'), startWorker(redis.url, queue, 'w2'), startWorker(redis.url, queue, 'w3')]);
    const local = await runJobs(sweepJobs(150), { executor: new InlineExecutor(), handler, outDir: tmp() });

    const exec = new RedisQueueExecutor({ url: redis.url, queue });
    const dir = tmp();
    let killed = false;
    try {
      const out = await runJobs(sweepJobs(150), {
        executor: exec,
        handler,
        outDir: dir,
        onProgress: (p) => {
          // Kill w1 while it holds a job: after a few completions every worker is busy.
          if (!killed && p.done >= 3) {
            killed = true;
            w1.kill('SIGKILL');
          }
        },
      });
      expect(killed).toBe(true);
      expect(out.records).toHaveLength(16);
      expect(fs.readFileSync(out.files.jsonl, 'utf8')).toBe(fs.readFileSync(local.files.jsonl, 'utf8'));
      const journal = fs.readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(journal).toHaveLength(16);
      expect(new Set(journal.map((e) => e.record.key)).size).toBe(16);
      // w1 died after about a third of the first few jobs; the survivors did the rest, incl. its held job.
      expect(journal.filter((e) => e.timing.worker === 'w1').length).toBeLessThanOrEqual(3);
    } finally {
      await exec.close();
    }
  }, 90_000);

  it('re-submitting a finished sweep enqueues nothing twice and collects the stored results', async () => {
    const queue = `resubmit-${Date.now()}`;
    await startWorker(redis.url, queue, 'solo');
    const jobs = sweepJobs(0).slice(0, 4);
    const a = new RedisQueueExecutor({ url: redis.url, queue });
    const first = await runJobs(jobs, { executor: a, handler, outDir: tmp() });
    await a.close();
    for (const w of workers.splice(0)) w.kill('SIGKILL'); // no worker now: results must come from Redis
    const b = new RedisQueueExecutor({ url: redis.url, queue });
    const second = await runJobs(jobs, { executor: b, handler, outDir: tmp() });
    await b.close();
    expect(fs.readFileSync(second.files.jsonl, 'utf8')).toBe(fs.readFileSync(first.files.jsonl, 'utf8'));
  }, 60_000);
});
