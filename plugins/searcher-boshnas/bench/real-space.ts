/**
 * Benchmark on a small REAL space: every CNN of a generated candidate table is trained once on
 * Fashion-MNIST (tfjs CPU, small budget, cached on disk by architecture hash), so the truth is
 * real validation error, not a synthetic function. BOSHNAS, random search and regularized
 * evolution then search that table with the same budget and seeds.
 *
 * Run: npm run bench:real -w @fuseflow/searcher-boshnas   (env: REAL_N, REAL_BUDGET, REAL_SEEDS,
 * REAL_TRAIN / REAL_EPOCHS: training examples and epochs per architecture; more makes the truth
 * less noisy, at about linear cost; REAL_SHARD=k/m trains only candidates i % m == k into a shard
 * cache and stops, so m processes can train one table; every unsharded run merges the shard caches)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { boundsOf, embedArchs } from '../src/embedding';
import { bestSoFar, calibrate, projectionVariant, type Calibration } from './shared';
import { plotCurves } from './plot';
import { runSearchEngine, type SearchProblem, type Strategy } from '../src/engine';
import { FashionMnistTrainer, readAccuracyCache, writeAccuracyCache } from '../src/evaluator';
import { makeRng } from '../src/rng';
import { scaleRows } from '../src/searcher';
import { generateArchs, type CnnArch } from '../src/space';
import { tfReady } from '../src/tf';

const N = Number(process.env.REAL_N ?? 96);
const BUDGET = Number(process.env.REAL_BUDGET ?? 24);
const SEEDS = Number(process.env.REAL_SEEDS ?? 20);
const TRAIN = Number(process.env.REAL_TRAIN ?? 1024);
const EPOCHS = Number(process.env.REAL_EPOCHS ?? 2);
// REAL_CAPACITY=0: graph-similarity embedding alone (the ablation of capacityFeatures)
const CAPACITY = process.env.REAL_CAPACITY !== '0';
// REAL_PROJECTION=reference: one GOBI start per slot and plain nearest-candidate projection
const PROJECTION = projectionVariant(process.env.REAL_PROJECTION);
const VARIANT = [CAPACITY ? '' : 'graph-only', PROJECTION.reference ? 'reference-projection' : ''].filter(Boolean).join('-');
const SHARD = parseShard(process.env.REAL_SHARD);
const out = path.join(__dirname, 'out');
const MAIN_CACHE = path.join(out, 'real-space-accuracy-cache.json');
const shardCache = (k: number) => path.join(out, `real-space-accuracy-cache.shard-${k}.json`);
const trainerFor = (cacheFile: string) => new FashionMnistTrainer({ trainSize: TRAIN, valSize: 500, testSize: 200, epochs: EPOCHS, cacheFile });

function parseShard(spec: string | undefined): { k: number; m: number } | undefined {
  if (!spec) return undefined;
  const hit = spec.match(/^(\d+)\/(\d+)$/);
  if (!hit || Number(hit[1]) >= Number(hit[2])) throw new Error(`REAL_SHARD must look like k/m with k < m (e.g. 0/2), got '${spec}'`);
  return { k: Number(hit[1]), m: Number(hit[2]) };
}

/** Trains this shard's candidates (i % m == k) into its own cache, seeded from the main one. */
async function trainShard(archs: CnnArch[], { k, m }: { k: number; m: number }): Promise<void> {
  if (fs.existsSync(MAIN_CACHE) && !fs.existsSync(shardCache(k))) fs.copyFileSync(MAIN_CACHE, shardCache(k));
  const trainer = trainerFor(shardCache(k));
  const t0 = Date.now();
  for (let i = k; i < archs.length; i += m) await trainer.evaluate(archs[i]);
  console.log(`shard ${k}/${m}: trained ${trainer.trained} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

async function main(): Promise<void> {
  await tfReady();
  fs.mkdirSync(out, { recursive: true });
  const archs = generateArchs(N, makeRng(7));
  if (SHARD) return trainShard(archs, SHARD);
  mergeShards(MAIN_CACHE, out);
  const trainer = trainerFor(MAIN_CACHE);
  const t0 = Date.now();
  const truth: number[] = [];
  for (const [i, a] of archs.entries()) {
    const r = await trainer.evaluate(a);
    truth.push(1 - r.val);
    if (i % 10 === 9) console.log(`trained ${i + 1}/${archs.length} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const raw = embedArchs(archs, 16, { capacity: CAPACITY });
  const X = scaleRows(raw, boundsOf(raw));
  const sorted = [...truth].sort((a, b) => a - b);
  // The best 1% of a table under 100 candidates is its single best entry, and the truth's own
  // noise (500 validation images: standard error about 0.02 in error rate) exceeds the gaps
  // among the top few, so the best 5% is reported beside it.
  const threshold = (fraction: number) => sorted[Math.max(0, Math.ceil(fraction * truth.length) - 1)];
  const targets = { best1Percent: threshold(0.01), best5Percent: threshold(0.05) };
  const problem: SearchProblem = { tables: [X], key: (c) => `c${c[0]}`, evaluate: async (c) => ({ loss: truth[c[0]], metrics: {} }) };
  const strategies: Strategy[] = ['boshnas', 'random', 'evolution'];
  const reach: Record<string, Record<keyof typeof targets, number[]>> = {};
  const finalBest: Record<string, number[]> = {};
  const curves: Record<string, number[]> = {};
  const calib: Calibration[] = [];
  for (const strategy of strategies) {
    reach[strategy] = { best1Percent: [], best5Percent: [] };
    finalBest[strategy] = [];
    curves[strategy] = new Array(BUDGET).fill(0);
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = await runSearchEngine(problem, {
        strategy,
        budget: BUDGET,
        seed,
        batchSize: 2,
        numInit: 4,
        population: 8,
        tournament: 3,
        surrogate: { epochs: 80 },
        gobi: { iterations: 40 },
        ...PROJECTION.options,
      });
      const best = bestSoFar(r.evaluations);
      best.forEach((b, i) => (curves[strategy][i] += b / SEEDS));
      for (const [name, t] of Object.entries(targets) as Array<[keyof typeof targets, number]>) {
        const hit = best.findIndex((b) => b <= t);
        reach[strategy][name].push(hit < 0 ? BUDGET + 1 : hit + 1);
      }
      finalBest[strategy].push(best[best.length - 1]);
      if (strategy === 'boshnas') calib.push(calibrate(X, truth, r.evaluations, seed));
    }
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const reachSummary = (name: keyof typeof targets) =>
    Object.fromEntries(strategies.map((s) => [s, { perSeed: reach[s][name], mean: mean(reach[s][name]), reached: reach[s][name].filter((x) => x <= BUDGET).length }]));
  const summary = {
    variant: VARIANT || 'default',
    candidates: N,
    capacityFeatures: CAPACITY,
    projection: PROJECTION.label,
    trainExamples: TRAIN,
    epochs: EPOCHS,
    trained: trainer.trained,
    trainSeconds: Math.round((Date.now() - t0) / 1000),
    valErrorBest: sorted[0],
    valErrorMedian: sorted[Math.floor(sorted.length / 2)],
    targets,
    budget: BUDGET,
    seeds: SEEDS,
    unreachedCountsAs: BUDGET + 1,
    evaluationsToBest1Percent: reachSummary('best1Percent'),
    evaluationsToBest5Percent: reachSummary('best5Percent'),
    meanFinalBestValError: Object.fromEntries(strategies.map((s) => [s, Number(mean(finalBest[s]).toFixed(4))])),
    calibration: { within1Sigma: mean(calib.map((c) => c.within1)), within2Sigma: mean(calib.map((c) => c.within2)), within1SigmaEpistemicOnly: mean(calib.map((c) => c.within1Ep)), heldOutPerSeed: calib[0]?.n },
  };
  const stem = `real-space${VARIANT ? `-${VARIANT}` : ''}`;
  fs.writeFileSync(path.join(out, `${stem}-summary.json`), JSON.stringify(summary, null, 2) + '\n');
  const csv = ['evaluation,' + strategies.join(','), ...curves.boshnas.map((_, i) => [i + 1, ...strategies.map((s) => curves[s][i].toFixed(5))].join(','))];
  fs.writeFileSync(path.join(out, `${stem}-curves.csv`), csv.join('\n') + '\n');
  console.log(JSON.stringify(summary, null, 2));
  console.log((await plotCurves(`${stem}-curves`)).join('\n'));
}

/**
 * Folds every shard cache into the main cache (shard entries win: they are the newer runs). The
 * shards stay: a shard process still running rewrites its whole file after each candidate.
 */
function mergeShards(mainCache: string, dir: string): void {
  const shards = fs.readdirSync(dir).filter((f) => /^real-space-accuracy-cache\.shard-\d+\.json$/.test(f));
  if (!shards.length) return;
  const merged = readAccuracyCache(mainCache).entries;
  for (const f of shards) Object.assign(merged, readAccuracyCache(path.join(dir, f)).entries);
  writeAccuracyCache(mainCache, merged);
  console.log(`merged ${shards.length} shard caches into ${path.basename(mainCache)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
