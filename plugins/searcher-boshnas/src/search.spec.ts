import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { container as root } from 'tsyringe';
import { BACKEND, createKernelEmitter, createRunner, RUNNER, type RunContext } from '@fuseflow/kernel';
import { nearestCandidates, runSearchEngine, snapToCandidate, type SearchProblem } from './engine';
import { gobi } from './gobi';
import { deriveSeed, makeRng } from './rng';
import { Surrogate } from './surrogate';
import { tfReady } from './tf';
import { BoshSearcher } from './searcher';
import { TableEvaluator } from './evaluator';
import { buildCnnTable } from './cnn-table';
import { archHash, generateArchs, DEFAULT_SPACE } from './space';
import { FakeBackend } from './__fixtures__/fake-backend';

beforeAll(() => tfReady());

/** Tabulated noisy function over a random candidate table (the bench's benchmark, small). */
function quadraticProblem(n: number, d: number, seed: number): SearchProblem & { truth: number[] } {
  const rng = makeRng(seed);
  const table = [...Array(n)].map(() => [...Array(d)].map(() => rng()));
  const truth = table.map((x) => x.reduce((s, v, i) => s + (v - 0.3 - 0.05 * i) ** 2, 0) / d);
  return { tables: [table], truth, key: (c) => `row${c[0]}`, evaluate: async (c) => ({ loss: truth[c[0]], metrics: { truth: truth[c[0]] } }) };
}

describe('surrogate and GOBI', () => {
  it('surrogate learns a known function (held-out error well below the spread)', () => {
    const rng = makeRng(3);
    const f = (x: number[]) => 0.2 + 0.6 * x[0] * x[1] + 0.1 * Math.sin(3 * x[2]);
    const X = [...Array(60)].map(() => [rng(), rng(), rng()]);
    const s = new Surrogate([3], { epochs: 100, learningRate: 0.02 }, 5);
    s.train(X.slice(0, 45), X.slice(0, 45).map(f));
    const held = X.slice(45);
    const pred = s.predict(held);
    const mse = held.reduce((acc, x, i) => acc + (pred[i].mu - f(x)) ** 2, 0) / held.length;
    const ys = held.map(f);
    const m = ys.reduce((a, b) => a + b, 0) / ys.length;
    const variance = ys.reduce((a, y) => a + (y - m) ** 2, 0) / ys.length;
    expect(mse).toBeLessThan(0.3 * variance);
    for (const p of pred) {
      expect(p.sigmaEp).toBeGreaterThanOrEqual(0);
      expect(p.sigmaAl).toBeGreaterThan(0);
    }
    s.dispose();
  });

  it('GOBI decreases the acquisition and stays in the box; projection returns unevaluated table rows', () => {
    const p = quadraticProblem(200, 4, 11);
    const s = new Surrogate([4], { epochs: 80 }, 2);
    const idx = [...Array(40).keys()];
    s.train(idx.map((i) => p.tables[0][i]), idx.map((i) => p.truth[i]));
    const starts = [0, 1, 2].map((i) => p.tables[0][100 + i]);
    const r = gobi(s, starts, false, makeRng(1), { iterations: 25 });
    for (let i = 0; i < 3; i++) expect(r.zEnd[i]).toBeLessThan(r.zStart[i]);
    for (const x of r.x) for (const v of x) expect(v >= 0 && v <= 1).toBe(true);
    const taken = new Set(idx.map((i) => `row${i}`));
    const c = snapToCandidate(p, r.x[0], taken)!;
    expect(c[0]).toBeGreaterThanOrEqual(0);
    expect(c[0]).toBeLessThan(200);
    expect(taken.has(`row${c[0]}`)).toBe(false);
    // it is the nearest unevaluated row (brute-force oracle)
    const l1 = (a: number[]) => a.reduce((acc, v, k) => acc + Math.abs(v - r.x[0][k]), 0) / a.length;
    const oracle = p.tables[0].map((row, i) => [l1(row), i]).filter(([, i]) => !taken.has(`row${i}`)).sort((a, b) => a[0] - b[0])[0][1];
    expect(c[0]).toBe(oracle);
    s.dispose();
  });

  it('nearestCandidates lists the closest unevaluated pairs of two tables in order (brute-force oracle)', () => {
    const rng = makeRng(9);
    const a = [...Array(30)].map(() => [rng(), rng()]);
    const b = [...Array(20)].map(() => [rng(), rng(), rng()]);
    const p: SearchProblem = { tables: [a, b], key: (c) => c.join(','), evaluate: async () => ({ loss: 0, metrics: {} }) };
    const x = [0.4, 0.6, 0.2, 0.9, 0.5];
    const mean = (row: number[], off: number) => row.reduce((s, v, k) => s + Math.abs(v - x[off + k]), 0) / row.length;
    const all = a.flatMap((ra, i) => b.map((rb, j) => ({ c: [i, j], d: mean(ra, 0) + mean(rb, 2) }))).sort((u, v) => u.d - v.d);
    const taken = new Set([all[0].c.join(','), all[3].c.join(',')]);
    const oracle = all.filter((e) => !taken.has(e.c.join(','))).slice(0, 5).map((e) => e.c);
    expect(nearestCandidates(p, x, taken, 5)).toEqual(oracle);
    expect(snapToCandidate(p, x, taken)).toEqual(oracle[0]);
  });
});

