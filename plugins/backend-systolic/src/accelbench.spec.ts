import fc from 'fast-check';
import { AccelBenchEvaluator, AccelLayerStats, accelAreaMm2, derivedMaskMB, type AccelConfig } from './accelbench';
import { dramBitsPerCycle } from './constants';
import { convLayer, gemmLayer, type Layer, type Network } from './workload';

const cfg: AccelConfig = {
  Pib: 1,
  Pif: 1,
  Pix: 2,
  Piy: 2,
  Pof: 2,
  Pkx: 3,
  Pky: 3,
  batch: 1,
  actBufferMB: 12,
  wgtBufferMB: 24,
  maskBufferMB: 0.001,
  memType: 'DRAM',
  memConfig: 1,
  clockMHz: 700,
  activationSparsity: 0.5,
  weightSparsity: 0.5,
};

const net = (layers: Layer[], name = 'n'): Network => ({ name, layers, activation: 'relu', aliases: {} });

// A buffer of 0.0085 MB: trunc(0.0085 * 2^23 / 20) = 3565 "elements" / 640 bits per unit = 5 units.
const FIVE_UNITS_MB = 0.0085;

describe('AccelBench cycle model: hand-computed', () => {
  // conv 8x8x3 -> 8 filters 3x3 (same-size output), batch 1.
  const conv: Layer = { ...convLayer('c1', 8, 8, 3, 3, 3, 8, 1, 1), ho: 8, wo: 8 };

  it('counts MacLane cycles per block and overlaps block loads with compute', () => {
    const per: AccelLayerStats[] = [];
    const t = new AccelBenchEvaluator(net([conv])).evaluate(cfg, per);
    // Initial phase: the network input, one tile of 1 x ceil(8/4) x ceil(8/4) x ceil(3/4) = 4 cubes;
    // 4 x 64 x 20 x (1 - 0.5) = 2560 bits at 479.35 bits/cycle -> ceil(5.34) = 6 cycles.
    expect(dramBitsPerCycle(700)).toBeCloseTo(479.349, 3);
    expect(t.initialLoadCycles).toBe(6);
    // Blocks: 1 input tile (b 1, x 8, y 8, c 3) x 2 output-channel tiles of Tib = 4.
    // per block ceil(1/1) ceil(8/2) ceil(8/2) ceil(3/1) ceil(4/2) ceil(3/3) ceil(3/3) = 96 lane
    // cycles; x (1-0.5)(1-0.5) x 0.8 = 19.2 -> 20; two blocks -> 40.
    expect(per[0].computeCycles).toBe(40);
    expect(per[0].denseLaneCycles).toBe(192);
    // The input is resident (loaded in the initial phase): no activation loads.
    expect([per[0].inputResident, per[0].actLoadUnits, per[0].actLoadCycles]).toEqual([true, 0, 0]);
    // Weights per output tile: 4 filters x ceil(3/4) x ceil(3/4) x ceil(3/4) = 4 cubes -> 6 cycles; 2 tiles.
    expect([per[0].wgtLoadUnits, per[0].wgtLoadCycles]).toEqual([8, 12]);
    // Conv2DCount: per block max(act 0, wgt 6) = 6, twice.
    expect(per[0].blockLoadCycles).toBe(12);
    // total = pre-pass 0 + 6 + max(act 0, wgt 12, conv 12, matmul 0, MacLane 40) = 46.
    expect(t.cycles).toBe(46);
    expect(t.latencyS).toBeCloseTo(46 / 700e6, 18);
    // lane utilization: 1*8*8*3*8*9 block MACs / (peak 4*18 lanes x 192 dense cycles) = 13824 / 13824.
    expect(t.utilization).toBeCloseTo(1, 12);
  });

  it('stride enters through the output-tile extents (torch2blocks divides input indices by the stride)', () => {
    const s2: Layer = { ...convLayer('s2', 8, 8, 3, 3, 3, 8, 2, 2), ho: 4, wo: 4 };
    const per: AccelLayerStats[] = [];
    new AccelBenchEvaluator(net([s2])).evaluate(cfg, per);
    // output extent floor(7/2) - floor(0/2) + 1 = 4: ceil(4/2)^2 x 3 x 2 = 24 lanes -> ceil(4.8) = 5; x2 = 10.
    expect(per[0].computeCycles).toBe(10);
  });

  it('loads every layer input (outputs are not kept), keeps a loaded tensor for a second reader', () => {
    const c2: Layer = { ...convLayer('c2', 8, 8, 3, 3, 8, 8, 1, 1), ho: 8, wo: 8, input: 'c1.out' };
    const c3: Layer = { ...convLayer('c3', 8, 8, 1, 1, 8, 8, 1, 1), input: 'c1.out' };
    const per: AccelLayerStats[] = [];
    new AccelBenchEvaluator(net([conv, c2, c3])).evaluate(cfg, per);
    // c2 reads c1's output: 1 x 2 x 2 x ceil(8/4) = 8 cubes -> ceil(8 x 640 / 479.35) = 11 cycles.
    expect([per[1].inputResident, per[1].actLoadUnits, per[1].actLoadCycles]).toEqual([false, 8, 11]);
    expect([per[2].inputResident, per[2].actLoadUnits]).toEqual([true, 0]);
    // With a 5-unit buffer the 8-cube tile loses 3 cubes before the second output tile:
    // 8 + 3 units, 11 + ceil(3 x 1.3352) = 11 + 5 = 16 cycles; and c3 must reload it.
    const per2: AccelLayerStats[] = [];
    new AccelBenchEvaluator(net([conv, c2, c3])).evaluate({ ...cfg, actBufferMB: FIVE_UNITS_MB }, per2);
    expect([per2[1].actLoadUnits, per2[1].actLoadCycles]).toEqual([11, 16]);
    expect(per2[2].inputResident).toBe(false);
  });

  it('re-fetches weights per input tile when a filter exceeds the weight buffer', () => {
    // 130x130 input: 3 x-tiles x 3 y-tiles = 9 input tiles. Filter: 8 filters x 1 cube = 8 units.
    const big: Layer = { ...convLayer('big', 130, 130, 3, 3, 3, 8, 1, 1), ho: 130, wo: 130 };
    const fits = [] as AccelLayerStats[];
    const spills = [] as AccelLayerStats[];
    new AccelBenchEvaluator(net([big])).evaluate(cfg, fits);
    new AccelBenchEvaluator(net([big])).evaluate({ ...cfg, wgtBufferMB: FIVE_UNITS_MB }, spills);
    expect(fits[0].wgtLoadUnits).toBe(8);
    // 5-unit FIFO, filter w0..w7 in two tiles. Pass 0 loads 8 and keeps [w3..w7]. Pass 1: tile 0
    // misses w0-w2 (3) -> [w6 w7 w0 w1 w2]; tile 1 misses w4 w5 (2) -> [w0 w1 w2 w4 w5]. Pass 2:
    // tile 0 misses w3 (1), tile 1 misses w6 w7 (2) -> [w4 w5 w3 w6 w7]; pass 3 repeats pass 1.
    // 9 input tiles: 8 + 4 x (3 + 2) + 4 x (1 + 2) = 40.
    expect(spills[0].wgtLoadUnits).toBe(40);
  });

  it('matmul: ceil(ceil(B*In*Out / P) * 0.25 * 0.8) and 8x8 load squares', () => {
    const fcl = gemmLayer('fc', 1, 120, 84);
    const per: AccelLayerStats[] = [];
    new AccelBenchEvaluator(net([fcl])).evaluate({ ...cfg, batch: 4 }, per);
    // B*In*Out = 4*120*84 = 40320; P = 1*1*2*2*2*3*3 = 72 -> 560; x 0.2 = 112.
    expect(per[0].computeCycles).toBe(112);
    // weights ceil(84/8) * ceil(120/8) = 11 * 15 = 165 squares; activations ceil(120/8) * ceil(4/8) = 15
    // (the initial phase loaded cubes, which are keyed differently from squares).
    expect([per[0].wgtLoadUnits, per[0].actLoadUnits]).toEqual([165, 15]);
    // MatMulCount: max(ceil(15 x 1.3352) = 21, ceil(165 x 1.3352) = 221) = 221.
    expect(per[0].blockLoadCycles).toBe(221);
  });

  it('pre-pass: batch norm ceil(B*H*W / (Mac*PE)) * C, pooling ceil(B*C*Ho*Wo / PE), global pool ceil(HW/25) * ceil(B*C / PE)', () => {
    const bn: Layer = { ...convLayer('bn', 8, 8, 1, 1, 16, 16, 1, 1), kind: 'bn' };
    const pool: Layer = { ...convLayer('pool', 8, 8, 2, 2, 16, 16, 2, 2), kind: 'pool' };
    const gap: Layer = { ...convLayer('gap', 8, 8, 8, 8, 16, 16, 1, 1), kind: 'gap' };
    const per: AccelLayerStats[] = [];
    const t = new AccelBenchEvaluator(net([conv, bn, pool, gap])).evaluate(cfg, per);
    // PE = 1*2*2 = 4, Mac = 1: BN ceil(64 / 4) * 16 = 256; pool ceil(16*4*4 / 4) = 64; GAP ceil(64/25) * ceil(16/4) = 3 * 4 = 12.
    expect(per.slice(1).map((p) => p.prepassCycles)).toEqual([256, 64, 12]);
    expect(t.prepassCycles).toBe(332);
    expect(t.cycles).toBe(332 + 46);
  });
});

