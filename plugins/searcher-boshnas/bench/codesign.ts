/**
 * Co-design benchmark on REAL trained CNNs: the 96 Fashion-MNIST CNNs of the real-space bench
 * (trained once, cached in bench/out/real-space-accuracy-cache.json; nothing is retrained when the
 * cache is intact) x a pool of AccelBench accelerators sampled from the systolic backend's design
 * space and evaluated through `SystolicBackend.evaluate` (model 'accelbench'). Every pair is
 * evaluated up front, so the truth (objective of each pair) and its best 5 % / 1 % / 0.1 % are
 * known; BOSHCODE, random search and regularized evolution then search the pair table with the same
 * budget and seeds.
 *
 * Run: npm run bench:codesign -w @fuseflow/searcher-boshnas
 * env: CODESIGN_ACCELS (pool size, default 300; comma list runs several pools, e.g. 300,10000),
 *      CODESIGN_BUDGET (64), CODESIGN_SEEDS (20), CODESIGN_BATCH (8),
 *      CODESIGN_NORMALIZERS=<summary.json>: take the objective's normalisers from an earlier run,
 *      so pools of different sizes are scored by the same function (default: this pool's maxima);
 *      CODESIGN_PLOT=<pool>: only redraw bench/out/codesign-<pool>-curves.svg from its CSV and summary
 * writes bench/out/codesign-<pool>-{summary.json,curves.csv,curves.svg}
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AccelBenchDesignSpace, SystolicBackend } from '@fuseflow/backend-systolic';
import type { RunContext } from '@fuseflow/kernel';
import { writeChart } from '@fuseflow/plots';
import { boundsOf, embedArchs } from '../src/embedding';
import { runSearchEngine, type SearchProblem, type Strategy } from '../src/engine';
import { FashionMnistTrainer } from '../src/evaluator';
import { toModelGraph } from '../src/model-graph';
import { performance, type ObjectiveNormalizers, type ObjectiveWeights } from '../src/objective';
import { makeRng } from '../src/rng';
import { scaleRows } from '../src/searcher';
import { generateArchs } from '../src/space';
import { tfReady } from '../src/tf';
import { bestSoFar } from './shared';

const POOLS = (process.env.CODESIGN_ACCELS ?? '300').split(',').map(Number);
const BUDGET = Number(process.env.CODESIGN_BUDGET ?? 64);
const SEEDS = Number(process.env.CODESIGN_SEEDS ?? 20);
const BATCH = Number(process.env.CODESIGN_BATCH ?? 8);
const N_CNN = 96;
const out = path.join(__dirname, 'out');
const CACHE = path.join(out, 'real-space-accuracy-cache.json');
/** The example manifest's weights (examples/codesign/fashion-mnist.json): accuracy first. */
const WEIGHTS: ObjectiveWeights = { train: 0, val: 0.4, test: 0, latency: 0.2, area: 0.1, dynamicEnergy: 0.2, leakageEnergy: 0.1 };
const STRATEGIES: Strategy[] = ['boshnas', 'random', 'evolution'];
// legend labels longer than ~16 characters are cut by vega
const LABEL: Record<Strategy, string> = { boshnas: 'BOSHCODE', random: 'random', evolution: 'reg. evolution' };
const TARGETS = { best5Percent: 0.05, best1Percent: 0.01, best01Percent: 0.001 } as const;
type Target = keyof typeof TARGETS;

/** Two-sided 97.5 % Student t quantiles by degrees of freedom (20 seeds: df 19). */
function tQuantile(df: number): number {
  const table: Record<number, number> = { 1: 12.71, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228, 15: 2.131, 19: 2.093, 20: 2.086, 25: 2.06, 30: 2.042 };
  const keys = Object.keys(table).map(Number).filter((k) => k <= df);
  return df > 30 ? 1.96 : table[Math.max(...keys)];
}

/** Mean and 95 % confidence interval (Student t over seeds). */
function ci(v: number[]): { mean: number; lo: number; hi: number } {
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const sd = n > 1 ? Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
  const h = n > 1 ? tQuantile(n - 1) * (sd / Math.sqrt(n)) : 0;
  return { mean, lo: mean - h, hi: mean + h };
}

const r4 = (x: number) => Number(x.toFixed(4));
const ciRound = (c: { mean: number; lo: number; hi: number }) => ({ mean: r4(c.mean), lo: r4(c.lo), hi: r4(c.hi) });

