import fc from 'fast-check';
import { evaluateSystolicLayer, evaluateSystolicNetwork, foldCycles, SystolicLayerStats, SystolicPhysics, type Dataflow, type FoldSkew, type SystolicConfig } from './systolic';
import { convLayer, gemmLayer, type Layer, type Network } from './workload';

const base: SystolicConfig = {
  arrayHeight: 4,
  arrayWidth: 4,
  dataflow: 'os',
  ifmapSramKB: 64,
  filterSramKB: 64,
  ofmapSramKB: 64,
  bandwidth: 1e9,
  wordBytes: 1,
  batch: 1,
  clockMHz: 700,
  memType: 'DRAM',
  memConfig: 1,
  vectorWidth: 0,
  foldSkew: 'full',
};

function run(l: Layer, over: Partial<SystolicConfig> = {}): SystolicLayerStats {
  const c = { ...base, ...over };
  return evaluateSystolicLayer(l, c, new SystolicPhysics().set(c, 'relu'), new SystolicLayerStats());
}

describe('array timing: hand-computed closed forms (folds x (2R + C + T - 2))', () => {
  // GEMM out[8x5] = A[8x3] * B[3x5] on a 4x4 array: M = 8, K = 3, N = 5.
  const g = gemmLayer('g', 8, 3, 5);

  it('OS: Sr = M = 8, Sc = N = 5, T = K = 3 -> 2 x 2 folds x (8 + 4 + 3 - 2 = 13) = 52', () => {
    const s = run(g, { dataflow: 'os' });
    expect([s.rowFolds, s.colFolds, s.computeCycles]).toEqual([2, 2, 52]);
    // ifmap reads M*K*colFolds = 8*3*2 = 48; filter K*N*rowFolds = 3*5*2 = 30; ofmap writes M*N = 40.
    expect([s.sramIfmapReads, s.sramFilterReads, s.sramOfmapWrites, s.sramOfmapReads]).toEqual([48, 30, 40, 0]);
  });

  it('WS: Sr = K = 3, Sc = N = 5, T = M = 8 -> 1 x 2 folds x (8 + 4 + 8 - 2 = 18) = 36', () => {
    const s = run(g, { dataflow: 'ws' });
    expect([s.rowFolds, s.colFolds, s.computeCycles]).toEqual([1, 2, 36]);
    // filter read once K*N = 15; ifmap M*K*colFolds = 48; one row fold: ofmap written once, never read back.
    expect([s.sramFilterReads, s.sramIfmapReads, s.sramOfmapWrites, s.sramOfmapReads]).toEqual([15, 48, 40, 0]);
  });

  it('IS: Sr = K = 3, Sc = M = 8, T = N = 5 -> 1 x 2 folds x (8 + 4 + 5 - 2 = 15) = 30', () => {
    const s = run(g, { dataflow: 'is' });
    expect([s.rowFolds, s.colFolds, s.computeCycles]).toEqual([1, 2, 30]);
    // ifmap read once M*K = 24; filter K*N*colFolds = 30.
    expect([s.sramIfmapReads, s.sramFilterReads, s.sramOfmapWrites]).toEqual([24, 30, 40]);
  });

  // conv: 5x5x2 input, 3x3 kernel, 4 filters, stride 1 -> 3x3 output; M = 9, K = 3*3*2 = 18, N = 4.
  const conv = convLayer('c', 5, 5, 3, 3, 2, 4, 1, 1);

  it('conv OS: Sr = 9, Sc = 4, T = 18 -> 3 x 1 folds x (8 + 4 + 18 - 2 = 28) = 84', () => {
    const s = run(conv, { dataflow: 'os' });
    expect([s.sr, s.sc, s.t, s.computeCycles]).toEqual([9, 4, 18, 84]);
    expect(s.macs).toBe(9 * 18 * 4);
  });

  it('conv WS: Sr = 18, Sc = 4, T = 9 -> 5 x 1 folds x (8 + 4 + 9 - 2 = 19) = 95; psums re-read 4 times', () => {
    const s = run(conv, { dataflow: 'ws' });
    expect([s.rowFolds, s.colFolds, s.computeCycles]).toEqual([5, 1, 95]);
    // ofmap SRAM: 36 outputs written in each of 5 row folds = 180, read back in 4 = 144.
    expect([s.sramOfmapWrites, s.sramOfmapReads]).toEqual([180, 144]);
  });

  it('conv IS: Sr = 18, Sc = 9, T = 4 -> 5 x 3 folds x (8 + 4 + 4 - 2 = 14) = 210', () => {
    expect(run(conv, { dataflow: 'is' }).computeCycles).toBe(210);
  });

  it('occupied skew (README worked example): OS 28 + 28 + 22 = 78, WS 4 x 19 + 15 = 91, IS 108 + 45 + 30 = 183', () => {
    // OS: row folds of 4, 4, 1 rows x 4 columns, T = 18: (8+4+16) + (8+4+16) + (2+4+16).
    // WS: row folds of 4, 4, 4, 4, 2 rows x 4 columns, T = 9: 4 x (8+4+7) + (4+4+7).
    // IS: Sr = 18 (5 row folds), Sc = 9 (3 col folds), T = 4: 2*18*3 + 9*5 + 15*(4-2).
    expect((['os', 'ws', 'is'] as const).map((dataflow) => run(conv, { dataflow, foldSkew: 'occupied' }).computeCycles)).toEqual([78, 91, 183]);
  });

  it('depthwise conv runs each group as its own GEMM: 4 x [M 9, K 9, N 1]', () => {
    const dw = convLayer('dw', 5, 5, 3, 3, 4, 4, 1, 1, 4);
    // OS: Sr = 9 -> 3 row folds, Sc = 1 -> 1 col fold, T = 9: 3 x (8 + 4 + 9 - 2 = 19) = 57 per group, x4 = 228.
    const s = run(dw, { dataflow: 'os' });
    expect(s.computeCycles).toBe(228);
    expect(s.macs).toBe(4 * 9 * 9);
  });

  it('stride and batch enter through M: 7x7 input, 3x3 stride 2 -> 3x3 outputs, batch 2 -> M = 18', () => {
    const l = convLayer('s2', 7, 7, 3, 3, 1, 2, 2, 2);
    const s = run(l, { dataflow: 'os', batch: 2 });
    // Sr = 18 -> 5 row folds; Sc = 2 -> 1; T = 9: 5 x (8 + 4 + 9 - 2) = 95.
    expect([s.sr, s.t, s.computeCycles]).toEqual([18, 9, 95]);
  });
});

