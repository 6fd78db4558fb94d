import 'reflect-metadata';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container } from 'tsyringe';
import { BACKEND, createKernelEmitter, type Backend, type RunContext } from '@fuseflow/kernel';
import plugin, { defaultOptions, SystolicBackend, networkFromModelGraph, systolicCommand } from './index';
import type { HardwareDesignSpace } from './deps';
import { lenetGraph } from './__fixtures__/lenet';
import { loadOracle } from './__fixtures__/scale-sim-oracle';

function ctx(outDir = mkdtempSync(join(tmpdir(), 'ff-systolic-'))): RunContext {
  return {
    seed: 1,
    baseDir: outDir,
    outDir,
    events: createKernelEmitter(),
    container: container.createChildContainer(),
    diagnostic: () => undefined,
    progress: () => undefined,
  };
}

// LeNet-5 on an 8x8 OS array, full (SCALE-Sim) skew, stall-free bandwidth, batch 1:
//   conv1 M = 28*28 = 784, K = 25, N = 6:  98 x 1 folds x (16 + 8 + 25 - 2 = 47)  = 4606
//   pool1 6*14*14 outputs x 4 taps / 8 lanes                                          =  588
//   conv2 M = 100, K = 150, N = 16:       13 x 2 folds x (16 + 8 + 150 - 2 = 172)   = 4472
//   pool2 16*5*5 x 4 / 8                                                              =  200
//   fc1   M = 1, K = 400, N = 120:         1 x 15 folds x (16 + 8 + 400 - 2 = 422)  = 6330
//   fc2   K = 120, N = 84:                 1 x 11 folds x (16 + 8 + 120 - 2 = 142)  = 1562
//   fc3   K = 84, N = 10:                  1 x 2 folds x (16 + 8 + 84 - 2 = 106)    =  212
//   total 17970 cycles; MACs 117600 + 240000 + 48000 + 10080 + 840 = 416520.
const LENET_OPTS = { arrayHeight: 8, arrayWidth: 8, dataflow: 'os' as const, bandwidth: 1e6, foldSkew: 'full' as const, plot: false };

