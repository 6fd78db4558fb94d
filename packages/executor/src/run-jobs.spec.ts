import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InlineExecutor } from './inline-executor';
import { LocalPoolExecutor } from './pool-executor';
import { ResultStore } from './result-store';
import { runJobs } from './run-jobs';
import { sweepJobs } from './__fixtures__/sweep-jobs';

const handler = { module: require.resolve('./__fixtures__/square-job.js') };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'ff-exec-'));
const expectedSum = (x: number) => (x * (x + 1) * (2 * x + 1)) / 6;
const tsNode = ['-r', 'ts-node/register/transpile-only'];
const childEnv = { ...process.env, TS_NODE_COMPILER_OPTIONS: JSON.stringify({ module: 'commonjs', moduleResolution: 'node' }) };

describe('runJobs', () => {
  it('runs every job once, records failures as results, and writes ordered results files', async () => {
    const dir = tmp();
    const progress: number[] = [];
    const out = await runJobs(sweepJobs(0), { executor: new InlineExecutor(), handler, outDir: dir, onProgress: (p) => progress.push(p.done) });
    expect(out.records).toHaveLength(16);
    expect(out.failed).toBe(1);
    expect(out.records[5]).toMatchObject({ ok: false, error: { code: 'FF_TEST_FAIL', message: 'candidate 6 is invalid' } });
    for (const r of out.records.filter((r) => r.ok)) expect((r.result as { sumOfSquares: number }).sumOfSquares).toBe(expectedSum((r.result as { x: number }).x));
    expect(progress[progress.length - 1]).toBe(16);
    const csv = fs.readFileSync(out.files.csv, 'utf8').trim().split('\n');
    expect(csv[0]).toBe('index,key,ok,error,x,sumOfSquares');
    expect(csv[3]).toBe('2,cand-2,true,,3,14');
    expect(csv).toHaveLength(17);
  });

  it('rejects duplicate job keys', async () => {
    const jobs = [...sweepJobs(0).slice(0, 2), { key: 'cand-0', index: 9, payload: { x: 1, ms: 0 } }];
    await expect(runJobs(jobs, { executor: new InlineExecutor(), handler, outDir: tmp() })).rejects.toThrow('duplicate job key "cand-0"');
  });

  it('gives the same results on a worker-thread pool as inline', async () => {
    const inline = await runJobs(sweepJobs(5), { executor: new InlineExecutor(), handler, outDir: tmp() });
    const pool = new LocalPoolExecutor({ threads: 2 });
    try {
      const pooled = await runJobs(sweepJobs(5), { executor: pool, handler, outDir: tmp() });
      expect(fs.readFileSync(pooled.files.jsonl, 'utf8')).toBe(fs.readFileSync(inline.files.jsonl, 'utf8'));
    } finally {
      await pool.close();
    }
  });

  it('resumes a killed sweep without repeating or losing jobs; final files equal an uninterrupted run', async () => {
    const full = tmp();
    expect(spawnSync('node', [...tsNode, path.join(__dirname, '__fixtures__/sweep-child.ts'), full], { env: childEnv }).status).toBe(0);

    const dir = tmp();
    const child = spawn('node', [...tsNode, path.join(__dirname, '__fixtures__/sweep-child.ts'), dir], { env: childEnv });
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (b: Buffer) => {
        if (/done (6|7|8)\b/.test(b.toString())) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.on('exit', r));
    const store = new ResultStore(dir);
    const before = store.load();
    expect(before).toBeGreaterThanOrEqual(5);
    expect(before).toBeLessThan(16);

    const resumed = spawnSync('node', [...tsNode, path.join(__dirname, '__fixtures__/sweep-child.ts'), dir, 'resume'], { env: childEnv, encoding: 'utf8' });
    expect(resumed.status).toBe(0);
    // The resumed run reports progress starting from what was already done.
    expect(resumed.stdout.split('\n')[0]).toBe(`done ${before}`);
    expect(fs.readFileSync(path.join(dir, 'results.jsonl'), 'utf8')).toBe(fs.readFileSync(path.join(full, 'results.jsonl'), 'utf8'));
    expect(fs.readFileSync(path.join(dir, 'results.csv'), 'utf8')).toBe(fs.readFileSync(path.join(full, 'results.csv'), 'utf8'));
    const journal = fs.readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n');
    expect(journal).toHaveLength(16);
  }, 60_000);
});

describe('ResultStore', () => {
  it('ignores a torn last journal line and a duplicate completion', () => {
    const dir = tmp();
    const s = new ResultStore(dir);
    expect(s.append({ key: 'a', index: 0, ok: true, result: 1 })).toBe(true);
    expect(s.append({ key: 'a', index: 0, ok: true, result: 2 })).toBe(false);
    fs.appendFileSync(s.journalPath, '{"record":{"key":"b","ind');
    const again = new ResultStore(dir);
    expect(again.load()).toBe(1);
    expect(again.get('a')?.result).toBe(1);
    expect(again.append({ key: 'b', index: 1, ok: true, result: 3 })).toBe(true);
    expect(new ResultStore(dir).load()).toBe(2);
  });

  it('refuses a journal corrupted in the middle', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'journal.jsonl'), 'garbage\n{"record":{"key":"a","index":0,"ok":true}}\n');
    expect(() => new ResultStore(dir).load()).toThrow('journal.jsonl:1: corrupt journal line');
  });
});
