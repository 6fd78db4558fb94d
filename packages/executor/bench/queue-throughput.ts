// Bench: sweep throughput on the Redis queue with 1 vs 2 worker processes (same run, same jobs).
// Run: npm run bench -w @fuseflow/executor   (needs redis-server on PATH)
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InlineExecutor } from '../src/inline-executor';
import { RedisQueueExecutor } from '../src/redis-executor';
import { runJobs } from '../src/run-jobs';
import { startRedis } from '../src/__fixtures__/redis';

const JOBS = Number(process.env.BENCH_JOBS ?? 40);
const CPU_MS = Number(process.env.BENCH_CPU_MS ?? 50);
const handler = { module: path.join(__dirname, '../src/__fixtures__/square-job.js') };
const jobs = () => Array.from({ length: JOBS }, (_, i) => ({ key: `j${i}`, index: i, payload: { x: i + 1, cpuMs: CPU_MS } }));
const env = { ...process.env, TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: 'commonjs', moduleResolution: 'node' }) };

function worker(url: string, queue: string, name: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const c = spawn('node', ['-r', 'ts-node/register/transpile-only', path.join(__dirname, '../src/__fixtures__/queue-worker.ts'), url, queue, name], { env });
    c.stdout!.on('data', (b: Buffer) => b.toString().includes('ready') && resolve(c));
    c.on('exit', (code) => code && reject(new Error(`worker exited ${code}`)));
  });
}

async function timed(workers: number, url: string): Promise<number> {
  const queue = `bench-${workers}-${Date.now()}`;
  const procs = await Promise.all(Array.from({ length: workers }, (_, i) => worker(url, queue, `w${i}`)));
  const exec = new RedisQueueExecutor({ url, queue });
  const t0 = Date.now();
  await runJobs(jobs(), { executor: exec, handler, outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ff-bench-')) });
  const ms = Date.now() - t0;
  await exec.close();
  for (const p of procs) p.kill('SIGKILL');
  return ms;
}

async function main() {
  const redis = await startRedis();
  try {
    const t0 = Date.now();
    await runJobs(jobs(), { executor: new InlineExecutor(), handler, outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ff-bench-')) });
    const inline = Date.now() - t0;
    const one = await timed(1, redis.url);
    const two = await timed(2, redis.url);
    console.log(`jobs=${JOBS} x ${CPU_MS} ms CPU each`);
    console.log(`inline (this process):   ${inline} ms  ${(JOBS / (inline / 1000)).toFixed(1)} jobs/s`);
    console.log(`queue, 1 worker process: ${one} ms  ${(JOBS / (one / 1000)).toFixed(1)} jobs/s`);
    console.log(`queue, 2 worker procs:   ${two} ms  ${(JOBS / (two / 1000)).toFixed(1)} jobs/s`);
    console.log(`throughput ratio 2 vs 1 workers: ${(one / two).toFixed(2)}x; queue overhead vs inline: ${(one / inline).toFixed(2)}x`);
  } finally {
    await redis.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
