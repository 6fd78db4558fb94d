import {
  ACT_BUFFER,
  bufferAccessNj,
  DMA,
  MACLANE,
  MAIN_MEMORY_MW,
  POOLING,
  RTL_CLOCK_MHZ,
  WEIGHT_BUFFER,
  dramBitsPerCycle,
  type MemoryType,
} from './constants';
import type { Layer, Network } from './workload';
import { im2colAddress, SCALESIM_CALC_BANDWIDTH, scaleSimUserMemory } from './scalesim-user';

export type Dataflow = 'os' | 'ws' | 'is';

/** An R x C systolic array with three double-buffered SRAMs and a main memory (SCALE-Sim's machine). */
export interface SystolicConfig {
  arrayHeight: number;
  arrayWidth: number;
  dataflow: Dataflow;
  ifmapSramKB: number;
  filterSramKB: number;
  ofmapSramKB: number;
  /** main-memory bandwidth, words per cycle (SCALE-Sim's `Bandwidth`). */
  bandwidth: number;
  /** bytes per word (SCALE-Sim: 1). */
  wordBytes: number;
  batch: number;
  clockMHz: number;
  memType: MemoryType;
  memConfig: number;
  /** lanes of the vector unit that runs pooling / standalone elementwise ops (0: array width). */
  vectorWidth: number;
  /**
   * Fill/drain skew of a partial fold: 'occupied' = only the rows/columns the fold uses (default;
   * compute cycles never grow with the array), 'full' = the whole array, as SCALE-Sim pads folds
   * (the paper's 2R + C + T - 2 per fold), 'scalesim' = SCALE-Sim v2's demand matrices exactly
   * (OS folds T + R + C - 2, WS/IS 2R + C + T - 2, cycles counted to the last ofmap write: -1).
   */
  foldSkew: FoldSkew;
}

export type FoldSkew = 'occupied' | 'full' | 'scalesim';

/** Per-layer result of the array model. Word counts are words, cycles are array clock cycles. */
export class SystolicLayerStats {
  macs = 0;
  /** GEMM view: rows mapped on the array (Sr), columns (Sc), streamed length (T). */
  sr = 0;
  sc = 0;
  t = 0;
  groups = 0;
  rowFolds = 0;
  colFolds = 0;
  computeCycles = 0;
  stallCycles = 0;
  vectorCycles = 0;
  cycles = 0;
  /** MACs / (R*C*cycles), in (0, 1] for array layers. */
  utilization = 0;
  /** MACs / (R*C*folds*T): the fraction of PE-slots that hold real work (ignores fill/drain). */
  mappingEfficiency = 0;
  sramIfmapReads = 0;
  sramFilterReads = 0;
  sramOfmapReads = 0;
  sramOfmapWrites = 0;
  dramIfmapReads = 0;
  dramFilterReads = 0;
  dramOfmapReads = 0;
  dramOfmapWrites = 0;
  macEnergyJ = 0;
  sramEnergyJ = 0;
  dramEnergyJ = 0;
  vectorEnergyJ = 0;
  leakageEnergyJ = 0;

  reset(): void {
    this.macs = this.sr = this.sc = this.t = this.groups = this.rowFolds = this.colFolds = 0;
    this.computeCycles = this.stallCycles = this.vectorCycles = this.cycles = 0;
    this.utilization = this.mappingEfficiency = 0;
    this.sramIfmapReads = this.sramFilterReads = this.sramOfmapReads = this.sramOfmapWrites = 0;
    this.dramIfmapReads = this.dramFilterReads = this.dramOfmapReads = this.dramOfmapWrites = 0;
    this.macEnergyJ = this.sramEnergyJ = this.dramEnergyJ = this.vectorEnergyJ = this.leakageEnergyJ = 0;
  }
}

