import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { InlineExecutor } from './inline-executor';
import { ResultStore } from './result-store';
import { runJobs } from './run-jobs';
import { sweepJobs } from './__fixtures__/sweep-jobs';

const handler = { module: require.resolve('./__fixtures__/square-job.js') };
const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-exist-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const rec = (i: number) => ({ key: `k${i}`, index: i, ok: true, result: { x: i } });

describe('earlier sweep results are never deleted', () => {
  it('reset() refuses a journal with finished jobs (FF_RESULTS_EXIST naming --resume and --fresh) and keeps it byte for byte', () => {
    const dir = tmp();
    const s = new ResultStore(dir);
    s.reset(); // nothing there yet: fine
    s.append(rec(0));
    s.append(rec(1));
    const before = fs.readFileSync(s.journalPath, 'utf8');
    const again = new ResultStore(dir);
    let err: { code?: string; message?: string; suggestion?: string } = {};
    try {
      again.reset();
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).toBe('FF_RESULTS_EXIST');
    expect(err.message).toBe(`${dir} already holds the results of an earlier sweep (2 finished jobs in journal.jsonl)`);
    expect(err.suggestion).toMatch(/--resume.*--fresh/);
    expect(fs.readFileSync(s.journalPath, 'utf8')).toBe(before);
    // an empty journal (a run killed before its first job finished) holds nothing to lose
    const empty = tmp();
    fs.writeFileSync(path.join(empty, 'journal.jsonl'), '\n');
    expect(() => new ResultStore(empty).reset()).not.toThrow();
  });

  it('moveAside() renames journal and results files with a UTC timestamp and never overwrites an earlier move', () => {
    const dir = tmp();
    const s = new ResultStore(dir);
    s.append(rec(0));
    s.finalize();
    const now = new Date('2026-12-07T18:40:01.234Z');
    const moved = new ResultStore(dir).moveAside(now);
    expect(moved.map((f) => path.basename(f)).sort()).toEqual(['journal.2026-12-07T18-40-01-234Z.jsonl', 'results.2026-12-07T18-40-01-234Z.csv', 'results.2026-12-07T18-40-01-234Z.jsonl']);
    expect(fs.existsSync(s.journalPath)).toBe(false);
    expect(JSON.parse(fs.readFileSync(moved.find((f) => f.includes('journal'))!, 'utf8')).record.key).toBe('k0');
    const t = new ResultStore(dir);
    t.append(rec(5));
    const second = t.moveAside(now);
    expect(second.map((f) => path.basename(f))).toEqual(['journal.2026-12-07T18-40-01-234Z-2.jsonl']);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('journal.')).length).toBe(2);
  });

  it('runJobs: a rerun without --resume refuses, --fresh keeps the old results aside and reruns every job, both together are refused', async () => {
    const dir = tmp();
    const first = await runJobs(sweepJobs(0), { executor: new InlineExecutor(), handler, outDir: dir });
    expect(first.ran).toBe(16);
    const journal = fs.readFileSync(first.files.journal, 'utf8');
    await expect(runJobs(sweepJobs(0), { executor: new InlineExecutor(), handler, outDir: dir })).rejects.toMatchObject({ code: 'FF_RESULTS_EXIST' });
    expect(fs.readFileSync(first.files.journal, 'utf8')).toBe(journal);
    await expect(runJobs(sweepJobs(0), { executor: new InlineExecutor(), handler, outDir: dir, resume: true, fresh: true })).rejects.toMatchObject({ code: 'FF_OPTIONS_INVALID' });
    const fresh = await runJobs(sweepJobs(0), { executor: new InlineExecutor(), handler, outDir: dir, fresh: true });
    expect(fresh.ran).toBe(16);
    expect(fresh.resumed).toBe(0);
    const aside = fs.readdirSync(dir).filter((f) => /^journal\..+\.jsonl$/.test(f));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, aside[0]), 'utf8')).toBe(journal);
    const resumed = await runJobs(sweepJobs(0), { executor: new InlineExecutor(), handler, outDir: dir, resume: true });
    expect(resumed).toMatchObject({ ran: 0, resumed: 16 });
  });
});
