/**
 * Evaluations per second of (network, accelerator) pairs on one core, ResNet-8 (CIFAR-10).
 * Run: npm run bench -w @fuseflow/backend-systolic   (or: node --conditions=@fuseflow/source -r @swc-node/register bench/evaluations.bench.ts)
 * Target (spec section 5): >= 10,000 evaluations/s.
 */
import { SeededRandom } from '@fuseflow/ir';
import { AccelBenchEvaluator, type AccelConfig } from '../src/accelbench';
import { SystolicBackend } from '../src/backend';
import { AccelBenchDesignSpace, SystolicDesignSpace } from '../src/design-space';
import { accelConfig, resolveOptions, systolicConfig } from '../src/options';
import { evaluateSystolicNetwork, SystolicLayerStats, SystolicPhysics, type SystolicConfig } from '../src/systolic';
import { networkFromModelGraph } from '../src/workload';
import { resnet8Graph } from '../src/__fixtures__/resnet8';

function rng(seed: number): () => number {
  const g = new SeededRandom(seed);
  return () => g.next();
}

function measure(name: string, n: number, fn: (i: number) => number): number {
  // warm-up so the JIT has compiled the hot path before timing
  let sink = 0;
  for (let i = 0; i < Math.min(n, 2000); i++) sink += fn(i);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += fn(i);
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0);
  const cpu = (cu.user + cu.system) / 1e6;
  const rate = n / s;
  console.log(`${name.padEnd(58)} ${n.toString().padStart(7)} evals in ${s.toFixed(3)} s wall, ${cpu.toFixed(3)} CPU-s = ${Math.round(rate).toLocaleString('en-US').padStart(9)} evals/s wall, ${Math.round(n / cpu).toLocaleString('en-US')}/CPU-s  (checksum ${sink.toExponential(3)})`);
  return rate;
}

const graph = resnet8Graph();
const net = networkFromModelGraph(graph);
const convs = net.layers.filter((l) => l.kind === 'conv' || l.kind === 'gemm').length;
console.log(`network: ${net.name}, ${net.layers.length} layers (${convs} conv/gemm); node ${process.version}`);

const N = 200000;
const accelSpace = new AccelBenchDesignSpace({ clockMHz: 700, activationSparsity: 0.5, weightSparsity: 0.5 });
const accelConfigs: AccelConfig[] = accelSpace.sample(1024, rng(1)).map((c) => accelConfig(resolveOptions(c)));
const ev = new AccelBenchEvaluator(net);
const rateAccel = measure('AccelBench model, AccelBenchEvaluator.evaluate', N, (i) => ev.evaluate(accelConfigs[i & 1023]).cycles);

const sysSpace = new SystolicDesignSpace({ wordBytes: 1, clockMHz: 700 });
const sysConfigs: SystolicConfig[] = sysSpace.sample(1024, rng(2)).map((c) => systolicConfig(resolveOptions(c)));
const scratch = { s: new SystolicLayerStats(), ph: new SystolicPhysics() };
const rateSys = measure('systolic array model, evaluateSystolicNetwork', N, (i) => evaluateSystolicNetwork(net, sysConfigs[i & 1023], undefined, scratch).cycles);

// The full Backend.run path a searcher uses through the kernel: options validation, per-layer report, text.
const backend = new SystolicBackend({ model: 'accelbench', plot: false });
const hw = accelSpace.sample(256, rng(3));
const ctx = { seed: 1, baseDir: '.', outDir: '', shared: new Map() } as never;
const rateRun = measure('Backend.evaluate(ir with hardware) incl. validation + report', 20000, (i) => backend.evaluate({ stage: 'model', graph, hardware: hw[i & 255] }, ctx).metrics.cycles);

// AccelBench at its own size: BOSHCODE's 10,000 random accelerators, each evaluated once on the
// whole network through the backend (as a co-design searcher's candidate table is built).
console.log(`AccelBench space: ${accelSpace.size().toLocaleString('en-US')} configurations (the reference's 12-value grid x Pif in {1, 16})`);
const ten = accelSpace.sample(10000, rng(4));
const rateTen = measure('Backend.evaluate over 10,000 sampled accelerators (once each)', ten.length, (i) => backend.evaluate({ stage: 'model', graph, hardware: ten[i] }, ctx).metrics.cycles);

const ok = rateAccel >= 10000 && rateSys >= 10000 && rateTen >= 10000;
console.log(`target >= 10,000 evals/s: ${ok ? 'met' : 'NOT met'} (AccelBench ${Math.round(rateAccel)}, systolic ${Math.round(rateSys)}, full backend path ${Math.round(rateRun)}, 10k-sample table ${Math.round(rateTen)})`);