describe('main-memory model', () => {
  const conv = convLayer('c', 5, 5, 3, 3, 2, 4, 1, 1);

  it('reads each operand once when everything fits, and stalls when bandwidth is short', () => {
    // ifmap 5*5*2 = 50 words, filter 18*4 = 72, ofmap 9*4 = 36: 158 words.
    const s = run(conv, { dataflow: 'os', bandwidth: 1 });
    expect([s.dramIfmapReads, s.dramFilterReads, s.dramOfmapWrites]).toEqual([50, 72, 36]);
    // transfers take ceil(158 / 1) = 158 cycles > 84 compute cycles: 74 stall cycles.
    expect([s.computeCycles, s.stallCycles, s.cycles]).toEqual([84, 74, 158]);
    const fast = run(conv, { dataflow: 'os', bandwidth: 2 });
    // ceil(158 / 2) = 79 < 84: stall-free, the closed form holds.
    expect([fast.stallCycles, fast.cycles]).toEqual([0, 84]);
  });

  it('re-fetches the swept operand once per outer fold when its SRAM is too small', () => {
    // OS with 1 KiB filter SRAM of 8-byte words = 128 words >= 72: fits; with a 72-word filter
    // that needs 144 words (K*N = 18*8) it is swept once per row fold.
    const l = convLayer('c8', 5, 5, 3, 3, 2, 8, 1, 1);
    const fits = run(l, { dataflow: 'os', wordBytes: 8, filterSramKB: 2 }); // 256 words >= 144
    const spills = run(l, { dataflow: 'os', wordBytes: 8, filterSramKB: 1 }); // 128 words < 144
    expect(fits.dramFilterReads).toBe(144);
    // 3 row folds (Sr = 9 on R = 4): 3 x 144.
    expect(spills.dramFilterReads).toBe(432);
  });

  it('spills WS partial sums to main memory when the ofmap SRAM cannot hold them', () => {
    // WS conv above: 5 row folds; ofmap 36 words. With 32 words of ofmap SRAM (wordBytes 32, 1 KiB):
    const s = run(conv, { dataflow: 'ws', wordBytes: 32, ofmapSramKB: 1 });
    expect([s.dramOfmapWrites, s.dramOfmapReads]).toEqual([36 * 5, 36 * 4]);
  });
});

