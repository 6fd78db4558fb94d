/**
 * Benchmark on a small REAL space: every CNN of a generated candidate table is trained once on
 * Fashion-MNIST (tfjs CPU, small budget, cached on disk by architecture hash), so the truth is
 * real validation error, not a synthetic function. BOSHNAS, random search and regularized
 * evolution then search that table with the same budget and seeds.
 *
 * Run: npm run bench:real -w @fuseflow/searcher-boshnas   (env: REAL_N, REAL_BUDGET, REAL_SEEDS,
 * REAL_TRAIN / REAL_EPOCHS: training examples and epochs per architecture; more makes the truth
 * less noisy, at about linear cost)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { boundsOf, embedArchs } from '../src/embedding';
import { runSearchEngine, type SearchProblem, type Strategy } from '../src/engine';
import { FashionMnistTrainer } from '../src/evaluator';
import { makeRng } from '../src/rng';
import { scaleRows } from '../src/searcher';
import { generateArchs } from '../src/space';
import { tfReady } from '../src/tf';

const N = Number(process.env.REAL_N ?? 40);
const BUDGET = Number(process.env.REAL_BUDGET ?? 15);
const SEEDS = Number(process.env.REAL_SEEDS ?? 5);
const TRAIN = Number(process.env.REAL_TRAIN ?? 256);
const EPOCHS = Number(process.env.REAL_EPOCHS ?? 1);
const out = path.join(__dirname, 'out');

async function main(): Promise<void> {
  await tfReady();
  fs.mkdirSync(out, { recursive: true });
  const archs = generateArchs(N, makeRng(7));
  const trainer = new FashionMnistTrainer({ trainSize: TRAIN, valSize: 500, testSize: 200, epochs: EPOCHS, cacheFile: path.join(out, 'real-space-accuracy-cache.json') });
  const t0 = Date.now();
  const truth: number[] = [];
  for (const [i, a] of archs.entries()) {
    const r = await trainer.evaluate(a);
    truth.push(1 - r.val);
    if (i % 10 === 9) console.log(`trained ${i + 1}/${archs.length} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const X = scaleRows(embedArchs(archs, 16), boundsOf(embedArchs(archs, 16)));
  const sorted = [...truth].sort((a, b) => a - b);
  const top = sorted[Math.max(0, Math.ceil(0.01 * truth.length) - 1)];
  const problem: SearchProblem = { tables: [X], key: (c) => `c${c[0]}`, evaluate: async (c) => ({ loss: truth[c[0]], metrics: {} }) };
  const strategies: Strategy[] = ['boshnas', 'random', 'evolution'];
  const reach: Record<string, number[]> = {};
  const finalBest: Record<string, number[]> = {};
  for (const strategy of strategies) {
    reach[strategy] = [];
    finalBest[strategy] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = await runSearchEngine(problem, { strategy, budget: BUDGET, seed, batchSize: 2, numInit: 4, population: 8, tournament: 3, surrogate: { epochs: 80 }, gobi: { iterations: 40 } });
      let best = Infinity;
      let hit = -1;
      r.evaluations.forEach((e, i) => {
        best = Math.min(best, e.loss);
        if (hit < 0 && best <= top) hit = i + 1;
      });
      reach[strategy].push(hit < 0 ? BUDGET + 1 : hit);
      finalBest[strategy].push(best);
    }
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const summary = {
    candidates: N,
    trainExamples: TRAIN,
    epochs: EPOCHS,
    trained: trainer.trained,
    trainSeconds: Math.round((Date.now() - t0) / 1000),
    valErrorBest: sorted[0],
    valErrorMedian: sorted[Math.floor(sorted.length / 2)],
    budget: BUDGET,
    seeds: SEEDS,
    evaluationsToBest1Percent: Object.fromEntries(strategies.map((s) => [s, { perSeed: reach[s], mean: mean(reach[s]), reached: reach[s].filter((x) => x <= BUDGET).length }])),
    meanFinalBestValError: Object.fromEntries(strategies.map((s) => [s, Number(mean(finalBest[s]).toFixed(4))])),
  };
  fs.writeFileSync(path.join(out, 'real-space-summary.json'), JSON.stringify(summary, null, 2) + '\n');
  console.log(JSON.stringify(summary, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
