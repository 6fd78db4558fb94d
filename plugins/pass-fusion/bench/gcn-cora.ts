/*
 * GCN fusion bench: Z = A_hat relu(A_hat X W1) W2 on a generated Cora-size graph (2708 nodes,
 * 10556 edges + self-loops, 1433 features, hidden 16, 7 classes), three ways: unfused, per-layer
 * (partial) and fully fused. Prints the estimator's FLOPs/bytes (from the data's statistics) and,
 * when the lowering (lower-sam) and simulator (rda-sim) plugins are installed, the simulated
 * cycles / FLOPs / bytes through the kernel's runManifest (values checked on every run).
 *
 *   npm run bench -w @fuseflow/pass-fusion -- [--nodes N --edges E --features F] [--no-sim]
 */
import * as path from 'node:path';
import { runManifest } from '@fuseflow/kernel';
import { estimateCost, statsFromData, type TensorProgram } from '@fuseflow/ir';
import { fuseProgram, type Granularity } from '../src';
import { gcnModule } from './gcn-frontend';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const sizes = {
  nodes: Number(arg('nodes') ?? 2708),
  edges: Number(arg('edges') ?? 10556),
  features: Number(arg('features') ?? 1433),
  hidden: 16,
  classes: Number(arg('classes') ?? 7),
  seed: 25,
  weightDensity: 0.4,
};
const configs: Granularity[] = ['unfused', 'partial', 'full'];
const fmt = (x: number): string => (x >= 1e6 ? x.toExponential(3) : String(Math.round(x)));

async function main(): Promise<void> {
  const t0 = Date.now();
  const mod = gcnModule(sizes);
  console.log(`GCN ${sizes.nodes} nodes, ${mod.data.A.vals.length} adjacency entries (with self-loops), F=${sizes.features}, H=16, C=${sizes.classes}; data ${Date.now() - t0} ms`);
  const stats = statsFromData(mod.program, mod.data);
  console.log('\nestimator (cardinality model, stats measured from the generated data)');
  console.log('config    groups                              FLOPs        bytes        FLOPs/unfused bytes/unfused');
  let base: { flops: number; bytes: number } | undefined;
  const programs: Record<string, TensorProgram> = {};
  for (const g of configs) {
    const p = fuseProgram(mod.program, { granularity: g });
    programs[g] = p;
    const e = estimateCost(p, stats);
    base ??= e;
    const groups = p.groups!.map((x) => x.statements.join('+')).join(' | ');
    console.log(
      `${g.padEnd(9)} ${groups.padEnd(35)} ${fmt(e.flops).padStart(12)} ${fmt(e.bytes).padStart(12)} ${(e.flops / base.flops).toFixed(2).padStart(13)} ${(e.bytes / base.bytes).toFixed(2).padStart(13)}`,
    );
  }
  if (process.argv.includes('--no-sim')) return;

  const manifest = {
    name: 'gcn-fusion-bench',
    seed: 25,
    frontend: { use: path.join(__dirname, 'gcn-frontend.ts'), options: sizes },
    backend: { use: 'rda-sim', options: { writeOutputs: false } },
    configurations: configs.map((g) => ({ name: g, passes: [{ use: 'fusion', options: { granularity: g } }, { use: 'lower-sam' }] })),
  };
  console.log('\nsimulation (rda-sim, Comal timing profile, values checked against the reference evaluator)');
  const t1 = Date.now();
  const res = await runManifest(manifest as never, { outDir: path.join(__dirname, '..', '..', '..', 'out', 'gcn-fusion-bench') });
  if (!res.ok && res.runs.length === 0) {
    console.log(`  not run: ${res.error?.code} ${res.error?.message}`);
    return;
  }
  console.log('config    cycles         FLOPs          bytes          speedup vs unfused  FLOPs/unfused  wall');
  const unf = res.runs.find((r) => r.configuration === 'unfused')?.report?.metrics;
  for (const r of res.runs) {
    if (!r.report) {
      console.log(`${String(r.configuration).padEnd(9)} failed: ${r.error?.code} ${r.error?.message?.split('\n')[0]}`);
      continue;
    }
    const m = r.report.metrics;
    console.log(
      `${String(r.configuration).padEnd(9)} ${fmt(m.cycles).padStart(13)} ${fmt(m.flops).padStart(14)} ${fmt(m.bytes).padStart(14)} ${unf ? (unf.cycles / m.cycles).toFixed(2).padStart(18) : ''}x ${unf ? (m.flops / unf.flops).toFixed(2).padStart(13) : ''} ${((r.ms ?? 0) / 1000).toFixed(1)} s  values ${r.report.valuesChecked ? 'OK' : 'not checked'}`,
    );
  }
  console.log(`total wall ${((Date.now() - t1) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
