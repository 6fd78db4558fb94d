import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRunner, type Manifest } from '@fuseflow/kernel';
import { graphsageProgram } from './__fixtures__/graphsage';

// the kernel's runner service, as a searcher or command gets it: a session per run
const host = createRunner();

// Modules lowered by the real passes (loaded by the kernel by name, as `fuseflow simulate` does):
// a fused 2-layer GCN reads A twice (A(i,k) sliced, A(k,l) whole under its own name), the
// parallelized SpMSpM deals rows to lanes.
const gcn = `program gcn2
tensor A(120,120): dcsr input
tensor X(120,8): dense input
tensor W1(8,6): dense input
tensor W2(6,4): dense input
tensor T1(120,6): dense intermediate
tensor T2(120,6): dcsr intermediate
tensor H(120,6): dcsr intermediate
tensor T3(120,4): dense intermediate
tensor Z(120,4): dcsr output
a: T1(i,h) = X(i,f) * W1(f,h)
b: T2(i,h) = A(i,k) * T1(k,h)
c: H(i,h) = relu(T2(i,h))
d: T3(i,c) = H(i,h) * W2(h,c)
e: Z(i,c) = A(i,k) * T3(k,c)`;

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-sampling-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(fe: Record<string, unknown>, passes: unknown[], backend: Record<string, unknown>) {
  const m = {
    version: 1,
    name: 'sampling-pipeline',
    seed: 3,
    frontend: { use: '@fuseflow/frontend-expr', options: fe },
    passes: [...passes, 'lower-sam'],
    backend: { use: '@fuseflow/backend-rda-sim', options: { writeOutputs: false, ...backend } },
  } as Manifest;
  const r = await host.run(m, { baseDir: dir, outDir: path.join(dir, String(Math.random()).slice(2)) });
  return r;
}

type Sampling = { sampled: boolean; sampledUnits: number; totalUnits: number; ci95: [number, number]; perGraph: Array<{ index: string; compared: number }> };