describe('AccelBench energy and area from the module tables', () => {
  it('area of the run.py default accelerator = modules x replication + buffers', () => {
    const c: AccelConfig = { ...cfg, Pib: 2, Pif: 16, Pix: 8, Piy: 4, Pof: 8, Pkx: 3, Pky: 3, actBufferMB: 12, wgtBufferMB: 24, maskBufferMB: 4 };
    const PE = 64;
    const Lane = 72;
    // um^2: MacLane(16, relu) 8819.48 x PE*Lane; DataFlow 75946.98, DMA 144.636, BatchNorm 14654.49,
    // Pooling 3395.05, GAP 0, Upsampling 749.70 x PE; FIFO 484.379 x PE*Lane*16*2;
    // Im2Col 14307.18, PreSparsity 6216.90, PostSparsity 1181.20 x PE*Lane.
    const um2 =
      8819.48 * PE * Lane +
      (75946.98 + 144.636 + 14654.49 + 3395.05 + 0 + 749.7) * PE +
      484.379 * PE * Lane * 32 +
      (14307.18 + 6216.9 + 1181.2) * PE * Lane;
    // buffers: 3.63967 mm^2 at 12 MB, 7.05842 at 24 MB, 1.21026 at 4 MB.
    expect(accelAreaMm2(c)).toBeCloseTo(um2 * 1e-6 + 3.63967 + 7.05842 + 1.21026, 9);
  });

  it('dynamic energy of a conv block = cycles / f x module power; leakage = latency x leakage power', () => {
    const conv: Layer = { ...convLayer('c1', 8, 8, 3, 3, 3, 8, 1, 1), ho: 8, wo: 8 };
    const per: AccelLayerStats[] = [];
    const ev = new AccelBenchEvaluator(net([conv]));
    const t = ev.evaluate(cfg, per);
    const PE = 4;
    const Lane = 18;
    // mW at 700 MHz (no clock scaling): MacLane(1, relu) 0.27561 x PE*Lane + DataFlow 11.3711 x PE
    // + FIFO 0.0563909 x PE*Lane*1*2 + 2 x Im2Col 423.0658 x PE*Lane + Pre 0.2852968 + Post 0.2613971 x PE*Lane.
    const pConv = 0.27561 * 72 + 11.3711 * PE + 0.0563909 * 144 + 2 * 423.0658 * 72 + (0.2852968 + 0.2613971) * 72;
    expect(per[0].computeEnergyJ).toBeCloseTo((40 / 700e6) * pConv * 1e-3, 15);
    expect(t.leakageEnergyJ).toBeCloseTo(t.latencyS * ev.leakageMw(cfg) * 1e-3, 18);
    expect(t.energyJ).toBeCloseTo(t.dynamicEnergyJ + t.leakageEnergyJ, 18);
    void Lane;
  });

  it('area and leakage grow with every parallelism factor and buffer; mask size follows the AccelBench formula', () => {
    const base = { ...cfg, Pif: 16 as const };
    for (const key of ['Pib', 'Pix', 'Piy', 'Pof', 'Pkx', 'actBufferMB', 'wgtBufferMB', 'maskBufferMB'] as const) {
      const bigger = { ...base, [key]: base[key] * 2 };
      expect(accelAreaMm2(bigger)).toBeGreaterThan(accelAreaMm2(base));
      const ev = new AccelBenchEvaluator(net([convLayer('c', 8, 8, 3, 3, 3, 8, 1, 1)]));
      expect(ev.leakageMw(bigger)).toBeGreaterThan(ev.leakageMw(base));
    }
    // 2*8*4*8*3*3*16*2 = 147456 bits; / 2^20 / 8 = 0.01758 -> round to 3 places = 0.018; tiny arrays clamp to 0.001.
    expect(derivedMaskMB({ Pib: 2, Pix: 8, Piy: 4, Pof: 8, Pkx: 3, Pky: 3 })).toBe(0.018);
    expect(derivedMaskMB({ Pib: 1, Pix: 1, Piy: 1, Pof: 1, Pkx: 1, Pky: 1 })).toBe(0.001);
  });
});

