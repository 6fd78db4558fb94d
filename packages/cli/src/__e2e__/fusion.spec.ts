import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { simulateModule, type ModuleResult } from '@fuseflow/backend-rda-sim';
import {
  denseRandom,
  estimateCost,
  gcnNormalizedAdjacency,
  gcnProgram,
  nestedMatmulProgram,
  parseProgram,
  powerLawGraph,
  statsFromData,
  uniformRandom,
  type TensorBindings,
  type TensorProgram,
} from '@fuseflow/ir';
import { groupLoopOrders, chooseLoopOrders } from '@fuseflow/pass-dataflow-order';
import { fuseProgram, type Granularity } from '@fuseflow/pass-fusion';
import { lowerProgram } from '@fuseflow/pass-lower-sam';
import { parallelizeProgram } from '@fuseflow/pass-parallelize';
import { blockProgram } from '@fuseflow/pass-sparsity-blocking';
import { memoryIo } from '../io';
import { runCli } from '../main';

/*
 * End-to-end metamorphic tests of the fusion optimizations through the lowering and the RDA
 * simulator: every configuration must produce the reference evaluator's values (simulateModule
 * checks every program output and throws FF_VALUE_MISMATCH otherwise); only cycles and counters
 * change. Sizes are scaled down to keep the file well under a minute; the Cora-size run is
 * plugins/pass-fusion/bench/gcn-cora.ts.
 */

function simulate(program: TensorProgram, data: TensorBindings): ModuleResult {
  const graphs = lowerProgram(program, {} as never);
  const r = simulateModule({ stage: 'dataflow', program, data, graphs });
  expect(r.valuesChecked).toBe(true);
  return r;
}

describe('GCN through lowering + simulator: unfused, per layer, fully fused', () => {
  const n = 200;
  const program = gcnProgram(n, 16, 8, 4);
  const data: TensorBindings = {
    A: gcnNormalizedAdjacency(powerLawGraph({ nodes: n, edges: 800, seed: 25, format: 'dcsr' })),
    X: denseRandom({ shape: [n, 16], seed: 26 }),
    W1: uniformRandom({ shape: [16, 8], density: 0.6, seed: 27, format: 'dcsr' }),
    W2: uniformRandom({ shape: [8, 4], density: 0.6, seed: 28, format: 'dcsr' }),
  };
  const runs = {} as Record<Granularity, ModuleResult>;
  const est = {} as Record<Granularity, { flops: number; bytes: number }>;
  beforeAll(() => {
    const stats = statsFromData(program, data);
    for (const g of ['unfused', 'partial', 'full'] as Granularity[]) {
      const p = fuseProgram(program, { granularity: g });
      runs[g] = simulate(p, data);
      est[g] = estimateCost(p, stats);
    }
  });

  it('all three configurations produce the reference values (checked inside simulateModule)', () => {
    expect(runs.unfused.graphs).toHaveLength(5);
    expect(runs.partial.graphs).toHaveLength(2);
    expect(runs.full.graphs).toHaveLength(1);
  });

  it('per-layer fusion beats unfused, which beats full fusion (the paper\'s GNN trend)', () => {
    expect(runs.partial.cycles).toBeLessThan(runs.unfused.cycles);
    expect(runs.unfused.cycles).toBeLessThan(runs.full.cycles);
  });

  it('fully fused shows the recomputation blow-up in FLOPs; per layer keeps the unfused FLOPs', () => {
    expect(runs.full.flops / runs.unfused.flops).toBeGreaterThan(3);
    expect(runs.partial.flops).toBe(runs.unfused.flops);
    expect(runs.full.bytes).toBeGreaterThan(runs.unfused.bytes);
    // the analytic estimator ranks the three the same way on both axes
    expect(est.full.flops / est.unfused.flops).toBeGreaterThan(2);
    expect(est.partial.bytes).toBeLessThan(est.unfused.bytes);
  });
});

describe('every valid loop order of a fused group gives the same values', () => {
  it('(A*B)*C with column-major B and C: 3 orders, all correct, timing differs', () => {
    const p = nestedMatmulProgram([12, 12, 12, 12]);
    const data: TensorBindings = {
      A: uniformRandom({ shape: [12, 12], density: 0.3, seed: 1, format: 'dcsr' }),
      B: uniformRandom({ shape: [12, 12], density: 0.3, seed: 2, format: 'dcsc' }),
      C: uniformRandom({ shape: [12, 12], density: 0.3, seed: 3, format: 'dcsc' }),
    };
    const orders = groupLoopOrders(p)[0].orders;
    expect(orders).toHaveLength(3);
    const cycles = orders.map((_, k) => simulate(chooseLoopOrders(p, { order: k }), data).cycles);
    expect(new Set(cycles).size).toBeGreaterThan(1);
  });
});