describe('sampled simulation of lowered modules', () => {
  it('fused GCN (one tensor read along two indices): values checked on the sample, estimate near exact', async () => {
    const fe = { program: gcn, inputs: { A: 'gcnadj:120:360:seed=4', X: 'dense:120x8:seed=5' } };
    const passes = [{ use: 'fusion', options: { granularity: 'full' } }];
    const exact = await run(fe, passes, {});
    const sampled = await run(fe, passes, { sample: { fraction: 0.25, seed: 2 } });
    expect(exact.error).toBeUndefined();
    expect(sampled.error).toBeUndefined();
    const rep = sampled.runs[0].report!;
    const s = (rep.details as { sampling: Sampling }).sampling;
    const exactCycles = exact.runs[0].report!.metrics.cycles;
    expect(s.sampled).toBe(true);
    expect(s.totalUnits).toBe(120);
    expect(s.perGraph[0].index).toBe('i');
    expect(s.perGraph[0].compared).toBeGreaterThan(0);
    expect(rep.valuesChecked).toBe(true);
    expect(Math.abs(rep.metrics.cycles - exactCycles) / exactCycles).toBeLessThan(0.1);
    expect(rep.text).toMatch(/sampled \d+ of 120 units, 95 % CI/);
  }, 60000);

  it('parallel lanes and the kij loop order: estimate near exact; kij is FF_SAMPLE_UNSUPPORTED naming the index', async () => {
    const fe = (order: string) => ({
      expr: 'X(i,j) = B(i,k) * C(k,j)',
      order,
      formats: { B: order === 'kij' ? 'dcsc' : 'dcsr', C: 'dcsr', X: 'dcsr' },
      inputs: { B: 'uniform:160x160:0.04:seed=6', C: 'uniform:160x160:0.04:seed=7' },
    });
    const par = [{ use: 'parallelize', options: { factor: 2 } }];
    const exact = (await run(fe('ikj'), par, {})).runs[0].report!.metrics.cycles;
    const s = (await run(fe('ikj'), par, { sample: { fraction: 0.3 } })).runs[0].report!;
    expect(Math.abs(s.metrics.cycles - exact) / exact).toBeLessThan(0.1);
    const kij = await run(fe('kij'), [], { sample: { fraction: 0.3 } });
    const err = kij.error ?? kij.runs[0]?.error;
    expect(err?.message).toMatch(/FF_SAMPLE_UNSUPPORTED|cannot be sampled/);
    expect(err?.message).toMatch(/'k' is a reduction index/);
  }, 60000);

  it('few outer coordinates (heads): the units are the rows below them, every head kept; values checked, estimate near exact', async () => {
    // Y(b,i,j) = X(i,k) * W(b,k,j) with the 4 heads outermost, as GPT-3's per-head projections.
    const fe = {
      expr: 'Y(b,i,j) = X(i,k) * W(b,k,j)',
      order: 'bikj',
      formats: { X: 'dense', W: 'dcc', Y: 'ccc' },
      inputs: { X: 'uniform:320x24:0.5:seed=6', W: 'uniform:4x24x8:0.5:seed=7' },
    };
    const exact = await run(fe, [], {});
    const sampled = await run(fe, [], { sample: { fraction: 1 / 16, seed: 4 } });
    expect(exact.error).toBeUndefined();
    expect(sampled.error).toBeUndefined();
    const rep = sampled.runs[0].report!;
    const s = (rep.details as { sampling: Sampling }).sampling;
    const exactCycles = exact.runs[0].report!.metrics.cycles;
    expect(s.perGraph[0].index).toBe('i');
    expect(s.totalUnits).toBe(320);
    expect(s.sampledUnits).toBe(20);
    // every head of the 20 sampled rows: 4 x 20 x 8 output elements at most
    expect(s.perGraph[0].compared).toBeGreaterThan(20 * 8);
    expect(rep.valuesChecked).toBe(true);
    expect(Math.abs(rep.metrics.cycles - exactCycles) / exactCycles).toBeLessThan(0.05);
  }, 60000);

  it('few outer coordinates with heavy work above the finer index (fully fused SAE): the units stay the batch rows', async () => {
    // The encoder of [i f k j] reads X and W_enc above the decoder's columns j: sampling j would
    // simulate the encoder whole in every batch (2,693 CPU-s for fig12's SAE NIH, 4.5x exact).
    const program = `program sae
tensor X(32,400): dense input
tensor We(400,12): dcsr input
tensor Wd(12,400): dcsr input
tensor H(32,12): dense intermediate
tensor Y(32,400): dense output
e: H(i,k) = X(i,f) * We(f,k)
d: Y(i,j) = H(i,k) * Wd(k,j)`;
    const fe = { program, inputs: { X: 'dense:32x400:seed=3', We: 'uniform:400x12:0.3:seed=4', Wd: 'uniform:12x400:0.3:seed=5' } };
    const passes = [{ use: 'fusion', options: { granularity: 'full' } }];
    const exact = await run(fe, passes, {});
    const sampled = await run(fe, passes, { sample: { fraction: 1 / 16, seed: 7 } });
    expect(exact.error ?? exact.runs[0].error).toBeUndefined();
    expect(sampled.error ?? sampled.runs[0].error).toBeUndefined();
    const rep = sampled.runs[0].report!;
    const s = (rep.details as { sampling: Sampling }).sampling;
    expect(s.perGraph).toHaveLength(1);
    expect(s.perGraph[0].index).toBe('i');
    expect(s.totalUnits).toBe(32);
    // one unit per batch at least: 8 of the 32 rows
    expect(s.sampledUnits).toBe(8);
    expect(s.perGraph[0].compared).toBeGreaterThan(0);
    const exactCycles = exact.runs[0].report!.metrics.cycles;
    expect(Math.abs(rep.metrics.cycles - exactCycles) / exactCycles).toBeLessThan(0.05);
  }, 60000);

  it('fully fused GraphSAGE-style layers (bias broadcast by a ones vector, empty adjacency rows): sampled values check', async () => {
    // The shape of examples/graphsage fully fused, which failed its sampled value check
    // (FF_VALUE_MISMATCH on relu_1) before lower-sam kept the presence of fused dense
    // intermediates (79d36a6, 51b8726): rows without neighbours take the bias alone.
    const v = 160;
    const program = graphsageProgram(v, 6, 4, 3);
    const fe = {
      program,
      inputs: {
        A: `uniform:${v}x${v}:0.01:seed=8`,
        X: `dense:${v}x6:seed=9`,
        // a dense vector as PyTorch imports broadcast a bias (its values need not be ones here)
        one: `dense:${v}:seed=16`,
        W1s: 'uniform:6x4:0.4:seed=10', W1n: 'uniform:6x4:0.4:seed=11', W2s: 'uniform:4x3:0.4:seed=12', W2n: 'uniform:4x3:0.4:seed=13', b1: 'dense:4:seed=14', b2: 'dense:3:seed=15',
      },
    };
    const passes = [{ use: 'fusion', options: { granularity: 'full' } }];
    const exact = await run(fe, passes, {});
    expect(exact.error).toBeUndefined();
    for (const seed of [1, 25]) {
      const sampled = await run(fe, passes, { sample: { fraction: 0.05, seed } });
      expect(sampled.error ?? sampled.runs[0].error).toBeUndefined();
      const rep = sampled.runs[0].report!;
      expect(rep.valuesChecked).toBe(true);
      expect((rep.details as { sampling: Sampling }).sampling.perGraph[0].compared).toBeGreaterThan(0);
    }
  }, 60000);
});
