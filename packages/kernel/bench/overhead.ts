/**
 * Kernel overhead per pipeline run, as a searcher sees it: PIPELINE_RUNNER.runPipeline on the toy
 * GCN pipeline (resolve + child container + register + frontend + pass + backend), compared with
 * calling the same plugin objects directly. Run: npm run bench -w @fuseflow/kernel
 */
import 'reflect-metadata';
import * as path from 'node:path';
import { runManifest } from '../src/runner';
import { gcnManifest, tempDir, TOY_PLUGINS_DIR } from '../src/__fixtures__/toy';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 500);
  const values = Array.from({ length: n }, (_, i) => 1 + (i % 16));
  const dir = tempDir('ff-bench-');
  const t0 = performance.now();
  const res = await runManifest(gcnManifest({ configurations: undefined, search: { use: 'grid', options: { option: 'lanes', values } } }) as never, { baseDir: dir, outDir: path.join(dir, 'out') });
  const ms = performance.now() - t0;
  if (!res.ok) throw new Error(`${res.error?.code}: ${res.error?.message}`);
  // the same work without the kernel: the plugins' classes called directly
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { TensorTextFrontend } = require(path.join(TOY_PLUGINS_DIR, 'frontend-tensor-text'));
  const { ToyFusePass } = require(path.join(TOY_PLUGINS_DIR, 'pass-toy-fuse'));
  const { DenseEvalBackend } = require(path.join(TOY_PLUGINS_DIR, 'backend-dense-eval'));
  /* eslint-enable @typescript-eslint/no-require-imports */
  const file = gcnManifest().frontend as { options: { file: string } };
  const ctx = { seed: 7, baseDir: dir, progress: () => undefined };
  const t1 = performance.now();
  for (const lanes of values) {
    const ir = new TensorTextFrontend({ file: file.options.file }).load(ctx);
    const out = new ToyFusePass({ granularity: 'none' }).run(ir, ctx);
    new DenseEvalBackend({ lanes, bytesPerCycle: 16 }).run(out, ctx);
  }
  const direct = performance.now() - t1;
  console.log(`${n} pipeline runs through the kernel: ${ms.toFixed(0)} ms (${((ms / n) * 1000).toFixed(0)} us/run, ${(n / (ms / 1000)).toFixed(0)} runs/s)`);
  console.log(`same work calling the plugins directly: ${direct.toFixed(0)} ms (${((direct / n) * 1000).toFixed(0)} us/run)`);
  console.log(`kernel overhead: ${(((ms - direct) / n) * 1000).toFixed(0)} us/run`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