async function runPool(poolSize: number, archs: ReturnType<typeof generateArchs>, acc: Array<{ val: number; test: number; train?: number }>, cnnX: number[][]) {
  const backend = new SystolicBackend({ model: 'accelbench', plot: false });
  const ds = backend.designSpace as AccelBenchDesignSpace;
  const seen = new Map<string, Record<string, unknown>>();
  const prng = makeRng(11);
  for (let t = 0; seen.size < poolSize && t < 20; t++) for (const c of ds.sample(poolSize - seen.size, prng)) seen.set(ds.key(c), c);
  const accels = [...seen.values()];
  const accX = scaleRows(accels.map((c) => ds.embed(c)), ds.bounds());
  // Every pair through the backend once: the truth table.
  const ctx = { baseDir: process.cwd(), outDir: out } as unknown as RunContext;
  const t0 = Date.now();
  const c0 = process.cpuUsage();
  const metrics = archs.map((a) => {
    const graph = toModelGraph(a);
    return accels.map((hw) => {
      const m = backend.evaluate({ stage: 'model', graph, hardware: hw } as never, ctx).metrics;
      return { latencyS: m.latencyS, areaMm2: m.areaMm2, dynamicEnergyJ: m.dynamicEnergyJ, leakageEnergyJ: m.leakageEnergyJ };
    });
  });
  const cpu = process.cpuUsage(c0);
  const pairs = archs.length * accels.length;
  const truthWall = (Date.now() - t0) / 1000;
  const truthCpu = (cpu.user + cpu.system) / 1e6;
  // Normalisers = the table's maxima (the reference's MAX_* constants play this role), so each
  // hardware term spans [0, 1) over the pool.
  const max = (k: keyof ObjectiveNormalizers) => metrics.reduce((mx, row) => row.reduce((m2, m) => Math.max(m2, m[k]), mx), -Infinity);
  const fixed = process.env.CODESIGN_NORMALIZERS;
  const norm: ObjectiveNormalizers = fixed
    ? (JSON.parse(fs.readFileSync(fixed, 'utf8')) as { normalizers: ObjectiveNormalizers }).normalizers
    : { latencyS: max('latencyS'), areaMm2: max('areaMm2'), dynamicEnergyJ: max('dynamicEnergyJ'), leakageEnergyJ: max('leakageEnergyJ') };
  const objective = metrics.map((row, i) => row.map((m) => performance({ ...acc[i], ...m }, WEIGHTS, norm)));
  const sorted = objective.flat().sort((a, b) => b - a);
  const threshold = (f: number) => sorted[Math.max(0, Math.ceil(f * sorted.length) - 1)];
  const thresholds = Object.fromEntries(Object.entries(TARGETS).map(([k, f]) => [k, threshold(f)])) as Record<Target, number>;
  const problem: SearchProblem = {
    tables: [cnnX, accX],
    key: (c) => `${c[0]}@${c[1]}`,
    evaluate: async (c) => ({ loss: 1 - objective[c[0]][c[1]], metrics: {} }),
  };
  const reach: Record<string, Record<Target, number[]>> = {};
  const finalBest: Record<string, number[]> = {};
  const curves: Record<string, number[][]> = {};
  const cpuSeconds: Record<string, number> = {};
  const wallSeconds: Record<string, number> = {};
  for (const s of STRATEGIES) {
    reach[s] = { best5Percent: [], best1Percent: [], best01Percent: [] };
    finalBest[s] = [];
    curves[s] = [];
    const w0 = Date.now();
    const u0 = process.cpuUsage();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = await runSearchEngine(problem, { strategy: s, budget: BUDGET, seed, batchSize: BATCH, numInit: 8, population: 16, tournament: 4, surrogate: { epochs: 80 }, gobi: { iterations: 40 } });
      const best = bestSoFar(r.evaluations).map((l) => 1 - l);
      curves[s].push(best);
      for (const t of Object.keys(TARGETS) as Target[]) {
        const hit = best.findIndex((b) => b >= thresholds[t]);
        reach[s][t].push(hit < 0 ? BUDGET + 1 : hit + 1);
      }
      finalBest[s].push(best[best.length - 1]);
      process.stdout.write(`${s} seed ${seed}: best ${best[best.length - 1].toFixed(4)} (pool best ${sorted[0].toFixed(4)})\n`);
    }
    const u = process.cpuUsage(u0);
    cpuSeconds[s] = Number(((u.user + u.system) / 1e6).toFixed(1));
    wallSeconds[s] = Number(((Date.now() - w0) / 1000).toFixed(1));
  }
  const paired = (s: Strategy) => ci(finalBest.boshnas.map((b, i) => b - finalBest[s][i]));
  const summary = {
    cnns: archs.length,
    accelerators: accels.length,
    pairs,
    acceleratorSpaceSize: ds.size(),
    truth: { wallSeconds: truthWall, cpuSeconds: Number(truthCpu.toFixed(2)), pairsPerCpuSecond: Math.round(pairs / truthCpu) },
    weights: WEIGHTS,
    normalizers: norm,
    normalizersFrom: fixed ? path.basename(fixed) : 'this pool (maxima)',
    objectiveBest: r4(sorted[0]),
    objectiveMedian: r4(sorted[Math.floor(sorted.length / 2)]),
    thresholds: Object.fromEntries(Object.entries(thresholds).map(([k, v]) => [k, r4(v)])),
    budget: BUDGET,
    batch: BATCH,
    seeds: SEEDS,
    unreachedCountsAs: BUDGET + 1,
    evaluationsTo: Object.fromEntries(
      (Object.keys(TARGETS) as Target[]).map((t) => [t, Object.fromEntries(STRATEGIES.map((s) => [s, { ...ciRound(ci(reach[s][t])), reached: reach[s][t].filter((x) => x <= BUDGET).length, perSeed: reach[s][t] }]))]),
    ),
    finalBestObjective: Object.fromEntries(STRATEGIES.map((s) => [s, ciRound(ci(finalBest[s]))])),
    boshcodeMinus: { random: ciRound(paired('random')), evolution: ciRound(paired('evolution')) },
    cpuSeconds,
    wallSeconds,
  };
  const stem = path.join(out, `codesign-${accels.length}`);
  fs.writeFileSync(`${stem}-summary.json`, JSON.stringify(summary, null, 2) + '\n');
  const rows: Array<Record<string, string | number>> = [];
  const csv = ['evaluation,strategy,mean,lo,hi'];
  for (const s of STRATEGIES) {
    for (let i = 0; i < BUDGET; i++) {
      const c = ci(curves[s].map((b) => b[i]));
      csv.push([i + 1, s, c.mean.toFixed(5), c.lo.toFixed(5), c.hi.toFixed(5)].join(','));
      rows.push({ evaluation: i + 1, strategy: LABEL[s], mean: c.mean, lo: c.lo, hi: c.hi });
    }
  }
  fs.writeFileSync(`${stem}-curves.csv`, csv.join('\n') + '\n');
  const files = await writeChart(curveSpec(rows, thresholds, accels.length), `${stem}-curves`, { svgOnly: true });
  console.log(JSON.stringify(summary, null, 2));
  console.log(files.join('\n'));
}