// ---- Independent oracle: a register-level simulation of one fold, with real values. ----------

/** OS fold: PE(i,j) accumulates out[i][j]; A rows enter the left edge skewed by i, B columns the top edge skewed by j. */
function simulateOsFold(A: number[][], B: number[][], R: number, C: number): { cycles: number; out: number[][] } {
  const T = A[0].length;
  const aReg = Array.from({ length: R }, () => new Array<number | undefined>(C).fill(undefined));
  const bReg = Array.from({ length: R }, () => new Array<number | undefined>(C).fill(undefined));
  const acc = Array.from({ length: R }, () => new Array<number>(C).fill(0));
  const macsDone = Array.from({ length: R }, () => new Array<number>(C).fill(0));
  let t = 0;
  for (; ; t++) {
    // shift right/down from the far end so each value moves one PE per cycle.
    for (let i = R - 1; i >= 0; i--) {
      for (let j = C - 1; j >= 0; j--) {
        aReg[i][j] = j === 0 ? (t - i >= 0 && t - i < T ? A[i][t - i] : undefined) : aReg[i][j - 1];
        bReg[i][j] = i === 0 ? (t - j >= 0 && t - j < T ? B[t - j][j] : undefined) : bReg[i - 1][j];
      }
    }
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < C; j++) {
        if (aReg[i][j] !== undefined && bReg[i][j] !== undefined) {
          acc[i][j] += aReg[i][j]! * bReg[i][j]!;
          macsDone[i][j]++;
        }
      }
    }
    if (macsDone.every((row) => row.every((m) => m === T))) break;
  }
  // compute ends after t + 1 cycles; the R result rows then shift out of the bottom, one per cycle.
  return { cycles: t + 1 + R, out: acc };
}

/** WS fold: W (R x C) is shifted in from the top (R cycles); A (T x R) rows enter skewed; psums flow down. */
function simulateWsFold(A: number[][], W: number[][], R: number, C: number): { cycles: number; out: number[][] } {
  const T = A.length;
  const aReg = Array.from({ length: R }, () => new Array<number | undefined>(C).fill(undefined));
  const pReg = Array.from({ length: R }, () => new Array<{ m: number; v: number } | undefined>(C).fill(undefined));
  const out = Array.from({ length: T }, () => new Array<number>(C).fill(0));
  let emitted = 0;
  let t = 0;
  for (; emitted < T * C; t++) {
    for (let i = R - 1; i >= 0; i--) {
      for (let j = C - 1; j >= 0; j--) {
        const m = t - i; // input vector m reaches row i's left edge at cycle m + i
        const a = j === 0 ? (m >= 0 && m < T ? A[m][i] : undefined) : aReg[i][j - 1];
        aReg[i][j] = a;
        const above = i === 0 ? (a !== undefined ? { m: t - i - j, v: 0 } : undefined) : pReg[i - 1][j];
        pReg[i][j] = a !== undefined && above ? { m: above.m, v: above.v + a * W[i][j] } : undefined;
      }
    }
    for (let j = 0; j < C; j++) {
      const p = pReg[R - 1][j];
      if (p) {
        out[p.m][j] = p.v;
        emitted++;
      }
    }
  }
  // R weight-load cycles precede the stream; t stream cycles until the last psum left row R-1.
  return { cycles: R + t, out };
}