describe('AccelBench block sum vs a brute-force enumeration of every block (Op2Blocks order)', () => {
  it('matches for random layers and accelerators', () => {
    fc.assert(
      fc.property(
        fc.record({
          batch: fc.integer({ min: 1, max: 9 }),
          h: fc.integer({ min: 3, max: 150 }),
          w: fc.integer({ min: 3, max: 150 }),
          cin: fc.integer({ min: 1, max: 140 }),
          cout: fc.integer({ min: 1, max: 20 }),
          k: fc.constantFrom(1, 3),
          s: fc.integer({ min: 1, max: 3 }),
          Pib: fc.integer({ min: 1, max: 4 }),
          Pif: fc.constantFrom<1 | 16>(1, 16),
          Pix: fc.integer({ min: 1, max: 7 }),
          Piy: fc.integer({ min: 1, max: 7 }),
          Pof: fc.integer({ min: 1, max: 4 }),
          Pk: fc.constantFrom(1, 3, 5, 7),
        }),
        (p) => {
          const layer: Layer = convLayer('c', p.h, p.w, p.k, p.k, p.cin, p.cout, p.s, p.s);
          const c: AccelConfig = { ...cfg, batch: p.batch, Pib: p.Pib, Pif: p.Pif, Pix: p.Pix, Piy: p.Piy, Pof: p.Pof, Pkx: p.Pk, Pky: p.Pk };
          const per: AccelLayerStats[] = [];
          new AccelBenchEvaluator(net([layer])).evaluate(c, per);
          let want = 0;
          const ext = (start: number, size: number, total: number) => Math.min(size, total - start);
          // T_output = T_input index range divided by the stride (both ends, integer division).
          const oext = (start: number, size: number, total: number) => Math.floor((start + ext(start, size, total) - 1) / p.s) - Math.floor(start / p.s) + 1;
          for (let b = 0; b < p.batch; b += 4)
            for (let x = 0; x < p.h; x += 64)
              for (let y = 0; y < p.w; y += 64)
                for (let ch = 0; ch < p.cin; ch += 64)
                  for (let o = 0; o < p.cout; o += 4) {
                    const lanes =
                      Math.ceil(ext(b, 4, p.batch) / p.Pib) *
                      Math.ceil(oext(x, 64, p.h) / p.Pix) *
                      Math.ceil(oext(y, 64, p.w) / p.Piy) *
                      Math.ceil(ext(ch, 64, p.cin) / p.Pif) *
                      Math.ceil(ext(o, 4, p.cout) / p.Pof) *
                      Math.ceil(p.k / p.Pk) ** 2;
                    want += Math.ceil(lanes * 0.25 * 0.8);
                  }
          expect(per[0].computeCycles).toBe(want);
        },
      ),
      { seed: 7, numRuns: 150 },
    );
  });
});