/** Per-configuration constants derived once per evaluation (energies per event, leakage power). */
export class SystolicPhysics {
  /** J per MAC. */
  eMac = 0;
  /** J per word access of each SRAM. */
  eIfmap = 0;
  eFilter = 0;
  eOfmap = 0;
  /** J per main-memory word. */
  eDram = 0;
  /** J per vector-lane cycle. */
  eVector = 0;
  /** W of leakage of the whole accelerator. */
  leakW = 0;
  areaMm2 = 0;
  vectorWidth = 0;

  /** Fills the constants for one configuration (see README "Energy and area" for the sources). */
  set(c: SystolicConfig, activation: 'relu' | 'silu' | 'both'): this {
    const pes = c.arrayHeight * c.arrayWidth;
    const lane = MACLANE[1][activation];
    this.vectorWidth = c.vectorWidth > 0 ? c.vectorWidth : c.arrayWidth;
    // Dynamic power scales with clk/700 and energy = P / f, so energy per event is clock-independent.
    this.eMac = (lane.dynMw * 1e-3) / (RTL_CLOCK_MHZ * 1e6);
    this.eVector = (POOLING.dynMw * 1e-3) / (RTL_CLOCK_MHZ * 1e6);
    const ifMB = c.ifmapSramKB / 1024;
    const fMB = c.filterSramKB / 1024;
    const ofMB = c.ofmapSramKB / 1024;
    // An AccelBench buffer access moves one 64-element cube: divide to get energy per word.
    this.eIfmap = (bufferAccessNj(ACT_BUFFER, ifMB) * 1e-9) / 64;
    this.eOfmap = (bufferAccessNj(ACT_BUFFER, ofMB) * 1e-9) / 64;
    this.eFilter = (bufferAccessNj(WEIGHT_BUFFER, fMB) * 1e-9) / 64;
    const memMw = MAIN_MEMORY_MW[c.memType][c.memConfig - 1];
    const wordBits = 8 * c.wordBytes;
    // Main memory is busy wordBits / (bits per second) seconds per word at AccelBench's 40 GB/s.
    const bitsPerSecond = dramBitsPerCycle(RTL_CLOCK_MHZ) * RTL_CLOCK_MHZ * 1e6;
    this.eDram = ((memMw + DMA.dynMw) * 1e-3 * wordBits) / bitsPerSecond;
    const leakMw =
      pes * lane.leakMw +
      this.vectorWidth * POOLING.leakMw +
      DMA.leakMw +
      (ifMB + ofMB) * ACT_BUFFER.leakMwPerMB +
      fMB * WEIGHT_BUFFER.leakMwPerMB;
    this.leakW = leakMw * 1e-3;
    this.areaMm2 =
      (pes * lane.areaUm2 + this.vectorWidth * POOLING.areaUm2 + DMA.areaUm2) * 1e-6 +
      (ifMB + ofMB) * ACT_BUFFER.areaMm2PerMB +
      fMB * WEIGHT_BUFFER.areaMm2PerMB;
    return this;
  }
}

/**
 * Cycles to map an Sr x Sc grid streamed over T onto an R x C array. 'full': every fold pays the
 * whole array's skew, folds x (2R + C + T - 2) (SCALE-Sim). 'occupied': a fold using r rows and
 * c columns pays 2r + c + T - 2; summed over folds (the r sum to Sr per column fold, the c to Sc
 * per row fold) that is 2*Sr*colFolds + Sc*rowFolds + folds*(T - 2).
 */
export function foldCycles(sr: number, sc: number, t: number, r: number, c: number, skew: FoldSkew = 'full'): number {
  const rowFolds = Math.ceil(sr / r);
  const colFolds = Math.ceil(sc / c);
  if (skew === 'full') return rowFolds * colFolds * (2 * r + c + t - 2);
  return 2 * sr * colFolds + sc * rowFolds + rowFolds * colFolds * (t - 2);
}

/**
 * Evaluates one layer on the array into `s` (allocation-free). See README "Cycle model" for the
 * machine model; the closed forms match SCALE-Sim's for stall-free runs.
 */