describe('random programs: every contiguous grouping gives the unfused values', () => {
  const programs = [
    `program r1
tensor A(10,10): dcsr input
tensor B(10,10): dense input
tensor b(10): dense input
tensor T0(10,10): dcsr intermediate
tensor T1(10,10): dcsr intermediate
tensor Y(10,10): dense output
s0: T0(i,j) = A(i,k) * B(k,j)
s1: T1(i,j) = relu(T0(i,j) + b(j))
s2: Y(i,j) = T1(i,k) * A(k,j)`,
    `program r2
tensor A(9,9): dcsr input
tensor B(9,9): dcsr input
tensor T0(9,9): dcsr intermediate
tensor T1(9,9): dcsr intermediate
tensor Y(9,9): dense output
s0: T0(i,j) = A(i,j) * B(i,j)
s1: T1(i,j) = T0(i,k) * T0(k,j)
s2: Y(i,j) = T1(i,j) - A(i,j)`,
  ];
  it.each(programs.map((t, k) => [k + 1, t]))('program r%i', (_k, text) => {
    const p = parseProgram(text as string);
    const data: TensorBindings = {};
    Object.values(p.tensors)
      .filter((t) => t.role === 'input')
      .forEach((t, k) => {
        data[t.name] =
          t.shape.length === 1
            ? denseRandom({ shape: t.shape, seed: 40 + k })
            : t.format.levels.includes('compressed')
              ? uniformRandom({ shape: t.shape, density: 0.35, seed: 40 + k, format: t.format })
              : denseRandom({ shape: t.shape, seed: 40 + k });
      });
    for (const g of ['unfused', 'partial', 'full'] as Granularity[]) simulate(fuseProgram(p, { granularity: g }), data);
    simulate(fuseProgram(p, { groups: [['s0', 's1'], ['s2']] }), data);
    simulate(fuseProgram(p, { groups: [['s0'], ['s1', 's2']] }), data);
  });
});

describe('sparsity blocking through the simulator', () => {
  it('blocked SpMM at N = 2, 4, 8 gives the unblocked values; tiles cut the token count', () => {
    const p = parseProgram(`
program spmm
tensor A(32,32): dcsr input
tensor X(32,8): dense input
tensor Y(32,8): dense output
s0: Y(i,j) = A(i,k) * X(k,j)
`);
    const data: TensorBindings = {
      A: powerLawGraph({ nodes: 32, edges: 120, seed: 9, format: 'dcsr' }),
      X: denseRandom({ shape: [32, 8], seed: 10 }),
    };
    const scalar = simulate(p, data);
    for (const size of [2, 4, 8]) {
      const b = blockProgram(p, data, { size });
      const r = simulate(b.program, b.data);
      expect(r.tokens).toBeLessThan(scalar.tokens);
    }
  });
});

describe('parallelization through the simulator', () => {
  it('SpMM rows dealt to P = 1, 2, 4 lanes: same values, near-linear cycle reduction', () => {
    const p = parseProgram(`
program spmm
tensor A(120,120): dcsr input
tensor X(120,8): dense input
tensor Y(120,8): dense output
s0: Y(i,j) = A(i,k) * X(k,j)
`);
    const data: TensorBindings = {
      A: gcnNormalizedAdjacency(powerLawGraph({ nodes: 120, edges: 480, seed: 11, format: 'dcsr' })),
      X: denseRandom({ shape: [120, 8], seed: 12 }),
    };
    const cycles = [1, 2, 4].map((factor) => simulate(parallelizeProgram(p, { factor, level: 'i' }), data).cycles);
    expect(cycles[0] / cycles[1]).toBeGreaterThan(1.5);
    expect(cycles[0] / cycles[2]).toBeGreaterThan(2.5);
  });

  it('a fused GCN layer parallelized at its outer level keeps its values', () => {
    const p = fuseProgram(gcnProgram(60, 8, 4, 3), { granularity: 'partial' });
    const data: TensorBindings = {
      A: gcnNormalizedAdjacency(powerLawGraph({ nodes: 60, edges: 200, seed: 13, format: 'dcsr' })),
      X: denseRandom({ shape: [60, 8], seed: 14 }),
      W1: uniformRandom({ shape: [8, 4], density: 0.6, seed: 15, format: 'dcsr' }),
      W2: uniformRandom({ shape: [4, 3], density: 0.6, seed: 16, format: 'dcsr' }),
    };
    const base = simulate(p, data);
    const par = simulate(parallelizeProgram(p, { factor: 4, level: 'outer' }), data);
    expect(par.cycles).toBeLessThan(base.cycles);
  });
});

