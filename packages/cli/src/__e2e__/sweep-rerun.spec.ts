/**
 * Issue 17: rerunning a sweep over an existing results journal never deletes it. Without --resume
 * it refuses (naming --resume and --fresh); --fresh moves the old files aside with a timestamp.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { memoryIo } from '../io';
import { runCli } from '../main';

const gcnDir = path.resolve(__dirname, '../../../../examples/gcn');

describe('fuseflow search over an existing sweep', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-rerun-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const manifest = path.join(dir, 'dse.json');
  const out = path.join(dir, 'out');
  const journal = path.join(out, 'sweep', 'journal.jsonl');
  const search = async (...extra: string[]) => {
    const io = memoryIo(dir);
    const code = await runCli(['search', manifest, '--out', out, '--quiet', ...extra], io);
    return { code, out: io.out.join('\n'), err: io.err.join('\n') };
  };

  beforeAll(() => {
    const base = JSON.parse(fs.readFileSync(path.join(gcnDir, 'small.json'), 'utf8'));
    delete base.configurations;
    delete base.$schema;
    // paths in the example are relative to its folder
    fs.writeFileSync(manifest, JSON.stringify({ ...base, name: 'rerun', search: { use: 'dse', options: { executor: 'inline', charts: false, space: { fusion: ['unfused', 'full'] } } } }));
    for (const f of fs.readdirSync(gcnDir)) if (!f.endsWith('.json') || f !== 'small.json') fs.cpSync(path.join(gcnDir, f), path.join(dir, f), { recursive: true });
  });

  it('refuses a rerun without --resume, keeps the journal, and --fresh moves it aside', async () => {
    const first = await search();
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    const before = fs.readFileSync(journal, 'utf8');
    // the simulated (not pruned) candidates
    const jobs = before.trim().split('\n').length;
    expect(jobs).toBeGreaterThan(0);

    const again = await search();
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/FF_RESULTS_EXIST/);
    expect(again.err).toMatch(/--resume/);
    expect(again.err).toMatch(/--fresh/);
    expect(fs.readFileSync(journal, 'utf8')).toBe(before);

    const both = await search('--resume', '--fresh');
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/not both/);

    const fresh = await search('--fresh');
    expect(fresh.code).toBe(0);
    const aside = fs.readdirSync(path.dirname(journal)).filter((f) => /^journal\.\d{4}-\d\d-\d\dT[\d-]+Z\.jsonl$/.test(f));
    expect(aside).toHaveLength(1);
    expect(fs.readFileSync(path.join(path.dirname(journal), aside[0]), 'utf8')).toBe(before);
    expect(fs.readFileSync(journal, 'utf8').trim().split('\n')).toHaveLength(jobs);

    const resumed = await search('--resume');
    expect(resumed.code).toBe(0);
  }, 240_000);
});