function matmul(A: number[][], B: number[][]): number[][] {
  return A.map((row) => B[0].map((_, j) => row.reduce((s, a, k) => s + a * B[k][j], 0)));
}

function pad(m: number[][], rows: number, cols: number, r0: number, c0: number): number[][] {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => m[r0 + i]?.[c0 + j] ?? 0));
}

describe('closed form vs register-level oracle', () => {
  const dims = fc.record({ M: fc.integer({ min: 1, max: 9 }), K: fc.integer({ min: 1, max: 9 }), N: fc.integer({ min: 1, max: 9 }), R: fc.integer({ min: 1, max: 5 }), C: fc.integer({ min: 1, max: 5 }) });
  // 'full': partial folds are zero-padded to the whole array, as SCALE-Sim's operand matrices are;
  // 'occupied': a partial fold is simulated on just the rows and columns it uses.
  const skews: FoldSkew[] = ['full', 'occupied'];

  it.each(skews)('OS (%s skew): simulated cycles and values match the closed form and A*B', (skew) => {
    fc.assert(
      fc.property(dims, ({ M, K, N, R, C }) => {
        const A = Array.from({ length: M }, (_, i) => Array.from({ length: K }, (_, k) => ((i * 7 + k * 3) % 5) - 2));
        const B = Array.from({ length: K }, (_, k) => Array.from({ length: N }, (_, j) => ((k * 5 + j) % 7) - 3));
        const want = matmul(A, B);
        let cycles = 0;
        for (let r0 = 0; r0 < M; r0 += R) {
          for (let c0 = 0; c0 < N; c0 += C) {
            const r = skew === 'full' ? R : Math.min(R, M - r0);
            const c = skew === 'full' ? C : Math.min(C, N - c0);
            const f = simulateOsFold(pad(A, r, K, r0, 0), pad(B, K, c, 0, c0), r, c);
            cycles += f.cycles;
            for (let i = 0; i < r && r0 + i < M; i++) for (let j = 0; j < c && c0 + j < N; j++) expect(f.out[i][j]).toBe(want[r0 + i][c0 + j]);
          }
        }
        expect(cycles).toBe(foldCycles(M, N, K, R, C, skew));
        expect(run(gemmLayer('g', M, K, N), { arrayHeight: R, arrayWidth: C, dataflow: 'os', foldSkew: skew }).computeCycles).toBe(cycles);
      }),
      { seed: 8, numRuns: 60 },
    );
  });

  it.each(skews)('WS (%s skew): simulated cycles and values match the closed form and A*B', (skew) => {
    fc.assert(
      fc.property(dims, ({ M, K, N, R, C }) => {
        const A = Array.from({ length: M }, (_, i) => Array.from({ length: K }, (_, k) => ((i * 3 + k * 5) % 7) - 3));
        const W = Array.from({ length: K }, (_, k) => Array.from({ length: N }, (_, j) => ((k + j * 3) % 5) - 2));
        const want = matmul(A, W);
        const got = Array.from({ length: M }, () => new Array<number>(N).fill(0));
        let cycles = 0;
        for (let r0 = 0; r0 < K; r0 += R) {
          for (let c0 = 0; c0 < N; c0 += C) {
            const r = skew === 'full' ? R : Math.min(R, K - r0);
            const c = skew === 'full' ? C : Math.min(C, N - c0);
            const f = simulateWsFold(pad(A, M, r, 0, r0), pad(W, r, c, r0, c0), r, c);
            cycles += f.cycles;
            for (let m = 0; m < M; m++) for (let j = 0; j < c && c0 + j < N; j++) got[m][c0 + j] += f.out[m][j];
          }
        }
        expect(got).toEqual(want);
        expect(cycles).toBe(foldCycles(K, N, M, R, C, skew));
        expect(run(gemmLayer('g', M, K, N), { arrayHeight: R, arrayWidth: C, dataflow: 'ws', foldSkew: skew }).computeCycles).toBe(cycles);
      }),
      { seed: 9, numRuns: 60 },
    );
  });

  it('occupied skew, hand-computed: GEMM 8x3x5 OS on 4x4 = folds (4,4),(4,1),(4,4),(4,1) = 13 + 10 + 13 + 10 = 46', () => {
    // closed form: 2*Sr*colFolds + Sc*rowFolds + folds*(T-2) = 2*8*2 + 5*2 + 4*1 = 46.
    expect(run(gemmLayer('g', 8, 3, 5), { foldSkew: 'occupied' }).computeCycles).toBe(46);
    // full folds only: both skews agree with SCALE-Sim (8x4x8 OS on 4x4: 4 folds x (8+4+4-2) = 56).
    expect(run(gemmLayer('g', 8, 4, 8), { foldSkew: 'occupied' }).computeCycles).toBe(56);
    expect(run(gemmLayer('g', 8, 4, 8), { foldSkew: 'full' }).computeCycles).toBe(56);
  });
});

