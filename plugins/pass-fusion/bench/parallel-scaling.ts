/*
 * Parallel-scaling bench: SpMM Y = A_hat X on a generated Cora-size graph (2708 nodes, 10556
 * edges + self-loops, 16 dense features), the row level i dealt round-robin to P = 1, 2, 4, 8 lanes
 * (pass-parallelize -> pass-lower-sam fork/join -> rda-sim), values checked on every run.
 * The reference (Figure 15b) reports ~2.00x at P=2 and ~4.00x at P=4.
 *
 *   npm run bench:parallel -w @fuseflow/pass-fusion -- [--nodes N --edges E --features F]
 */
import * as path from 'node:path';
import { runManifest } from '@fuseflow/kernel';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const frontend = {
    use: path.join(__dirname, 'gcn-frontend.ts'),
    options: { kernel: 'spmm', nodes: Number(arg('nodes') ?? 2708), edges: Number(arg('edges') ?? 10556), features: Number(arg('features') ?? 16), seed: 25 },
  };
  const factors = [1, 2, 4, 8];
  const manifest = {
    name: 'spmm-parallel-scaling',
    seed: 25,
    frontend,
    backend: { use: 'rda-sim', options: { writeOutputs: false } },
    configurations: factors.map((p) => ({ name: `P=${p}`, passes: [{ use: 'parallelize', options: { factor: p, level: 'i' } }, { use: 'lower-sam' }] })),
  };
  const res = await runManifest(manifest as never, { outDir: path.join(__dirname, '..', '..', '..', 'out', 'spmm-parallel-scaling') });
  if (res.runs.length === 0) {
    console.log(`not run: ${res.error?.code} ${res.error?.message}`);
    return;
  }
  const base = res.runs[0].report?.metrics.cycles;
  console.log('P   cycles        speedup  ideal  values   wall');
  for (const r of res.runs) {
    if (!r.report) {
      console.log(`${String(r.configuration).padEnd(4)} failed: ${r.error?.code} ${r.error?.pluginCode ?? ''} ${r.error?.message?.split('\n')[0]}`);
      continue;
    }
    const p = Number(String(r.configuration).slice(2));
    const c = r.report.metrics.cycles;
    console.log(`${String(p).padEnd(3)} ${String(c).padStart(12)}  ${base ? (base / c).toFixed(2).padStart(6) : ''}x  ${String(p).padStart(4)}x  ${r.report.valuesChecked ? 'OK' : '--'}  ${((r.ms ?? 0) / 1000).toFixed(1)} s`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