describe('fuseflow run / simulate with the fusion passes (CLI)', () => {
  const GCN_FX = path.join(__dirname, '..', '..', '..', '..', 'examples', 'gcn', 'gcn.fx.json');
  function project(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-fusion-e2e-'));
    fs.writeFileSync(
      path.join(dir, 'gcn.json'),
      JSON.stringify({
        name: 'gcn-small',
        seed: 25,
        frontend: {
          use: 'pytorch',
          options: {
            model: GCN_FX,
            resize: true,
            inputs: { A: { format: 'dcsr', generate: 'gcnadj:30:90:seed=3' }, X: { format: 'dense', generate: 'dense:30x8' } },
            weights: {
              W1: { format: 'dcsr', generate: 'uniform:8x16:0.6' },
              b1: { generate: 'dense:16' },
              W2: { format: 'dcsr', generate: 'uniform:16x7:0.6' },
              b2: { generate: 'dense:7' },
            },
          },
        },
        passes: ['lower-sam'],
        backend: { use: 'rda-sim', options: { writeOutputs: false } },
      }),
    );
    return dir;
  }

  it('run --passes "fusion{granularity=full},dataflow-order{order=best-estimate},lower-sam" simulates the PyTorch GCN, values checked', async () => {
    const dir = project();
    const io = memoryIo(dir);
    const code = await runCli(['--json', '-q', 'run', 'gcn.json', '--passes', 'fusion{granularity=full},dataflow-order{order=best-estimate},lower-sam'], io);
    expect(io.err.join('\n')).toBe('');
    const res = JSON.parse(io.out.join('\n'));
    expect(res.runs[0].error).toBeUndefined();
    expect(code).toBe(0);
    expect(res.runs[0].report.valuesChecked).toBe(true);
    expect(res.runs[0].report.metrics.cycles).toBeGreaterThan(0);
    expect(res.runs[0].passes.map((p: { pass: string }) => p.pass)).toEqual(['fusion', 'dataflow-order', 'lower-sam']);
    expect(res.runs[0].passes[0].stats.groups).toBe(1);
    // best-estimate orders every candidate of the one fused GCN group: seconds of CPU, more under load
  }, 60_000);

  it('simulate --passes "parallelize{factor=4}" runs a one-statement experiment with values checked', async () => {
    const dir = project();
    const io = memoryIo(dir);
    const args = ['simulate', '--expr', 'Y(i,j) = A(i,k) * X(k,j)', '--format', 'A=dcsr', '--gen', 'A=uniform:32x32:0.2:seed=4', '--gen', 'X=dense:32x8'];
    const code = await runCli([...args, '--passes', 'parallelize{factor=4}', '--json'], io);
    expect(io.err.join('\n')).toBe('');
    expect(code).toBe(0);
    const one = memoryIo(dir);
    expect(await runCli([...args, '--json'], one)).toBe(0);
    const cyclesOf = (lines: string[]): number => Number(/"cycles":\s*(\d+)/.exec(lines.join('\n'))![1]);
    expect(cyclesOf(io.out)).toBeLessThan(cyclesOf(one.out));
    expect(io.out.join('\n')).toMatch(/"valuesChecked":\s*true/);
  });

  it('bad option values give the plugin schema error naming the key', async () => {
    const dir = project();
    const io = memoryIo(dir);
    expect(await runCli(['run', 'gcn.json', '--passes', 'fusion{granularity=fullest},lower-sam'], io)).not.toBe(0);
    expect(io.err.join('\n')).toMatch(/FF_OPTIONS_INVALID.*granularity/s);
    const io2 = memoryIo(dir);
    expect(await runCli(['simulate', '--expr', 'Y(i,j) = A(i,k) * X(k,j)', '--format', 'A=dcsr', '--passes', 'parallelize{factor=0}'], io2)).not.toBe(0);
    expect(io2.err.join('\n')).toMatch(/FF_OPTIONS_INVALID.*factor/s);
  });
});