export function evaluateSystolicLayer(l: Layer, c: SystolicConfig, ph: SystolicPhysics, s: SystolicLayerStats): SystolicLayerStats {
  s.reset();
  const b = c.batch;
  const R = c.arrayHeight;
  const C = c.arrayWidth;
  if (l.kind !== 'conv' && l.kind !== 'gemm') {
    // Pooling and standalone elementwise ops run on the vector unit at the array's output edge.
    if (l.fused) return s;
    let work: number;
    if (l.kind === 'pool') work = b * l.cout * l.ho * l.wo * l.kh * l.kw;
    else if (l.kind === 'gap') work = b * l.cin * l.h * l.w;
    else work = b * l.cout * l.ho * l.wo;
    s.vectorCycles = Math.ceil(work / ph.vectorWidth);
    s.cycles = s.vectorCycles;
    s.vectorEnergyJ = work * ph.eVector;
    s.leakageEnergyJ = (s.cycles / (c.clockMHz * 1e6)) * ph.leakW;
    return s;
  }
  const g = l.groups;
  // im2col: M output pixels (x batch), K = taps x input channels per group, N filters per group.
  const M = l.kind === 'conv' ? b * l.ho * l.wo : b * l.rows;
  const K = l.kh * l.kw * (l.cin / g);
  const N = l.cout / g;
  let sr: number, sc: number, t: number;
  if (c.dataflow === 'os') (sr = M), (sc = N), (t = K);
  else if (c.dataflow === 'ws') (sr = K), (sc = N), (t = M);
  else (sr = K), (sc = M), (t = N);
  const rowFolds = Math.ceil(sr / R);
  const colFolds = Math.ceil(sc / C);
  s.sr = sr;
  s.sc = sc;
  s.t = t;
  s.groups = g;
  s.rowFolds = rowFolds;
  s.colFolds = colFolds;
  s.macs = g * M * K * N;
  if (c.foldSkew === 'occupied') s.computeCycles = g * (2 * sr * colFolds + sc * rowFolds + rowFolds * colFolds * (t - 2));
  else if (c.foldSkew === 'full') s.computeCycles = g * rowFolds * colFolds * (2 * R + C + t - 2);
  else {
    // SCALE-Sim v2: the OS output drain overlaps the next fold's skew; its reported total is the
    // cycle index of the last ofmap write, one less than the number of demand rows.
    const fold = c.dataflow === 'os' ? R + C + t - 2 : 2 * R + C + t - 2;
    s.computeCycles = g * rowFolds * colFolds * fold - 1;
  }

  // SRAM traffic from the operand demand of each fold (padding lanes are not counted).
  const MK = M * K;
  const KN = K * N;
  const MN = M * N;
  if (c.dataflow === 'os') {
    s.sramIfmapReads = g * MK * colFolds;
    s.sramFilterReads = g * KN * rowFolds;
    s.sramOfmapWrites = g * MN;
  } else if (c.dataflow === 'ws') {
    s.sramFilterReads = g * KN;
    s.sramIfmapReads = g * MK * colFolds;
    s.sramOfmapWrites = g * MN * rowFolds;
    s.sramOfmapReads = g * MN * (rowFolds - 1);
  } else {
    s.sramIfmapReads = g * MK;
    s.sramFilterReads = g * KN * colFolds;
    s.sramOfmapWrites = g * MN * rowFolds;
    s.sramOfmapReads = g * MN * (rowFolds - 1);
  }

  // Main-memory traffic: unique operand words per group, re-fetched when the SRAM cannot hold
  // what the fold loop (row folds outer, column folds inner) reuses.
  const wordsPerKB = 1024 / c.wordBytes;
  const capIf = c.ifmapSramKB * wordsPerKB;
  const capF = c.filterSramKB * wordsPerKB;
  const capOf = c.ofmapSramKB * wordsPerKB;
  const uIf = l.kind === 'conv' ? (b * l.h * l.w * l.cin) / g : b * l.rows * l.cin;
  const uF = KN;
  const uOf = MN;
  const rowShare = Math.min(R, sr) / sr;
  if (c.foldSkew === 'scalesim') scaleSimDram(l, c, s, g, M, K, N, rowFolds, colFolds);
  else if (c.dataflow === 'os') {
    // ifmap rows (M) are the row operand, filter columns (N) are swept once per row fold.
    s.dramIfmapReads = g * (Math.ceil(uIf * rowShare) <= capIf ? uIf : uIf * colFolds);
    s.dramFilterReads = g * (uF <= capF ? uF : uF * rowFolds);
    s.dramOfmapWrites = g * uOf;
  } else if (c.dataflow === 'ws') {
    s.dramFilterReads = g * uF;
    s.dramIfmapReads = g * (Math.ceil(uIf * rowShare) <= capIf ? uIf : uIf * colFolds);
    const spill = uOf > capOf;
    s.dramOfmapWrites = g * (spill ? uOf * rowFolds : uOf);
    s.dramOfmapReads = g * (spill ? uOf * (rowFolds - 1) : 0);
  } else {
    s.dramIfmapReads = g * uIf;
    s.dramFilterReads = g * (Math.ceil(uF * rowShare) <= capF ? uF : uF * colFolds);
    const spill = uOf > capOf;
    s.dramOfmapWrites = g * (spill ? uOf * rowFolds : uOf);
    s.dramOfmapReads = g * (spill ? uOf * (rowFolds - 1) : 0);
  }

  // Double-buffered SRAMs overlap main-memory transfers with compute; the array stalls only
  // when the layer's transfers need more cycles than its compute.
  let dramWords = s.dramIfmapReads + s.dramFilterReads + s.dramOfmapReads + s.dramOfmapWrites;
  let transfer = Math.ceil(dramWords / c.bandwidth);
  if (c.foldSkew === 'scalesim') {
    if (c.bandwidth >= SCALESIM_CALC_BANDWIDTH) transfer = 0;
    else {
      // one port per operand; the first half-SRAM of each is fetched before cycle 0
      const u = scaleSimUserMemory(l, c, M, K, N);
      s.dramIfmapReads = g * u.ifmapReads;
      s.dramFilterReads = g * u.filterReads;
      dramWords = s.dramIfmapReads + s.dramFilterReads + s.dramOfmapWrites;
      const ofmapWords = Math.floor((c.ofmapSramKB * 1024) / c.wordBytes);
      transfer = g * Math.max(u.ifmapCycles, u.filterCycles, Math.ceil(Math.max(0, s.dramOfmapWrites / g - ofmapWords) / c.bandwidth));
    }
  }
  s.stallCycles = transfer > s.computeCycles ? transfer - s.computeCycles : 0;
  s.cycles = s.computeCycles + s.stallCycles;
  s.utilization = s.macs / (R * C * s.cycles);
  s.mappingEfficiency = s.macs / (R * C * g * rowFolds * colFolds * t);

  s.macEnergyJ = s.macs * ph.eMac;
  // SRAM fills from main memory are SRAM writes too.
  s.sramEnergyJ =
    (s.sramIfmapReads + s.dramIfmapReads) * ph.eIfmap +
    (s.sramFilterReads + s.dramFilterReads) * ph.eFilter +
    (s.sramOfmapReads + s.sramOfmapWrites + s.dramOfmapReads) * ph.eOfmap;
  s.dramEnergyJ = dramWords * ph.eDram;
  s.leakageEnergyJ = (s.cycles / (c.clockMHz * 1e6)) * ph.leakW;
  return s;
}

