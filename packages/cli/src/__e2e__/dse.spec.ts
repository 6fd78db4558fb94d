import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runManifest, type Manifest } from '@fuseflow/kernel';

// Design-space exploration end to end: the real PyTorch frontend (small GCN), fusion passes,
// lowering and the RDA simulator, driven by the dse searcher with FLOPs/bytes pruning.
const examples = path.resolve(__dirname, '../../../../examples');
const gcnDir = path.join(examples, 'gcn');

function dseManifest(options: Record<string, unknown>): Manifest {
  const base = JSON.parse(fs.readFileSync(path.join(gcnDir, 'small.json'), 'utf8')) as Manifest;
  delete base.configurations;
  delete base.$schema;
  return { ...base, name: 'gcn-small-dse', search: { use: 'dse', options: { executor: 'inline', charts: false, ...options } } };
}

type Summary = {
  candidates: number;
  pruned: number;
  simulated: number;
  best: { label: string; cycles: number } | null;
  prunedWouldWin?: boolean;
  rows: Array<{ label: string; pruned: boolean; simulated: boolean; estimate?: { flops: number; bytes: number }; metrics?: Record<string, number>; valuesChecked?: boolean }>;
};

describe('dse searcher (GCN small)', () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-dse-'));
  let summary: Summary;

  beforeAll(async () => {
    const r = await runManifest(dseManifest({ space: { fusion: ['unfused', 'partial', 'full'] }, prune: true, checkPruned: true }), { baseDir: gcnDir, outDir: out });
    expect(r.error).toBeUndefined();
    summary = r.search!.details as Summary;
  }, 240_000);

  it('estimates every candidate, prunes exactly the Pareto-dominated ones, and checks values of every simulation', () => {
    expect(summary.candidates).toBe(3);
    expect(summary.rows.every((r) => r.estimate && r.estimate.flops > 0 && r.estimate.bytes > 0)).toBe(true);
    for (const r of summary.rows) {
      const dominated = summary.rows.some(
        (o) => o !== r && o.estimate!.flops <= r.estimate!.flops && o.estimate!.bytes <= r.estimate!.bytes && (o.estimate!.flops < r.estimate!.flops || o.estimate!.bytes < r.estimate!.bytes),
      );
      expect(r.pruned).toBe(dominated);
    }
    expect(summary.pruned).toBe(summary.rows.filter((r) => r.pruned).length);
    // checkPruned simulates the pruned ones too, so every row has cycles and checked values.
    expect(summary.rows.every((r) => r.simulated && r.metrics!.cycles > 0 && r.valuesChecked === true)).toBe(true);
  });

  it('reports the fastest surviving candidate and whether pruning lost the true best', () => {
    const kept = summary.rows.filter((r) => !r.pruned);
    const fastest = kept.reduce((a, b) => (b.metrics!.cycles < a.metrics!.cycles ? b : a));
    expect(summary.best).toMatchObject({ label: fastest.label, cycles: fastest.metrics!.cycles });
    const overall = Math.min(...summary.rows.map((r) => r.metrics!.cycles));
    expect(summary.prunedWouldWin).toBe(overall < fastest.metrics!.cycles);
  });

  it('a sweep killed mid-way resumes to the same results file without re-simulating finished candidates', async () => {
    const sweep = path.join(out, 'sweep');
    // Each record carries the run's measured wall/CPU seconds, which differ between runs; everything else must match.
    const withoutTimes = (text: string): string => text.replace(/"(cpuSeconds|wallSeconds)":[0-9.e+-]+/g, '"$1":0');
    const full = withoutTimes(fs.readFileSync(path.join(sweep, 'results.jsonl'), 'utf8'));
    // What a kill leaves behind: the journal holds the jobs finished so far (here: the first one).
    const journal = fs.readFileSync(path.join(sweep, 'journal.jsonl'), 'utf8').trim().split('\n');
    fs.writeFileSync(path.join(sweep, 'journal.jsonl'), journal[0] + '\n');
    fs.rmSync(path.join(sweep, 'results.jsonl'));
    const finishedKey = JSON.parse(journal[0]).record.key as string;
    const runDir = path.join(sweep, 'runs', finishedKey);
    fs.rmSync(runDir, { recursive: true, force: true });

    const r = await runManifest(dseManifest({ space: { fusion: ['unfused', 'partial', 'full'] }, prune: true, checkPruned: true, resume: true }), { baseDir: gcnDir, outDir: out });
    expect(r.error).toBeUndefined();
    expect(withoutTimes(fs.readFileSync(path.join(sweep, 'results.jsonl'), 'utf8'))).toBe(full);
    // The finished candidate was not simulated again (its run folder was not recreated).
    expect(fs.existsSync(runDir)).toBe(false);
  }, 240_000);
});