describe('invariants (property tests, fixed seed)', () => {
  const layerArb = fc
    .record({
      h: fc.integer({ min: 1, max: 40 }),
      k: fc.integer({ min: 1, max: 5 }),
      cin: fc.integer({ min: 1, max: 64 }),
      cout: fc.integer({ min: 1, max: 64 }),
      s: fc.integer({ min: 1, max: 3 }),
      gemm: fc.boolean(),
    })
    .filter((x) => x.k <= x.h)
    .map((x) => (x.gemm ? gemmLayer('g', x.h, x.cin, x.cout) : convLayer('c', x.h, x.h, x.k, x.k, x.cin, x.cout, x.s, x.s)));
  const cfgArb = fc.record({
    arrayHeight: fc.constantFrom(1, 2, 4, 8, 16, 32, 128),
    arrayWidth: fc.constantFrom(1, 2, 4, 8, 16, 32, 128),
    dataflow: fc.constantFrom<Dataflow>('os', 'ws', 'is'),
    bandwidth: fc.constantFrom(0.5, 1, 4, 64),
    ifmapSramKB: fc.constantFrom(1, 16, 256),
    filterSramKB: fc.constantFrom(1, 16, 256),
    ofmapSramKB: fc.constantFrom(1, 16, 256),
    batch: fc.integer({ min: 1, max: 4 }),
    foldSkew: fc.constantFrom<FoldSkew>('full', 'occupied'),
  });

  it('cycles >= MACs / (R*C), utilization in (0, 1], stall >= 0', () => {
    fc.assert(
      fc.property(layerArb, cfgArb, (l, over) => {
        const s = run(l, over);
        expect(s.cycles).toBeGreaterThanOrEqual(s.macs / (over.arrayHeight * over.arrayWidth));
        expect(s.utilization).toBeGreaterThan(0);
        expect(s.utilization).toBeLessThanOrEqual(1);
        expect(s.mappingEfficiency).toBeLessThanOrEqual(1);
        expect(s.stallCycles).toBeGreaterThanOrEqual(0);
      }),
      { seed: 42, numRuns: 400 },
    );
  });

  it('doubling the array height or width never increases compute cycles (occupied skew)', () => {
    fc.assert(
      fc.property(layerArb, cfgArb, fc.boolean(), (l, over, rows) => {
        const occ = { ...over, foldSkew: 'occupied' as const };
        const a = run(l, occ).computeCycles;
        const bigger = rows ? { ...occ, arrayHeight: over.arrayHeight * 2 } : { ...occ, arrayWidth: over.arrayWidth * 2 };
        expect(run(l, bigger).computeCycles).toBeLessThanOrEqual(a);
      }),
      { seed: 43, numRuns: 400 },
    );
  });

  it("SCALE-Sim's full-array skew is not monotone: a bigger array can be slower", () => {
    // OS GEMM M = 9, K = 1, N = 1 (Sr = 9, Sc = 1, T = 1) on R x 1:
    // R = 4: 3 folds x (8 + 1 + 1 - 2 = 8) = 24;  R = 8: 2 folds x (16 + 1 + 1 - 2 = 16) = 32.
    const l = gemmLayer('tall', 9, 1, 1);
    expect(run(l, { arrayHeight: 4, arrayWidth: 1, foldSkew: 'full' }).computeCycles).toBe(24);
    expect(run(l, { arrayHeight: 8, arrayWidth: 1, foldSkew: 'full' }).computeCycles).toBe(32);
    // occupied: R = 4: 2*9*1 + 1*3 + 3*(1-2) = 18; R = 8: 2*9 + 1*2 + 2*(-1) = 18.
    expect(run(l, { arrayHeight: 4, arrayWidth: 1, foldSkew: 'occupied' }).computeCycles).toBe(18);
    expect(run(l, { arrayHeight: 8, arrayWidth: 1, foldSkew: 'occupied' }).computeCycles).toBe(18);
  });

  it('larger SRAMs never increase main-memory traffic; more bandwidth never increases cycles', () => {
    fc.assert(
      fc.property(layerArb, cfgArb, fc.constantFrom('ifmapSramKB', 'filterSramKB', 'ofmapSramKB'), (l, over, key) => {
        const a = run(l, over);
        const b = run(l, { ...over, [key]: over[key as 'ifmapSramKB'] * 4 });
        const words = (s: SystolicLayerStats) => s.dramIfmapReads + s.dramFilterReads + s.dramOfmapReads + s.dramOfmapWrites;
        expect(words(b)).toBeLessThanOrEqual(words(a));
        expect(run(l, { ...over, bandwidth: over.bandwidth * 2 }).cycles).toBeLessThanOrEqual(a.cycles);
      }),
      { seed: 44, numRuns: 300 },
    );
  });

  it('area and leakage power grow with the array and every SRAM; energy per SRAM access grows with its size', () => {
    const ph = (over: Partial<SystolicConfig>) => new SystolicPhysics().set({ ...base, ...over }, 'relu');
    const p0 = ph({});
    for (const over of [{ arrayHeight: 8 }, { arrayWidth: 8 }, { ifmapSramKB: 128 }, { filterSramKB: 128 }, { ofmapSramKB: 128 }]) {
      const p1 = ph(over);
      expect(p1.areaMm2).toBeGreaterThan(p0.areaMm2);
      expect(p1.leakW).toBeGreaterThan(p0.leakW);
    }
    expect(ph({ ifmapSramKB: 128 }).eIfmap).toBeGreaterThan(p0.eIfmap);
    expect(ph({ filterSramKB: 128 }).eFilter).toBeGreaterThan(p0.eFilter);
  });
});

