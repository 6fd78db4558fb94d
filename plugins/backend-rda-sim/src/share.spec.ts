import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRunner, type Manifest } from '@fuseflow/kernel';

// the kernel's runner service, as a searcher or command gets it: a session per run
const host = createRunner();

// Graphs lowered by the real passes with shared intermediates (pass-fusion `intermediates`): a
// fused GCN layer followed by a row softmax, where A is read along i and along k and the softmax
// uses the layer's output four times.
const gcnSoftmax = `program gcn_softmax
tensor A(60,60): dcsr input
tensor X(60,6): dense input
tensor W(6,5): dense input
tensor T(60,6): dcsr intermediate
tensor H(60,5): dense intermediate
tensor Z(60,5): dense intermediate
tensor mx(60): dense intermediate
tensor E(60,5): dense intermediate
tensor sm(60): dense intermediate
tensor Y(60,5): dense output
agg1: T(i,f) = A(i,k) * X(k,f)
lin1: H(i,h) = relu(T(i,f) * W(f,h))
agg2: Z(i,h) = A(i,k) * H(k,h)
smax: mx(i) = max(j, Z(i,j))
sexp: E(i,h) = exp(Z(i,h) - mx(i))
ssum: sm(i) = sum(j, E(i,j))
sdiv: Y(i,h) = E(i,h) / sm(i)`;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-share-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(mode: 'share' | 'recompute', backend: Record<string, unknown>) {
  const m = {
    version: 1,
    name: 'share',
    seed: 3,
    frontend: { use: '@fuseflow/frontend-expr', options: { program: gcnSoftmax, inputs: { A: 'gcnadj:60:200:seed=4', X: 'dense:60x6:seed=5', W: 'dense:6x5:seed=6' } } },
    passes: [{ use: 'fusion', options: { granularity: 'full', intermediates: mode } }, { use: 'dataflow-order', options: { order: 'best-estimate' } }, 'lower-sam'],
    backend: { use: '@fuseflow/backend-rda-sim', options: { writeOutputs: false, ...backend } },
  } as Manifest;
  const r = await host.run(m, { baseDir: dir, outDir: path.join(dir, String(Math.random()).slice(2)) });
  expect(r.error).toBeUndefined();
  return r.runs[0].report!;
}

describe('shared intermediates on the simulator', () => {
  it('share vs recompute: both checked against the reference, fewer FLOPs and bytes shared; fast == reference engine', async () => {
    const share = await run('share', { engine: 'fast' });
    const shareRef = await run('share', { engine: 'reference' });
    const rec = await run('recompute', {});
    for (const r of [share, shareRef, rec]) expect(r.valuesChecked).toBe(true);
    expect(share.metrics.flops).toBeLessThan(rec.metrics.flops / 2);
    expect(share.metrics.bytes).toBeLessThan(rec.metrics.bytes);
    expect(shareRef.metrics.cycles).toBe(share.metrics.cycles);
    expect(shareRef.metrics.flops).toBe(share.metrics.flops);
    expect(shareRef.metrics.bytes).toBe(share.metrics.bytes);
  }, 60_000);

  it('a sampled run of the shared graph (A read along two indices) checks its values', async () => {
    const exact = await run('share', {});
    const sampled = await run('share', { sample: { fraction: 0.25, seed: 2 } });
    expect(sampled.valuesChecked).toBe(true);
    expect((sampled.details as { sampling: { sampled: boolean } }).sampling.sampled).toBe(true);
    // extrapolated counters near the exact ones
    expect(Math.abs(sampled.metrics.flops / exact.metrics.flops - 1)).toBeLessThan(0.25);
  }, 60_000);
});