/**
 * SCALE-Sim v2's read SRAM in CALC mode (read_buffer_estimate_bw.py): missed words collect in sets
 * of 1/100 of the SRAM; completed sets of the current epoch hit, and the epoch is forgotten every
 * 50 sets (half the SRAM). Counts the words fetched from main memory for an address stream.
 */
class EpochCache {
  private seen = new Int32Array(0);
  private cur = new Int32Array(0);
  private epoch = 1;
  private set = 1;
  private inSet = 0;
  private sets = 0;
  misses = 0;
  private members: Int32Array;
  constructor(private setSize: number) {
    this.members = new Int32Array(Math.max(1, setSize));
  }

  reset(space: number): this {
    if (this.seen.length < space) (this.seen = new Int32Array(space)), (this.cur = new Int32Array(space));
    else this.seen.fill(0, 0, space), this.cur.fill(0, 0, space);
    this.epoch = this.set = 1;
    this.inSet = this.sets = this.misses = 0;
    return this;
  }

  touch(a: number): void {
    if (this.seen[a] === this.epoch || this.cur[a] === this.set) return;
    this.cur[a] = this.set;
    this.members[this.inSet] = a;
    this.misses++;
    if (++this.inSet < this.setSize) return;
    // the set completes: its words become hits until the epoch ends
    for (let i = 0; i < this.inSet; i++) this.seen[this.members[i]] = this.epoch;
    this.set++;
    this.inSet = 0;
    if (++this.sets === 50) (this.sets = 0), this.epoch++;
  }
}

