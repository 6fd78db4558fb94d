/**
 * The four bundled applications end to end (small variants): the real PyTorch export is imported
 * by frontend-pytorch, fused three ways by pass-fusion, lowered by pass-lower-sam and simulated by
 * backend-rda-sim, whose value check compares every output with the reference evaluator.
 * (frontend-pytorch's torch.spec.ts ties the reference evaluator's program to PyTorch's outputs.)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runManifest } from '@fuseflow/kernel';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', '..', 'examples');

type Run = Awaited<ReturnType<typeof runManifest>>;

async function run(manifest: string | Record<string, unknown>, baseDir?: string): Promise<Run> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-apps-'));
  const res = await runManifest(manifest as never, { outDir, ...(baseDir ? { baseDir } : {}) });
  fs.rmSync(outDir, { recursive: true, force: true });
  return res;
}

/** Every configuration ran, its values were checked, and the headline metrics are positive. */
function expectAllChecked(res: Run, configs = ['unfused', 'partially fused', 'fully fused']): Record<string, Record<string, number>> {
  const errors = res.runs.filter((r) => r.error).map((r) => `${r.configuration}: ${r.error!.code} ${r.error!.message}`);
  expect(errors).toEqual([]);
  expect(res.ok).toBe(true);
  expect(res.runs.map((r) => r.configuration)).toEqual(configs);
  const metrics: Record<string, Record<string, number>> = {};
  for (const r of res.runs) {
    expect(r.report?.valuesChecked).toBe(true);
    expect(r.report!.metrics.cycles).toBeGreaterThan(0);
    expect(r.report!.metrics.flops).toBeGreaterThan(0);
    metrics[r.configuration!] = r.report!.metrics;
  }
  return metrics;
}

describe('bundled applications through the simulator (small variants)', () => {
  it('GCN: three configurations simulate with checked values; full fusion recomputes (more FLOPs)', async () => {
    const m = expectAllChecked(await run(path.join(EXAMPLES, 'gcn', 'small.json')));
    expect(m['fully fused'].flops).toBeGreaterThan(m.unfused.flops);
  }, 120_000);

  it('GraphSAGE: three configurations simulate with checked values', async () => {
    expectAllChecked(await run(path.join(EXAMPLES, 'graphsage', 'small.json')));
  }, 120_000);

  it('SAE: three configurations simulate with checked values', async () => {
    expectAllChecked(await run(path.join(EXAMPLES, 'sae', 'small.json')));
  }, 120_000);

  it('GPT-3 layer with BigBird attention (tiny: seq 32, block 8): the unfused kernels simulate with checked values', async () => {
    const small = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'gpt3', 'small.json'), 'utf8'));
    const o = small.frontend.options;
    // shrink every generated shape: seq 64 -> 32, d_model 128 -> 32, FFN 256 -> 32 (2 heads of 64 stay)
    const shrink = (g: string): string => g.replace(/\b64x128\b/, '32x32').replace(/bigbird:64:8/, 'bigbird:32:8').replace(/\b128x256\b/, '32x32').replace(/\b256x128\b/, '32x32').replace(/2x128x64/, '2x32x64').replace(/2x64x128/, '2x64x32').replace(/dense:256\b/, 'dense:32').replace(/dense:128\b/, 'dense:32');
    for (const src of [...Object.values(o.inputs), ...Object.values(o.weights)] as Array<{ generate?: string }>) if (src.generate) src.generate = shrink(src.generate);
    o.resize = true;
    // the fused attention / FFN kernels recompute per output element: minutes even at this size,
    // so the unit test simulates the unfused kernels (examples/gpt3/small.json runs all three)
    small.configurations = small.configurations.filter((c: { name: string }) => c.name === 'unfused');
    small.name = 'gpt3-tiny';
    expectAllChecked(await run(small, path.join(EXAMPLES, 'gpt3')), ['unfused']);
  }, 180_000);
});