/** Mean best objective per evaluation with its 95 % band, and the best-1 % threshold as a rule. */
function curveSpec(rows: Array<Record<string, string | number>>, thresholds: Record<Target, number>, pool: number, seeds = SEEDS) {
  const x = { field: 'evaluation', type: 'quantitative', title: 'evaluations' };
  const color = { field: 'strategy', type: 'nominal', title: null };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Co-design: ${N_CNN} trained CNNs x ${pool} AccelBench accelerators, ${seeds} seeds (mean, 95% CI)`,
    width: 460,
    height: 300,
    layer: [
      { data: { values: rows }, mark: { type: 'errorband', opacity: 0.2 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: 'best objective so far', scale: { zero: false } }, y2: { field: 'hi' }, color } },
      { data: { values: rows }, mark: { type: 'line' }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color } },
      { data: { values: [{ y: thresholds.best1Percent, label: 'best 1 %' }] }, mark: { type: 'rule', strokeDash: [4, 4], color: 'gray' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
    ],
  };
}

/** Redraws a pool's chart from the CSV and summary a run wrote. */
async function replot(pool: string): Promise<void> {
  const stem = path.join(out, `codesign-${pool}`);
  const summary = JSON.parse(fs.readFileSync(`${stem}-summary.json`, 'utf8')) as { thresholds: Record<Target, number>; seeds: number; accelerators: number };
  const [, ...lines] = fs.readFileSync(`${stem}-curves.csv`, 'utf8').trim().split('\n');
  const rows = lines.map((l) => {
    const [n, s, mean, lo, hi] = l.split(',');
    return { evaluation: Number(n), strategy: LABEL[s as Strategy], mean: Number(mean), lo: Number(lo), hi: Number(hi) };
  });
  console.log((await writeChart(curveSpec(rows, summary.thresholds, summary.accelerators, summary.seeds), `${stem}-curves`, { svgOnly: true })).join('\n'));
}

async function main(): Promise<void> {
  if (process.env.CODESIGN_PLOT) return replot(process.env.CODESIGN_PLOT);
  await tfReady();
  fs.mkdirSync(out, { recursive: true });
  // Same table and training knobs as bench/real-space.ts, so its committed cache is the truth.
  const archs = generateArchs(N_CNN, makeRng(7));
  const trainer = new FashionMnistTrainer({ trainSize: 1024, valSize: 500, testSize: 200, epochs: 2, cacheFile: CACHE });
  const acc = [];
  for (const a of archs) acc.push(await trainer.evaluate(a));
  if (trainer.trained) console.log(`trained ${trainer.trained} CNNs missing from ${path.basename(CACHE)}`);
  const raw = embedArchs(archs, 16);
  const cnnX = scaleRows(raw, boundsOf(raw));
  for (const p of POOLS) await runPool(p, archs, acc, cnnX);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