describe('search engine', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'boshnas-'));
  const opts = { budget: 8, seed: 4, numInit: 4, batchSize: 2, surrogate: { epochs: 20 }, gobi: { iterations: 8 } };

  it('resume after a simulated kill loses and repeats nothing', async () => {
    const p = quadraticProblem(150, 3, 2);
    let calls = 0;
    const counted: SearchProblem = { ...p, evaluate: (c) => (calls++, p.evaluate(c)) };
    const full = await runSearchEngine(counted, { ...opts, stateFile: path.join(tmp, 'full.json') });
    expect(full.complete).toBe(true);
    expect(calls).toBe(8);
    calls = 0;
    const stateFile = path.join(tmp, 'split.json');
    const part = await runSearchEngine(counted, { ...opts, stateFile, stopAfter: 5 }); // stops inside a batch
    expect(part.complete).toBe(false);
    expect(part.evaluations).toHaveLength(5);
    const rest = await runSearchEngine(counted, { ...opts, stateFile, resume: true });
    expect(rest.resumedFrom).toBe(5);
    expect(calls).toBe(8);
    expect(rest.evaluations.map((e) => e.key)).toEqual(full.evaluations.map((e) => e.key));
    expect(new Set(rest.evaluations.map((e) => e.key)).size).toBe(8);
    expect(rest.evaluations.map((e) => e.branch)).toEqual(full.evaluations.map((e) => e.branch));
  }, 60_000);

  it('random and evolution baselines use the same budget; a mismatched resume is refused', async () => {
    const p = quadraticProblem(150, 3, 2);
    for (const strategy of ['random', 'evolution'] as const) {
      const r = await runSearchEngine(p, { budget: 20, seed: 1, strategy, population: 8, tournament: 3 });
      expect(r.evaluations).toHaveLength(20);
      expect(new Set(r.evaluations.map((e) => e.key)).size).toBe(20);
      if (strategy === 'evolution') expect(r.evaluations.slice(8).some((e) => e.branch === 'mutation')).toBe(true);
    }
    const stateFile = path.join(tmp, 'mismatch.json');
    await runSearchEngine(p, { budget: 3, seed: 1, strategy: 'random', stateFile });
    await expect(runSearchEngine(p, { budget: 4, seed: 2, strategy: 'random', stateFile, resume: true })).rejects.toMatchObject({ code: 'FF_SEARCH_RESUME' });
  });
});

describe('BOSHCODE searcher with an analytic backend', () => {
  it('searches pairs, reports a Pareto front and saves resumable state', async () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'boshcode-'));
    const c = root.createChildContainer();
    c.register(BACKEND, { useValue: new FakeBackend() });
    // a host runner over this container: BOSHCODE asks it for the fake backend's space and evaluations
    c.register(RUNNER, { useValue: createRunner({ container: c, baseDir: outDir }) });
    const tableFile = path.join(outDir, 'acc.json');
    const progress: number[] = [];
    const ctx: RunContext = {
      seed: 3,
      baseDir: outDir,
      outDir,
      events: createKernelEmitter(),
      container: c,
      diagnostic: () => undefined,
      progress: (pr) => progress.push(pr.done),
    };
    const opts = { mode: 'codesign' as const, hardwareBackend: 'fake', candidates: 40, accelerators: 30, budget: 7, numInit: 5, surrogate: { epochs: 20 }, gobi: { iterations: 10 }, evaluator: { kind: 'table' as const, table: tableFile } };
    // table for the searcher's own candidate table (same seed derivation as the searcher)
    const s0 = new BoshSearcher(opts);
    const cands = buildCnnTable({ candidates: 40, embeddingDims: 16, capacityFeatures: true }, 3, DEFAULT_SPACE).archs;
    const table: Record<string, { val: number; test: number }> = {};
    cands.forEach((a, i) => (table[archHash(a)] = { val: 0.5 + 0.01 * (i % 37), test: 0.5 + 0.01 * (i % 37) }));
    fs.writeFileSync(tableFile, JSON.stringify(table));
    const r = await s0.search(ctx);
    expect(r.searcher).toBe('boshcode');
    expect(r.evaluations).toBe(7);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const pareto = r.pareto as Array<{ metrics: Record<string, number> }>;
    expect(pareto.length).toBeGreaterThan(0);
    const all = (r.details as { trace: unknown[] }).trace;
    expect(all).toHaveLength(7);
    expect(r.text).toContain('Pareto front');
    // aligned table with the design space's parameter names as columns (charts: report.spec.ts)
    const header = r.text!.split('\n').find((l) => l.startsWith('#  '))!;
    expect(header.split(/\s{2,}/)).toEqual(['#', 'val acc', 'test acc', 'latency ms', 'energy mJ', 'area mm2', 'objective', 'pes', 'bufferKB', 'CNN']);
    const state = JSON.parse(fs.readFileSync(r.files![0], 'utf8'));
    expect(state.evaluations).toHaveLength(7);
    // objective recomputed from the metrics with the reference weights
    for (const e of state.evaluations) {
      const m = e.metrics;
      const P = 0.2 * m.val + 0.2 * (1 - m.latencyS) + 0.1 * (1 - m.areaMm2 / 1000) + 0.2 * (1 - m.dynamicEnergyJ / 10) + 0.3 * (1 - m.leakageEnergyJ / 10);
      expect(1 - e.loss).toBeCloseTo(P, 10);
    }
    const t = new TableEvaluator(table);
    await expect(t.evaluate(generateArchs(1, makeRng(999))[0])).rejects.toMatchObject({ code: 'FF_EVAL_MISSING' });
  }, 60_000);
});