// ---- Independent oracle: AccelBench's buffer bookkeeping cube by cube ------------------------
// Blocks in torch2blocks order; before each block the missing cubes of its input tile and filter
// tile are loaded (one ceil per block and operand), buffers are name-keyed FIFOs that evict the
// oldest cubes; Conv2DCount adds max(act, weight) cycles per block.
function referenceConvLoads(layers: Layer[], c: AccelConfig) {
  const bw = dramBitsPerCycle(c.clockMHz);
  const unitBits = 64 * 20 * 0.5;
  const capA = Math.floor(Math.trunc((c.actBufferMB * 8 * 1024 * 1024) / 20) / unitBits);
  const capW = Math.floor(Math.trunc((c.wgtBufferMB * 8 * 1024 * 1024) / 20) / unitBits);
  class Buf {
    names = new Map<string, string[]>();
    count = 0;
    loaded = 0;
    constructor(readonly cap: number) {}
    has(name: string, key: string) {
      return this.names.get(name)?.includes(key) ?? false;
    }
    load(name: string, keys: string[]) {
      if (!this.names.has(name)) this.names.set(name, []);
      this.names.get(name)!.push(...keys);
      this.count += keys.length;
      this.loaded += keys.length;
      let n = this.count - this.cap;
      while (n > 0) {
        const [oldest, list] = this.names.entries().next().value as [string, string[]];
        const k = Math.min(n, list.length);
        list.splice(0, k);
        if (list.length === 0) this.names.delete(oldest);
        n -= k;
        this.count -= k;
      }
    }
  }
  const A = new Buf(capA);
  const W = new Buf(capW);
  const cubes = (b0: number, b1: number, x0: number, x1: number, y0: number, y1: number, z0: number, z1: number) => {
    const out: string[] = [];
    for (let b = b0; b <= b1; b++) for (let x = x0; x <= x1; x += 4) for (let y = y0; y <= y1; y += 4) for (let z = z0; z <= z1; z += 4) out.push(`${b},${x},${y},${z}`);
    return out;
  };
  const cyc = (n: number) => Math.ceil((n * unitBits) / bw);
  const B = c.batch;
  let initial = 0;
  const l0 = layers[0];
  for (let b = 0; b < B; b += 4)
    for (let x = 0; x < l0.h; x += 64)
      for (let y = 0; y < l0.w; y += 64)
        for (let z = 0; z < l0.cin; z += 64) {
          const keys = cubes(b, Math.min(b + 3, B - 1), x, Math.min(x + 63, l0.h - 1), y, Math.min(y + 63, l0.w - 1), z, Math.min(z + 63, l0.cin - 1));
          initial += cyc(keys.length);
          A.load(l0.input, keys);
        }
  let act = 0, wgt = 0, conv = 0;
  const per: Array<{ act: number; wgt: number; conv: number }> = [];
  for (const l of layers) {
    const before = { act, wgt, conv };
    for (let b = 0; b < B; b += 4)
      for (let x = 0; x < l.h; x += 64)
        for (let y = 0; y < l.w; y += 64)
          for (let z = 0; z < l.cin; z += 64)
            for (let q = 0; q < l.cout; q += 4) {
              const ak = cubes(b, Math.min(b + 3, B - 1), x, Math.min(x + 63, l.h - 1), y, Math.min(y + 63, l.w - 1), z, Math.min(z + 63, l.cin - 1)).filter((k) => !A.has(l.input, k));
              const wk = cubes(q, Math.min(q + 3, l.cout - 1), 0, l.kh - 1, 0, l.kw - 1, 0, l.cin - 1).filter((k) => !W.has(`${l.name}.w`, k));
              const a = ak.length ? cyc(ak.length) : 0;
              const w = wk.length ? cyc(wk.length) : 0;
              conv += Math.max(a, w);
              act += a;
              wgt += w;
              if (ak.length) A.load(l.input, ak);
              if (wk.length) W.load(`${l.name}.w`, wk);
            }
    per.push({ act: act - before.act, wgt: wgt - before.wgt, conv: conv - before.conv });
  }
  return { initial, act, wgt, conv, per, actEvicted: A.loaded - A.count, wgtEvicted: W.loaded - W.count };
}