describe('network totals', () => {
  it('sum the layers, convert cycles to seconds at the clock, and form EDP = E x latency', () => {
    const net: Network = { name: 'two', layers: [convLayer('c', 5, 5, 3, 3, 2, 4, 1, 1), gemmLayer('fc', 1, 36, 10)], activation: 'relu', aliases: {} };
    const per: SystolicLayerStats[] = [];
    const t = evaluateSystolicNetwork(net, base, per);
    // conv 84 cycles (above); fc OS: Sr = 1, Sc = 10 -> 1 x 3 folds x (8 + 4 + 36 - 2 = 46) = 138.
    expect(per.map((p) => p.cycles)).toEqual([84, 138]);
    expect(t.cycles).toBe(222);
    expect(t.latencyS).toBeCloseTo(222 / 700e6, 18);
    expect(t.energyJ).toBeCloseTo(t.dynamicEnergyJ + t.leakageEnergyJ, 18);
    expect(t.edp).toBeCloseTo(t.energyJ * t.latencyS, 24);
    expect(t.utilization).toBeCloseTo((648 + 360) / (16 * 222), 12);
    // MAC energy: 1008 MACs x 0.27561 mW / 700 MHz (AccelBench MacLane, Pif = 1, ReLU).
    const macJ = per.reduce((s, p) => s + p.macEnergyJ, 0);
    expect(macJ).toBeCloseTo((1008 * 0.27561e-3) / 700e6, 20);
  });
});
