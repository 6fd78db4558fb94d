// Bench: sweep throughput on the Redis queue with 1, 2 and 4 worker processes (same run, same jobs),
// against running the same jobs inline in this process. CPU-seconds beside wall: the submitter's
// (process.cpuUsage) plus every worker process's (utime + stime from /proc/<pid>/stat, all threads).
// Run: npm run bench -- executor   (needs redis-server on PATH)
// Knobs: BENCH_JOBS (default 40), BENCH_SPINS (fixed CPU work per job, default 5e6 sqrt iterations), BENCH_WORKERS (default 1,2,4).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InlineExecutor } from '../src/inline-executor';
import { RedisQueueExecutor } from '../src/redis-executor';
import { runJobs } from '../src/run-jobs';
import { startRedis } from '../src/__fixtures__/redis';
import { registerSquareKind, SQUARE_KIND } from '../src/__fixtures__/square-kind';

const JOBS = Number(process.env.BENCH_JOBS ?? 40);
const SPINS = Number(process.env.BENCH_SPINS ?? 5e6);
const WORKERS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
registerSquareKind();
const handler = { kind: SQUARE_KIND, module: path.join(__dirname, '../src/__fixtures__/square-job.js') };
// A run tag in the payload: every configuration computes fresh jobs (ids are content addresses).
const jobs = (tag: number) => Array.from({ length: JOBS }, (_, i) => ({ key: `j${i}`, index: i, payload: { x: i + 1 + tag * 1000, spins: SPINS } }));
const env = { ...process.env, TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: 'commonjs', moduleResolution: 'node' }) };
const outDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ff-bench-'));

function worker(url: string, queue: string, name: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const c = spawn('node', ['-r', 'ts-node/register/transpile-only', path.join(__dirname, '../src/__fixtures__/queue-worker.ts'), url, queue, name, '10000'], { env });
    const timer = setTimeout(() => reject(new Error(`bench worker ${name} not ready within 60 s`)), 60_000);
    c.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) {
        clearTimeout(timer);
        resolve(c);
      }
    });
    c.on('exit', (code) => code && reject(new Error(`bench worker ${name} exited ${code}`)));
  });
}

/** CPU seconds of a process so far (all its threads), from /proc. */
function procCpu(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime in clock ticks (USER_HZ = 100 on Linux)
  return (Number(f[11]) + Number(f[12])) / 100;
}

const selfCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

interface Row {
  label: string;
  wall: number;
  cpu: number;
}

async function timed(n: number, url: string, tag: number): Promise<Row> {
  const queue = `bench-${n}-${Date.now()}`;
  const procs = await Promise.all(Array.from({ length: n }, (_, i) => worker(url, queue, `w${i}`)));
  const exec = new RedisQueueExecutor({ url, queue, pollMs: 500 });
  const cpu0 = selfCpu() + procs.reduce((s, p) => s + procCpu(p.pid!), 0);
  const t0 = process.hrtime.bigint();
  const out = await runJobs(jobs(tag), { executor: exec, handler, outDir: outDir() });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = selfCpu() + procs.reduce((s, p) => s + procCpu(p.pid!), 0) - cpu0;
  await exec.close();
  for (const p of procs) p.kill('SIGKILL');
  if (out.records.length !== JOBS || out.failed) throw new Error(`bench sweep with ${n} worker(s): ${out.failed} failed of ${out.records.length}`);
  return { label: `queue, ${n} worker process${n > 1 ? 'es' : ''}`, wall, cpu };
}

async function main() {
  const redis = await startRedis();
  const rows: Row[] = [];
  try {
    const c0 = selfCpu();
    const t0 = process.hrtime.bigint();
    await runJobs(jobs(0), { executor: new InlineExecutor(), handler, outDir: outDir() });
    rows.push({ label: 'inline (baseline, this process)', wall: Number(process.hrtime.bigint() - t0) / 1e9, cpu: selfCpu() - c0 });
    for (const [i, n] of WORKERS.entries()) rows.push(await timed(n, redis.url, i + 1));
  } finally {
    await redis.stop();
  }
  const base = rows[0].wall;
  const one = rows.find((r) => r.label.includes(' 1 worker'))?.wall;
  console.log(`${JOBS} jobs x ${SPINS} sqrt iterations (a fixed amount of CPU work) each; ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('| run | wall s | jobs/s | CPU s | wall vs inline | speed-up vs 1 worker |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    console.log(`| ${r.label} | ${r.wall.toFixed(2)} | ${(JOBS / r.wall).toFixed(1)} | ${r.cpu.toFixed(2)} | ${(r.wall / base).toFixed(2)}x | ${one && !r.label.startsWith('inline') ? `${(one / r.wall).toFixed(2)}x` : ''} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