/**
 * SCALE-Sim v2's main-memory accounting (InterfaceBandwidth CALC): each read operand is streamed in
 * the order of its demand matrices (column folds outer, row folds inner; skew ignored) through an
 * EpochCache; an operand whose unique words fit in half its SRAM is fetched once without
 * simulation. The ofmap SRAM is a write buffer: every ofmap write (partial sums included) reaches
 * main memory. Only words the layer touches are fetched (a 1x1 stride-2 conv reads a quarter).
 */
function scaleSimDram(l: Layer, c: SystolicConfig, s: SystolicLayerStats, g: number, M: number, K: number, N: number, rowFolds: number, colFolds: number): void {
  const setOf = (kb: number) => Math.floor((kb * 1024) / c.wordBytes / 100);
  const R = c.arrayHeight;
  const C = c.arrayWidth;
  const df = c.dataflow;
  let uIf: number;
  const conv = l.kind === 'conv';
  if (conv) {
    const rows = l.sh >= l.kh ? l.ho * l.kh : (l.ho - 1) * l.sh + l.kh;
    const cols = l.sw >= l.kw ? l.wo * l.kw : (l.wo - 1) * l.sw + l.kw;
    uIf = c.batch * rows * cols * (l.cin / g);
  } else uIf = c.batch * l.rows * l.cin;
  const uF = K * N;
  const cin = l.cin / g;
  const addrIf = (m: number, k: number): number => im2colAddress(l, m, k, K, cin);
  const ifSpace = conv ? c.batch * l.h * l.w * cin : M * K;
  let dIf = uIf;
  let dF = uF;
  const setIf = setOf(c.ifmapSramKB);
  const setF = setOf(c.filterSramKB);
  // Re-reads need a sweep that revisits the operand: OS/WS ifmap once per column fold (and
  // im2col overlap inside a sweep), OS filter once per row fold, IS filter once per column fold.
  if (uIf > 50 * setIf && df !== 'is') {
    const ec = scaleSimCache(setIf).reset(ifSpace);
    for (let fc = 0; fc < colFolds; fc++)
      for (let fr = 0; fr < rowFolds; fr++) {
        if (df === 'os') {
          // skewed: on demand line t, array row i asks for k = t - i
          const rows = Math.min(M, (fr + 1) * R) - fr * R;
          for (let t = 0; t < K + rows - 1; t++)
            for (let i = Math.max(0, t - K + 1), hi = Math.min(rows, t + 1); i < hi; i++) ec.touch(addrIf(fr * R + i, t - i));
        } else {
          const k1 = Math.min(K, (fr + 1) * R);
          for (let m = 0; m < M; m++) for (let k = fr * R; k < k1; k++) ec.touch(addrIf(m, k));
        }
      }
    dIf = ec.misses;
  } else if (uIf > 50 * setIf) {
    const ec = scaleSimCache(setIf).reset(ifSpace);
    for (let fc = 0; fc < colFolds; fc++) {
      const m1 = Math.min(M, (fc + 1) * C);
      for (let fr = 0; fr < rowFolds; fr++) {
        const k1 = Math.min(K, (fr + 1) * R);
        // the stationary tile is filled bottom row first
        for (let k = k1 - 1; k >= fr * R; k--) for (let m = fc * C; m < m1; m++) ec.touch(addrIf(m, k));
      }
    }
    dIf = ec.misses;
  }
  if (uF > 50 * setF && df !== 'ws') {
    const ec = scaleSimCache(setF).reset(uF);
    for (let fc = 0; fc < colFolds; fc++)
      for (let fr = 0; fr < rowFolds; fr++) {
        if (df === 'os') {
          const n1 = Math.min(N, (fc + 1) * C);
          for (let k = 0; k < K; k++) for (let n = fc * C; n < n1; n++) ec.touch(n * K + k);
        } else {
          const k1 = Math.min(K, (fr + 1) * R);
          for (let n = 0; n < N; n++) for (let k = fr * R; k < k1; k++) ec.touch(n * K + k);
        }
      }
    dF = ec.misses;
  }
  s.dramIfmapReads = g * dIf;
  s.dramFilterReads = g * dF;
  s.dramOfmapWrites = g * M * N * (df === 'os' ? 1 : rowFolds);
  s.dramOfmapReads = 0;
}