describe('AccelBench loads vs a cube-level reference of its buffers', () => {
  const stackArb = fc.record({
    batch: fc.integer({ min: 1, max: 6 }),
    h: fc.integer({ min: 4, max: 70 }),
    c1: fc.integer({ min: 1, max: 70 }),
    c2: fc.integer({ min: 1, max: 12 }),
    c3: fc.integer({ min: 1, max: 12 }),
    k: fc.constantFrom(1, 3),
  });
  const layersOf = (p: { h: number; c1: number; c2: number; c3: number; k: number }): Layer[] => [
    { ...convLayer('a', p.h, p.h, p.k, p.k, p.c1, p.c2, 1, 1), ho: p.h, wo: p.h, input: 'x', output: 'y' },
    { ...convLayer('b', p.h, p.h, p.k, p.k, p.c2, p.c3, 1, 1), ho: p.h, wo: p.h, input: 'y', output: 'z' },
    // a second reader of y (a residual shortcut)
    { ...convLayer('s', p.h, p.h, 1, 1, p.c2, p.c3, 1, 1), input: 'y', output: 'z2' },
  ];

  const units = (b: number, h: number, c: number) => b * Math.ceil(h / 4) ** 2 * Math.ceil(c / 4);

  it('matches exactly when every loaded tensor fits the activation buffer', () => {
    fc.assert(
      fc.property(
        stackArb.filter((p) => units(p.batch, p.h, Math.max(p.c1, p.c2)) <= 7864),
        (p) => {
          const c = { ...cfg, batch: p.batch };
          const t = new AccelBenchEvaluator(net(layersOf(p))).evaluate(c);
          const ref = referenceConvLoads(layersOf(p), c);
          expect([t.initialLoadCycles, t.actLoadCycles, t.wgtLoadCycles, t.convLoadCycles, t.actEvictions, t.wgtEvictions]).toEqual([
            ref.initial,
            ref.act,
            ref.wgt,
            ref.conv,
            ref.actEvicted,
            ref.wgtEvicted,
          ]);
        },
      ),
      { seed: 11, numRuns: 40 },
    );
  });

  it('matches exactly for a layer whose input tiles and filter thrash small buffers', () => {
    fc.assert(
      fc.property(stackArb, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), (p, ua, uw) => {
        // buffers of ua and uw units: MB = units * 640 * 20 / 2^23 (+1 bit to survive trunc()).
        const mb = (u: number) => ((u * 640 + 1) * 20) / (8 * 1024 * 1024);
        const c = { ...cfg, batch: p.batch, actBufferMB: mb(ua), wgtBufferMB: mb(uw) };
        // layer b reads y, which no one loaded before: every tile starts missing.
        const per: AccelLayerStats[] = [];
        new AccelBenchEvaluator(net(layersOf(p))).evaluate(c, per);
        const ref = referenceConvLoads(layersOf(p), c).per[1];
        expect([per[1].actLoadCycles, per[1].wgtLoadCycles, per[1].blockLoadCycles]).toEqual([ref.act, ref.wgt, ref.conv]);
      }),
      { seed: 12, numRuns: 60 },
    );
  });

  it('matches exactly when the network input overflows the buffer by at least one input tile', () => {
    // batch 8-24 of 8x8x3 inputs: 16 units per b-tile; buffers of <= 8 units evict >= 24 units,
    // so AccelBench's FIFO misses every tile again, as the model assumes.
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 24 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 9 }), (batch, ua, c2) => {
        const mb = (u: number) => ((u * 640 + 1) * 20) / (8 * 1024 * 1024);
        const c = { ...cfg, batch, actBufferMB: mb(ua) };
        const layers: Layer[] = [{ ...convLayer('a', 8, 8, 3, 3, 3, c2, 1, 1), ho: 8, wo: 8, input: 'x', output: 'y' }];
        const t = new AccelBenchEvaluator(net(layers)).evaluate(c);
        const ref = referenceConvLoads(layers, c);
        expect([t.initialLoadCycles, t.actLoadCycles, t.convLoadCycles, t.actEvictions]).toEqual([ref.initial, ref.act, ref.conv, ref.actEvicted]);
      }),
      { seed: 13, numRuns: 40 },
    );
  });
});