describe('systolic backend plugin', () => {
  it('registers a BACKEND contribution with a design space and the systolic CLI command', () => {
    const c = container.createChildContainer();
    plugin.register(c, { ...defaultOptions, model: 'accelbench' });
    const b = c.resolveAll<Backend>(BACKEND)[0];
    expect(b.id).toBe('systolic');
    expect(b.consumes).toEqual(['model']);
    expect((b.designSpace as HardwareDesignSpace | undefined)?.dimensions).toHaveLength(13);
    expect(plugin.commands?.map((x) => x.name)).toEqual(['systolic']);
  });

  it('extracts LeNet-5 layers from a ModelGraph (relu fused, flatten free)', () => {
    const net = networkFromModelGraph(lenetGraph());
    expect(net.layers.map((l) => `${l.name}:${l.kind}${l.fused ? '*' : ''}`)).toEqual([
      'conv1:conv',
      'relu1:eltwise*',
      'pool1:pool',
      'conv2:conv',
      'relu2:eltwise*',
      'pool2:pool',
      'fc1:gemm',
      'relu3:eltwise*',
      'fc2:gemm',
      'relu4:eltwise*',
      'fc3:gemm',
    ]);
  });

  it('reports hand-computed LeNet-5 cycles with per-layer rows and text', async () => {
    const backend = new SystolicBackend(LENET_OPTS);
    const r = await backend.run({ stage: 'model', graph: lenetGraph() }, ctx());
    expect(r.metrics.cycles).toBe(17970);
    expect(r.metrics.macs).toBe(416520);
    expect(r.metrics.utilization).toBeCloseTo(416520 / (64 * 17970), 12);
    expect(r.metrics.latencyS).toBeCloseTo(17970 / 700e6, 18);
    for (const k of ['energyJ', 'dynamicEnergyJ', 'leakageEnergyJ', 'areaMm2', 'edp']) expect(r.metrics[k]).toBeGreaterThan(0);
    const rows = (r.details as { layers: Array<{ layer: string; cycles: number }> }).layers;
    expect(rows.filter((x) => x.cycles > 0).map((x) => [x.layer, x.cycles])).toEqual([
      ['conv1', 4606],
      ['pool1', 588],
      ['conv2', 4472],
      ['pool2', 200],
      ['fc1', 6330],
      ['fc2', 1562],
      ['fc3', 212],
    ]);
    expect(r.text).toMatch(/lenet5 on systolic array 8x8 OS/);
    expect(r.text).toMatch(/total: 17970 cycles/);
  });

  it('evaluates ir.hardware (a design-space sample) instead of its options', async () => {
    const backend = new SystolicBackend(LENET_OPTS);
    const graph = lenetGraph();
    const wider = await backend.run({ stage: 'model', graph, hardware: { arrayHeight: 16, arrayWidth: 16 } }, ctx());
    expect(wider.metrics.cycles).toBeLessThan(17970);
    const accel = new SystolicBackend({ model: 'accelbench', plot: false });
    const [hw] = accel.designSpace.sample(1, () => 0.5);
    const r = await accel.run({ stage: 'model', graph, hardware: hw }, ctx());
    expect(r.details).toMatchObject({ model: 'accelbench', hardware: { Pib: hw.Pib, batch: hw.batch } });
    expect(r.metrics.cycles).toBeGreaterThan(0);
  });

  it('rejects an invalid hardware override with FF_OPTIONS_INVALID', async () => {
    const backend = new SystolicBackend(LENET_OPTS);
    await expect(backend.run({ stage: 'model', graph: lenetGraph(), hardware: { memType: 'HBM', memConfig: 3 } }, ctx())).rejects.toMatchObject({ code: 'FF_OPTIONS_INVALID', path: '/hardware/memConfig' });
  });

  it('names the op it cannot model', () => {
    const g = lenetGraph();
    g.ops[2] = { ...g.ops[2], op: 'lp_pool' };
    expect(() => networkFromModelGraph(g)).toThrow(/op 'pool1': the systolic backend has no model for 'lp_pool'/);
  });

  it('reads a topology option when the IR carries no graph', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ff-systolic-'));
    writeFileSync(join(dir, 'l.csv'), 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc, 5, 5, 3, 3, 2, 4, 1,\n');
    const b = new SystolicBackend({ arrayHeight: 4, arrayWidth: 4, topology: 'l.csv', bandwidth: 1e6, foldSkew: 'full', plot: false });
    // conv 5x5x2, 3x3, 4 filters on 4x4 OS: 84 cycles (systolic.spec.ts).
    expect((await b.run({ stage: 'model' }, ctx(dir))).metrics.cycles).toBe(84);
  });
});