const epochCaches = new Map<number, EpochCache>();
function scaleSimCache(setSize: number): EpochCache {
  let e = epochCaches.get(setSize);
  if (!e) epochCaches.set(setSize, (e = new EpochCache(setSize)));
  return e;
}

/** Network totals of the array model. */
export interface SystolicTotals {
  cycles: number;
  computeCycles: number;
  stallCycles: number;
  vectorCycles: number;
  macs: number;
  latencyS: number;
  dynamicEnergyJ: number;
  leakageEnergyJ: number;
  energyJ: number;
  edp: number;
  areaMm2: number;
  utilization: number;
  sramReads: number;
  sramWrites: number;
  dramReads: number;
  dramWrites: number;
}

/** Evaluates a whole network; `perLayer` (optional) receives a copy of every layer's stats. */
export function evaluateSystolicNetwork(
  net: Network,
  c: SystolicConfig,
  perLayer?: SystolicLayerStats[],
  scratch: { s: SystolicLayerStats; ph: SystolicPhysics } = { s: new SystolicLayerStats(), ph: new SystolicPhysics() },
): SystolicTotals {
  const ph = scratch.ph.set(c, net.activation);
  const s = scratch.s;
  let cycles = 0, compute = 0, stall = 0, vector = 0, macs = 0, dyn = 0, leak = 0;
  let sramR = 0, sramW = 0, dramR = 0, dramW = 0;
  for (const l of net.layers) {
    evaluateSystolicLayer(l, c, ph, s);
    cycles += s.cycles;
    compute += s.computeCycles;
    stall += s.stallCycles;
    vector += s.vectorCycles;
    macs += s.macs;
    dyn += s.macEnergyJ + s.sramEnergyJ + s.dramEnergyJ + s.vectorEnergyJ;
    leak += s.leakageEnergyJ;
    sramR += s.sramIfmapReads + s.sramFilterReads + s.sramOfmapReads;
    sramW += s.sramOfmapWrites + s.dramIfmapReads + s.dramFilterReads + s.dramOfmapReads;
    dramR += s.dramIfmapReads + s.dramFilterReads + s.dramOfmapReads;
    dramW += s.dramOfmapWrites;
    if (perLayer) perLayer.push(Object.assign(new SystolicLayerStats(), s));
  }
  const latencyS = cycles / (c.clockMHz * 1e6);
  const energyJ = dyn + leak;
  return {
    cycles,
    computeCycles: compute,
    stallCycles: stall,
    vectorCycles: vector,
    macs,
    latencyS,
    dynamicEnergyJ: dyn,
    leakageEnergyJ: leak,
    energyJ,
    edp: energyJ * latencyS,
    areaMm2: ph.areaMm2,
    utilization: macs / (c.arrayHeight * c.arrayWidth * cycles),
    sramReads: sramR,
    sramWrites: sramW,
    dramReads: dramR,
    dramWrites: dramW,
  };
}
