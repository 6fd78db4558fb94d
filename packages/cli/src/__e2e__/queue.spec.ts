/**
 * Issue 17 on the Redis queue, through the CLI: `fuseflow worker` with nothing listening exits with
 * FF_QUEUE_UNAVAILABLE; Figure 17 (run keys with ':') runs on real `fuseflow worker` processes with
 * the values of a local run; a DSE search rerun after changing an input's density gets fresh
 * results from the same queue (content-addressed jobs), not the stored ones.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { memoryIo } from '../io';
import { runCli } from '../main';
import { freePort, haveRedisServer, startRedis, type TestRedis } from '../../../executor/src/__fixtures__/redis';

const bin = path.resolve(__dirname, '../../bin/fuseflow.js');
const gcnDir = path.resolve(__dirname, '../../../../examples/gcn');
const haveRedis = haveRedisServer();
if (!haveRedis && process.env.CI) throw new Error('redis-server is required in CI (.ci/run installs Debian redis-server)');

/** Wait for `text` on a child's stdout, failing with what it waited for after `ms`. */
function waitFor(child: ChildProcess, text: string, what: string, ms = 30_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}; output: ${seen}`)), ms);
    const on = (b: Buffer) => {
      seen += b.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', (b: Buffer) => (seen += b.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what}: process exited with ${code}; output: ${seen}`));
    });
  });
}

describe('fuseflow worker with nothing listening', () => {
  it('exits with FF_QUEUE_UNAVAILABLE naming the address, within the timeout', async () => {
    const port = await freePort();
    const t0 = Date.now();
    const r = spawnSync('node', [bin, 'worker', '--queue', `redis://127.0.0.1:${port}`, '--queue-timeout-ms', '3000'], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`FF_QUEUE_UNAVAILABLE: worker`);
    expect(r.stderr).toContain(`redis://127.0.0.1:${port}`);
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 30_000);
});

(haveRedis ? describe : describe.skip)('sweeps on the Redis queue with fuseflow worker processes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-queue-e2e-'));
  let redis: TestRedis | undefined;
  let worker: ChildProcess;
  let url = '';

  beforeAll(async () => {
    redis = await startRedis();
    url = redis.url;
    worker = spawn('node', [bin, 'worker', '--queue', url, '--lock-ms', '5000'], { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
    await waitFor(worker, 'waiting for jobs', 'fuseflow worker to connect');
  }, 60_000);
  afterAll(async () => {
    worker?.kill('SIGKILL');
    await redis?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cli = async (args: string[]) => {
    const io = memoryIo(dir);
    const code = await runCli(args, io);
    return { code, out: io.out.join('\n'), err: io.err.join('\n') };
  };

  it('fig17 (run keys with ":") runs on the queue with the values of a local run', async () => {
    const local = await cli(['experiment', 'fig17', '--mode', 'tiny', '--executor', 'inline', '--json', '--out', path.join(dir, 'local')]);
    const queued = await cli(['experiment', 'fig17', '--mode', 'tiny', '--queue', url, '--json', '--out', path.join(dir, 'queued')]);
    expect(queued.err).not.toMatch(/Custom Id|FF_/);
    expect(queued.code).toBe(0);
    const cycles = (out: string) => (JSON.parse(out) as { rows: Array<{ cycles?: number }> }).rows.map((r) => r.cycles);
    expect(cycles(queued.out).length).toBeGreaterThan(1);
    expect(cycles(queued.out)).toEqual(cycles(local.out));
  }, 120_000);

  it('a DSE search rerun after changing an input density reports fresh cycles, equal to a local run', async () => {
    const base = JSON.parse(fs.readFileSync(path.join(gcnDir, 'small.json'), 'utf8'));
    delete base.configurations;
    delete base.$schema;
    for (const f of fs.readdirSync(gcnDir)) if (f !== 'out' && f !== 'small.json') fs.cpSync(path.join(gcnDir, f), path.join(dir, f), { recursive: true });
    // The queued rerun uses the same output folder (--fresh), so the payloads differ only by the density.
    const search = async (density: number, where: string[], out: string) => {
      const m = JSON.parse(JSON.stringify(base));
      m.frontend.options.weights.W1.generate = `uniform:{shape}:${density}`;
      const file = path.join(dir, `dse-${density}-${where.length}.json`);
      fs.writeFileSync(file, JSON.stringify({ ...m, name: 'queued', search: { use: 'dse', options: { executor: 'inline', charts: false, space: { fusion: ['unfused', 'full'] } } } }));
      const r = await cli(['search', file, '--out', path.join(dir, out), '--quiet', ...where]);
      expect(r.err).toBe('');
      expect(r.code).toBe(0);
      const sweep = path.join(dir, out, 'sweep', 'results.jsonl');
      return fs.readFileSync(sweep, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { result?: { runs: Array<{ metrics: { cycles: number } }> } }).result?.runs[0].metrics.cycles);
    };
    const dense = await search(0.4, ['--queue', url], 'out-queued');
    const sparse = await search(0.1, ['--queue', url, '--fresh'], 'out-queued');
    const sparseLocal = await search(0.1, [], 'out-local');
    expect(sparse).toEqual(sparseLocal);
    expect(sparse).not.toEqual(dense);
  }, 180_000);
});