describe('fuseflow systolic (CLI command)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ff-systolic-cli-'));
  writeFileSync(join(dir, 'l.csv'), 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc, 5, 5, 3, 3, 2, 4, 1,\nfc, 1, 1, 1, 1, 36, 10, 1,\n');
  writeFileSync(join(dir, 's.cfg'), '[architecture_presets]\nArrayHeight: 2\nArrayWidth: 2\nDataflow: is\nBandwidth: 1000000\n');
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    return { out, err, io: { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s), cwd: dir, isTTY: false } };
  };

  it('prints per-layer JSON; flags override the .cfg', () => {
    const t = io();
    expect(systolicCommand({ topology: 'l.csv', config: 's.cfg', array: '4x4', dataflow: 'ws', json: true }, t.io)).toBe(0);
    const r = JSON.parse(t.out.join(''));
    expect(r.hardware).toMatchObject({ arrayHeight: 4, arrayWidth: 4, dataflow: 'ws', bandwidth: 1000000, foldSkew: 'occupied' });
    // conv WS (Sr = K = 18, Sc = N = 4, T = M = 9), occupied skew: row folds of 4,4,4,4,2 rows x 4
    // columns: 4 x (8 + 4 + 9 - 2) + (4 + 4 + 9 - 2) = 76 + 15 = 91.
    // fc (1x1 conv, M = 1, K = 36, N = 10): Sr = 36 -> 9 row folds, Sc = 10 -> 3 col folds, T = 1:
    // 2*36*3 + 10*9 + 27*(1-2) = 279.
    expect(r.layers.map((l: { cycles: number }) => l.cycles)).toEqual([91, 279]);
    expect(r.layers[0].detail).toMatchObject({ sramFilterReads: 72, dramIfmapReads: 50 });
    // SCALE-Sim's padded folds: conv 5 x (8 + 4 + 9 - 2) = 95; fc 27 x (8 + 4 + 1 - 2) = 297.
    const full = io();
    expect(systolicCommand({ topology: 'l.csv', config: 's.cfg', array: '4x4', dataflow: 'ws', json: true, foldSkew: 'full' }, full.io)).toBe(0);
    expect(JSON.parse(full.out.join('')).layers.map((l: { cycles: number }) => l.cycles)).toEqual([95, 297]);
  });

  it('--fold-skew scalesim with a CALC .cfg reproduces SCALE-Sim v2 (fixture runs: LeNet conv1 8x8 OS 3821, ResNet-8 conv1 32x32 WS)', () => {
    const cases = loadOracle('scale-sim-parity.json').filter((o) => (o.name === 'lenet-conv1' && o.array === 8) || (o.name === 'resnet8-conv1' && o.array === 32));
    expect(cases.length).toBe(6);
    for (const o of cases) {
      writeFileSync(join(dir, 'oracle.csv'), `Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n${o.name}, ${o.layer.join(', ')},\n`);
      writeFileSync(join(dir, 'oracle.cfg'), `[architecture_presets]\nArrayHeight: ${o.array}\nArrayWidth: ${o.array}\nIfmapSramSzkB: 64\nFilterSramSzkB: 64\nOfmapSramSzkB: 64\nBandwidth : 10\nDataflow : ${o.dataflow}\n[run_presets]\nInterfaceBandwidth: CALC\n`);
      const t = io();
      expect(systolicCommand({ topology: 'oracle.csv', config: 'oracle.cfg', foldSkew: 'scalesim', json: true }, t.io)).toBe(0);
      const layer = JSON.parse(t.out.join('')).layers[0] as { cycles: number; detail: { stallCycles: number } };
      expect([o.dataflow, layer.cycles]).toEqual([o.dataflow, o.totalCycles]);
    }
  });

  it('takes the dataflow from the .cfg when no flag is given, and fails clearly on bad input', () => {
    const t = io();
    expect(systolicCommand({ topology: 'l.csv', config: 's.cfg' }, t.io)).toBe(0);
    expect(t.out.join('')).toMatch(/systolic array 2x2 IS/);
    const bad = io();
    expect(systolicCommand({ topology: 'l.csv', array: '0x4' }, bad.io)).toBe(2);
    expect(bad.err.join('')).toMatch(/FF_OPTIONS_INVALID: .*arrayHeight must be >= 1/);
    const df = io();
    expect(systolicCommand({ topology: 'l.csv', dataflow: 'rs' }, df.io)).toBe(2);
    expect(df.err.join('')).toMatch(/FF_OPTIONS_INVALID: .*dataflow must be one of \["os","ws","is"\]/);
    writeFileSync(join(dir, 'big.csv'), 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc, 2, 2, 3, 3, 1, 4, 1,\n');
    const big = io();
    expect(systolicCommand({ topology: 'big.csv' }, big.io)).toBe(1);
    expect(big.err.join('')).toMatch(/FF_INPUT_INVALID: .*big\.csv:2: layer 'c': filter 3x3 is larger than the ifmap 2x2/);
    const skew = io();
    expect(systolicCommand({ topology: 'l.csv', foldSkew: 'diagonal' }, skew.io)).toBe(2);
    expect(skew.err.join('')).toMatch(/FF_OPTIONS_INVALID: .*foldSkew must be one of \["occupied","full","scalesim"\]/);
    const missing = io();
    expect(systolicCommand({}, missing.io)).toBe(2);
    expect(missing.err.join('')).toMatch(/--topology <layers.csv> is required/);
  });
});
