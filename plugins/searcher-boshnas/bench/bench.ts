/**
 * Benchmark with a known truth: a tabulated noisy function of the (scaled) embedding over a
 * generated CNN candidate table. Compares BOSHNAS, random search and regularized evolution
 * (same budget, same seeds): evaluations until the best-so-far is in the table's best 1%, mean
 * best-so-far curves (CSV), and the surrogate's calibration on held-out candidates.
 *
 * Run: npm run bench -w @fuseflow/searcher-boshnas   (env: BENCH_SEEDS, BENCH_BUDGET, BENCH_N;
 * BENCH_PROJECTION=reference for the reference's single-start, nearest-candidate projection)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { boundsOf, embedArchs } from '../src/embedding';
import { runSearchEngine, type SearchProblem, type Strategy } from '../src/engine';
import { makeRng } from '../src/rng';
import { scaleRows } from '../src/searcher';
import { generateArchs } from '../src/space';
import { tfReady } from '../src/tf';
import { bestSoFar, calibrate, projectionVariant, type Calibration } from './shared';

const SEEDS = Number(process.env.BENCH_SEEDS ?? 10);
const BUDGET = Number(process.env.BENCH_BUDGET ?? 60);
const N = Number(process.env.BENCH_N ?? 400);
const NOISE = 0.02;
// BENCH_PROJECTION=reference: one GOBI start per slot and plain nearest-candidate projection
const PROJECTION = projectionVariant(process.env.BENCH_PROJECTION);
const STEM = PROJECTION.reference ? '-reference-projection' : '';
const out = path.join(__dirname, 'out');

async function main(): Promise<void> {
  await tfReady();
  fs.mkdirSync(out, { recursive: true });
  let t0 = Date.now();
  const archs = generateArchs(N, makeRng(2024));
  const raw = embedArchs(archs, 16, { capacity: false }); // the truth is a function of these coordinates
  const X = scaleRows(raw, boundsOf(raw));
  console.log(`candidate table: ${archs.length} CNNs, 16-d embedding in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  // truth: a smooth bowl around a hidden centre, plus a ripple, plus tabulated Gaussian noise
  const trng = makeRng(77);
  const centre = X[trng.int(X.length)].map((v) => v + 0.05 * trng.normal());
  const noise = X.map(() => NOISE * trng.normal());
  const clean = X.map((x) => x.reduce((s, v, i) => s + (v - centre[i]) ** 2, 0) / x.length + 0.05 * Math.sin(6 * x[0]) * Math.cos(4 * x[1]));
  const lo = Math.min(...clean);
  const truth = clean.map((c, i) => c - lo + 0.05 + noise[i]);
  const sorted = [...truth].sort((a, b) => a - b);
  const top1 = sorted[Math.max(0, Math.ceil(0.01 * truth.length) - 1)];
  const problem: SearchProblem = { tables: [X], key: (c) => `c${c[0]}`, evaluate: async (c) => ({ loss: truth[c[0]], metrics: {} }) };
  const strategies: Strategy[] = ['boshnas', 'random', 'evolution'];
  const curves: Record<string, number[][]> = {};
  const reach: Record<string, number[]> = {};
  const calib: Calibration[] = [];
  for (const strategy of strategies) {
    curves[strategy] = [];
    reach[strategy] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      t0 = Date.now();
      const r = await runSearchEngine(problem, {
        strategy,
        budget: BUDGET,
        seed,
        batchSize: 4,
        numInit: 8,
        population: 16,
        tournament: 4,
        surrogate: { epochs: 80 },
        gobi: { iterations: 40 },
        ...PROJECTION.options,
      });
      const best = bestSoFar(r.evaluations);
      curves[strategy].push(best);
      const hit = best.findIndex((b) => b <= top1);
      reach[strategy].push(hit < 0 ? BUDGET + 1 : hit + 1);
      console.log(`${strategy} seed ${seed}: best ${best[best.length - 1].toFixed(4)} (table best ${sorted[0].toFixed(4)}), top-1% reached at ${hit < 0 ? `>${BUDGET}` : hit + 1} evals, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      if (strategy === 'boshnas') calib.push(calibrate(X, truth, r.evaluations, seed));
    }
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const lines = ['evaluation,' + strategies.join(',')];
  for (let i = 0; i < BUDGET; i++) lines.push([i + 1, ...strategies.map((s) => mean(curves[s].map((c) => c[i])).toFixed(5))].join(','));
  fs.writeFileSync(path.join(out, `curves${STEM}.csv`), lines.join('\n') + '\n');
  const summary = {
    candidates: N,
    projection: PROJECTION.label,
    budget: BUDGET,
    seeds: SEEDS,
    noiseSigma: NOISE,
    tableBest: sorted[0],
    top1Threshold: top1,
    evaluationsToTop1: Object.fromEntries(strategies.map((s) => [s, { perSeed: reach[s], mean: mean(reach[s]), reached: reach[s].filter((x) => x <= BUDGET).length }])),
    meanBestAt: Object.fromEntries([10, 20, 30, 40, 60].filter((k) => k <= BUDGET).map((k) => [k, Object.fromEntries(strategies.map((s) => [s, Number(mean(curves[s].map((c) => c[k - 1])).toFixed(4))]))])),
    calibration: { perSeed: calib, within1Sigma: mean(calib.map((c) => c.within1)), within2Sigma: mean(calib.map((c) => c.within2)), within1SigmaEpistemicOnly: mean(calib.map((c) => c.within1Ep)) },
  };
  fs.writeFileSync(path.join(out, `summary${STEM}.json`), JSON.stringify(summary, null, 2) + '\n');
  console.log(JSON.stringify(summary, null, 2));
  console.log(`curves: ${path.join(out, `curves${STEM}.csv`)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
