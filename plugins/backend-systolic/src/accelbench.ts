import {
  ACCELBENCH_WORD_BITS,
  ACT_BUFFER,
  BATCHNORM,
  DATAFLOW,
  DMA,
  FIFO,
  GLOBALAVGPOOL,
  IM2COL,
  LOAD_UNIT_ELEMS,
  MACLANE,
  MAIN_MEMORY_MW,
  MASK_BUFFER,
  OVERLAP_FACTOR,
  POOLING,
  POSTSPARSITY,
  PRESPARSITY,
  RTL_CLOCK_MHZ,
  TILE,
  UPSAMPLING,
  WEIGHT_BUFFER,
  bufferAccessNj,
  dramBitsPerCycle,
  type MemoryType,
  type ModuleConst,
} from './constants';
import type { Layer, Network } from './workload';

/** An AccelBench accelerator (codesign-reference 3.1-3.2). Buffer sizes in MB (2^20 bytes). */
export interface AccelConfig {
  Pib: number;
  Pif: 1 | 16;
  Pix: number;
  Piy: number;
  Pof: number;
  Pkx: number;
  Pky: number;
  batch: number;
  actBufferMB: number;
  wgtBufferMB: number;
  maskBufferMB: number;
  memType: MemoryType;
  memConfig: number;
  clockMHz: number;
  activationSparsity: number;
  weightSparsity: number;
}

/** AccelBench's derived mask-buffer size (MB): round(PE*Lane*16*2/2^20/8, 3), at least 0.001. */
export function derivedMaskMB(c: Pick<AccelConfig, 'Pib' | 'Pix' | 'Piy' | 'Pof' | 'Pkx' | 'Pky'>): number {
  const raw = (c.Pib * c.Pix * c.Piy * c.Pof * c.Pkx * c.Pky * 16 * 2) / 1024 / 1024 / 8;
  return Math.max(0.001, Math.round(raw * 1000) / 1000);
}

/** Per-layer result of the AccelBench model (cycles at the accelerator clock, energies in J). */
export class AccelLayerStats {
  macs = 0;
  /** MacLane cycles after sparsity and overlap scaling (what the compute pipeline spends). */
  computeCycles = 0;
  /** MacLane cycles of the dense blocks (denominator of lane utilization). */
  denseLaneCycles = 0;
  /** MACs the block model issues (input-tile extents, AccelBench's convention). */
  blockMacs = 0;
  actLoadCycles = 0;
  wgtLoadCycles = 0;
  prepassCycles = 0;
  actLoadUnits = 0;
  wgtLoadUnits = 0;
  actStoreUnits = 0;
  tileLoads = 0;
  /** the layer's input was already resident in the activation buffer. */
  inputResident = false;
  computeEnergyJ = 0;
  loadEnergyJ = 0;
  bufferEnergyJ = 0;
  prepassEnergyJ = 0;

  reset(): void {
    this.macs = this.computeCycles = this.denseLaneCycles = this.blockMacs = 0;
    this.actLoadCycles = this.wgtLoadCycles = this.prepassCycles = 0;
    this.actLoadUnits = this.wgtLoadUnits = this.actStoreUnits = this.tileLoads = 0;
    this.inputResident = false;
    this.computeEnergyJ = this.loadEnergyJ = this.bufferEnergyJ = this.prepassEnergyJ = 0;
  }

  /** Cycles this layer would take alone with its loads and compute overlapped. */
  get cycles(): number {
    return this.prepassCycles + Math.max(this.actLoadCycles, this.wgtLoadCycles, this.computeCycles);
  }
}

export interface AccelTotals {
  cycles: number;
  prepassCycles: number;
  initialLoadCycles: number;
  computeCycles: number;
  actLoadCycles: number;
  wgtLoadCycles: number;
  macs: number;
  latencyS: number;
  dynamicEnergyJ: number;
  leakageEnergyJ: number;
  energyJ: number;
  edp: number;
  areaMm2: number;
  utilization: number;
  dramReadBits: number;
}

const scaled = (m: ModuleConst, clk: number): number => (m.unscaled ? m.dynMw : (m.dynMw * clk) / RTL_CLOCK_MHZ);

/**
 * A network compiled for repeated AccelBench evaluation: tensor names become small integers and
 * all scratch state is preallocated, so `evaluate` allocates nothing (a searcher's inner loop).
 */
export class AccelBenchEvaluator {
  readonly net: Network;
  private readonly inId: Int32Array;
  private readonly outId: Int32Array;
  private readonly outElems: Float64Array;
  private readonly inElems: Float64Array;
  // FIFO of resident tensors (insertion order = eviction order, as AccelBench).
  private readonly fifoId: Int32Array;
  private readonly fifoSize: Float64Array;
  private fifoLen = 0;
  private fifoTotal = 0;
  private readonly s = new AccelLayerStats();

  constructor(net: Network) {
    this.net = net;
    const ids = new Map<string, number>();
    const resolve = (name: string): number => {
      let n = name;
      for (let guard = 0; net.aliases[n] !== undefined && guard < 1000; guard++) n = net.aliases[n];
      let id = ids.get(n);
      if (id === undefined) ids.set(n, (id = ids.size));
      return id;
    };
    const L = net.layers.length;
    this.inId = new Int32Array(L);
    this.outId = new Int32Array(L);
    this.outElems = new Float64Array(L);
    this.inElems = new Float64Array(L);
    net.layers.forEach((l, i) => {
      this.inId[i] = resolve(l.input);
      this.outId[i] = resolve(l.output);
      this.inElems[i] = l.kind === 'gemm' ? l.rows * l.cin : l.h * l.w * l.cin;
      this.outElems[i] = l.kind === 'gemm' ? l.rows * l.cout : l.ho * l.wo * l.cout;
    });
    this.fifoId = new Int32Array(L + 1);
    this.fifoSize = new Float64Array(L + 1);
  }

  private resident(id: number): boolean {
    for (let i = 0; i < this.fifoLen; i++) if (this.fifoId[i] === id) return true;
    return false;
  }

  /** Inserts a tensor (elements) and evicts the oldest ones while over capacity. */
  private insert(id: number, elems: number, capacity: number): void {
    if (this.resident(id)) return;
    if (elems > capacity) return;
    this.fifoId[this.fifoLen] = id;
    this.fifoSize[this.fifoLen] = elems;
    this.fifoLen++;
    this.fifoTotal += elems;
    let drop = 0;
    while (this.fifoTotal > capacity && drop < this.fifoLen) this.fifoTotal -= this.fifoSize[drop++];
    if (drop > 0) {
      this.fifoId.copyWithin(0, drop, this.fifoLen);
      this.fifoSize.copyWithin(0, drop, this.fifoLen);
      this.fifoLen -= drop;
    }
  }

  /**
   * Evaluates the network on one accelerator. `perLayer`, when given, receives a copy of each
   * layer's stats (the report path); without it the call allocates only the returned totals.
   */
  evaluate(c: AccelConfig, perLayer?: AccelLayerStats[]): AccelTotals {
    const clk = c.clockMHz;
    const PE = c.Pib * c.Pix * c.Piy;
    const Lane = c.Pof * c.Pkx * c.Pky;
    const Mac = c.Pif;
    const peak = PE * Lane * Mac;
    const B = c.batch;
    const sparse = (1 - c.activationSparsity) * (1 - c.weightSparsity) * OVERLAP_FACTOR;
    const bw = dramBitsPerCycle(clk);
    const unitBitsAct = LOAD_UNIT_ELEMS * ACCELBENCH_WORD_BITS * (1 - c.activationSparsity);
    const unitBitsWgt = LOAD_UNIT_ELEMS * ACCELBENCH_WORD_BITS * (1 - c.weightSparsity);
    const actCap = (c.actBufferMB * 8 * 1024 * 1024) / ACCELBENCH_WORD_BITS;
    const wgtCap = (c.wgtBufferMB * 8 * 1024 * 1024) / ACCELBENCH_WORD_BITS;
    const lane = MACLANE[Mac][this.net.activation];
    const secPerCycle = 1 / (clk * 1e6);
    // Power (mW) while a conv block / matmul block / load is active.
    const pMatmul =
      scaled(lane, clk) * PE * Lane +
      scaled(DATAFLOW, clk) * PE +
      scaled(FIFO, clk) * PE * Lane * Mac * 2 +
      scaled(PRESPARSITY, clk) * PE * Lane +
      scaled(POSTSPARSITY, clk) * PE * Lane;
    const pConv = pMatmul + 2 * scaled(IM2COL, clk) * PE * Lane;
    const pLoad = scaled(DMA, clk) * PE + MAIN_MEMORY_MW[c.memType][c.memConfig - 1];
    const eMaskNj = bufferAccessNj(MASK_BUFFER, c.maskBufferMB);
    const eActNj = bufferAccessNj(ACT_BUFFER, c.actBufferMB);
    const eWgtNj = bufferAccessNj(WEIGHT_BUFFER, c.wgtBufferMB);

    this.fifoLen = 0;
    this.fifoTotal = 0;
    const s = this.s;
    let prepass = 0, compute = 0, actLoad = 0, wgtLoad = 0, macs = 0, dense = 0, blockMacs = 0;
    let dyn = 0, dramBits = 0;
    let initialAct = -1, initialWgt = 0;
    const layers = this.net.layers;
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i];
      s.reset();
      if (l.kind === 'conv' || l.kind === 'gemm') {
        const resident = this.resident(this.inId[i]);
        s.inputResident = resident;
        if (l.kind === 'conv') {
          const g = l.groups;
          const C = l.cin / g;
          const O = l.cout / g;
          s.macs = B * l.ho * l.wo * l.cout * l.kh * l.kw * C;
          // Blocks = input tiles (b, x, y, c) x output-channel tiles of Tib [quirk]; the block sum of
          // a product of per-dimension ceilings is enumerated over full/remainder tile classes.
          const kc = Math.ceil(l.kh / c.Pkx) * Math.ceil(l.kw / c.Pky);
          let cyc = 0, den = 0;
          const nbF = Math.floor(B / TILE.b), rb = B - nbF * TILE.b;
          const nxF = Math.floor(l.h / TILE.x), rx = l.h - nxF * TILE.x;
          const nyF = Math.floor(l.w / TILE.y), ry = l.w - nyF * TILE.y;
          const ncF = Math.floor(C / TILE.c), rc = C - ncF * TILE.c;
          const noF = Math.floor(O / TILE.b), ro = O - noF * TILE.b;
          for (let ib = 0; ib < 2; ib++) {
            const nb = ib === 0 ? nbF : rb > 0 ? 1 : 0;
            if (nb === 0) continue;
            const fb = Math.ceil((ib === 0 ? TILE.b : rb) / c.Pib);
            for (let ix = 0; ix < 2; ix++) {
              const nx = ix === 0 ? nxF : rx > 0 ? 1 : 0;
              if (nx === 0) continue;
              const fx = fb * Math.ceil((ix === 0 ? TILE.x : rx) / c.Pix);
              for (let iy = 0; iy < 2; iy++) {
                const ny = iy === 0 ? nyF : ry > 0 ? 1 : 0;
                if (ny === 0) continue;
                const fy = fx * Math.ceil((iy === 0 ? TILE.y : ry) / c.Piy);
                for (let ic = 0; ic < 2; ic++) {
                  const nc = ic === 0 ? ncF : rc > 0 ? 1 : 0;
                  if (nc === 0) continue;
                  const fc = fy * Math.ceil((ic === 0 ? TILE.c : rc) / Mac);
                  for (let io = 0; io < 2; io++) {
                    const no = io === 0 ? noF : ro > 0 ? 1 : 0;
                    if (no === 0) continue;
                    const blk = fc * Math.ceil((io === 0 ? TILE.b : ro) / c.Pof) * kc;
                    const count = nb * nx * ny * nc * no;
                    cyc += count * Math.ceil(blk * sparse);
                    den += count * blk;
                  }
                }
              }
            }
          }
          const inTiles = Math.ceil(B / TILE.b) * Math.ceil(l.h / TILE.x) * Math.ceil(l.w / TILE.y) * Math.ceil(C / TILE.c);
          const outTiles = Math.ceil(O / TILE.b);
          s.computeCycles = g * cyc;
          s.denseLaneCycles = g * den;
          s.blockMacs = g * B * l.h * l.w * C * O * l.kh * l.kw;
          // Weights: one load per output-channel tile, re-fetched per input tile when the group's
          // filter does not fit the weight buffer.
          const filterElems = O * l.kh * l.kw * C;
          const perTile = l.kh * l.kw * C;
          const wUnits = noF * Math.ceil((TILE.b * perTile) / LOAD_UNIT_ELEMS) + (ro > 0 ? Math.ceil((ro * perTile) / LOAD_UNIT_ELEMS) : 0);
          const wReps = filterElems <= wgtCap ? 1 : inTiles;
          s.wgtLoadUnits = g * wUnits * wReps;
          s.tileLoads += g * outTiles * wReps;
          if (!resident) {
            // Activations in 4x4x4 cubes; an input tile larger than the buffer is re-fetched per output tile.
            const tileElems = Math.min(B, TILE.b) * Math.min(l.h, TILE.x) * Math.min(l.w, TILE.y) * Math.min(C, TILE.c);
            const aReps = tileElems <= actCap ? 1 : outTiles;
            s.actLoadUnits = g * B * Math.ceil(l.h / 4) * Math.ceil(l.w / 4) * Math.ceil(C / 4) * aReps;
            s.tileLoads += g * inTiles * aReps;
          }
          s.actStoreUnits = B * Math.ceil(l.ho / 4) * Math.ceil(l.wo / 4) * Math.ceil(l.cout / 4);
          if (initialAct < 0) {
            const firstA = Math.min(B, TILE.b) * Math.ceil(Math.min(l.h, TILE.x) / 4) * Math.ceil(Math.min(l.w, TILE.y) / 4) * Math.ceil(Math.min(C, TILE.c) / 4);
            initialAct = resident ? 0 : Math.ceil((firstA * unitBitsAct) / bw);
            initialWgt = Math.ceil((Math.ceil((Math.min(O, TILE.b) * perTile) / LOAD_UNIT_ELEMS) * unitBitsWgt) / bw);
          }
          s.computeEnergyJ = s.computeCycles * secPerCycle * pConv * 1e-3;
        } else {
          const rows = B * l.rows;
          s.macs = rows * l.cin * l.cout;
          const denseC = Math.ceil(s.macs / peak);
          s.computeCycles = Math.ceil(denseC * sparse);
          s.denseLaneCycles = denseC;
          s.blockMacs = s.macs;
          s.wgtLoadUnits = Math.ceil(l.cin / 8) * Math.ceil(l.cout / 8);
          s.tileLoads = 1;
          if (!resident) {
            s.actLoadUnits = Math.ceil(rows / 8) * Math.ceil(l.cin / 8);
            s.tileLoads++;
          }
          s.actStoreUnits = Math.ceil(rows / 8) * Math.ceil(l.cout / 8);
          if (initialAct < 0) {
            initialAct = resident ? 0 : Math.ceil((Math.min(s.actLoadUnits, 1) * unitBitsAct) / bw);
            initialWgt = Math.ceil(unitBitsWgt / bw);
          }
          s.computeEnergyJ = s.computeCycles * secPerCycle * pMatmul * 1e-3;
        }
        s.actLoadCycles = Math.ceil((s.actLoadUnits * unitBitsAct) / bw);
        s.wgtLoadCycles = Math.ceil((s.wgtLoadUnits * unitBitsWgt) / bw);
        if (!resident) this.insert(this.inId[i], B * this.inElems[i], actCap);
        s.loadEnergyJ = (s.actLoadCycles + s.wgtLoadCycles) * secPerCycle * pLoad * 1e-3 + s.tileLoads * eMaskNj * 1e-9;
        s.bufferEnergyJ = ((s.actLoadUnits + s.actStoreUnits) * eActNj + s.wgtLoadUnits * eWgtNj) * 1e-9;
        dramBits += s.actLoadUnits * unitBitsAct + s.wgtLoadUnits * unitBitsWgt;
      } else if (!l.fused) {
        // Pre-pass units (serial): widths follow AccelBench's Accelerator.py.
        let p = 0;
        if (l.kind === 'bn') {
          s.prepassCycles = Math.ceil((B * l.h * l.w) / (Mac * PE)) * l.cin;
          p = scaled(BATCHNORM, clk) * PE;
        } else if (l.kind === 'pool') {
          s.prepassCycles = Math.ceil((B * l.cout * l.ho * l.wo * 25) / (25 * PE));
          p = scaled(POOLING, clk) * PE;
        } else if (l.kind === 'gap') {
          s.prepassCycles = Math.ceil((l.h * l.w) / 25) * Math.ceil((B * l.cin * 25) / (25 * PE));
          p = scaled(GLOBALAVGPOOL, clk) * PE;
        } else {
          // Elementwise ops (e.g. residual add) are not in AccelBench's vocabulary: we run them on
          // the batch-norm units (one element per MAC per cycle) [our extension].
          s.prepassCycles = Math.ceil((B * l.ho * l.wo * l.cout) / (Mac * PE));
          p = scaled(BATCHNORM, clk) * PE;
        }
        s.prepassEnergyJ = s.prepassCycles * secPerCycle * p * 1e-3;
        s.actStoreUnits = B * Math.ceil(l.ho / 4) * Math.ceil(l.wo / 4) * Math.ceil(l.cout / 4);
        s.bufferEnergyJ = s.actStoreUnits * eActNj * 1e-9;
      }
      this.insert(this.outId[i], B * this.outElems[i], actCap);
      prepass += s.prepassCycles;
      compute += s.computeCycles;
      actLoad += s.actLoadCycles;
      wgtLoad += s.wgtLoadCycles;
      macs += s.macs;
      dense += s.denseLaneCycles;
      blockMacs += s.blockMacs;
      dyn += s.computeEnergyJ + s.loadEnergyJ + s.bufferEnergyJ + s.prepassEnergyJ;
      if (perLayer) perLayer.push(Object.assign(new AccelLayerStats(), s));
    }
    if (initialAct < 0) initialAct = 0;
    // The first block's operands load before the pipeline starts; the rest overlaps compute.
    const initial = Math.max(initialAct, initialWgt);
    const cycles = prepass + initial + Math.max(actLoad - initialAct, wgtLoad - initialWgt, compute);
    const latencyS = cycles * secPerCycle;
    const leakMw = this.leakageMw(c);
    const leakageEnergyJ = latencyS * leakMw * 1e-3;
    const energyJ = dyn + leakageEnergyJ;
    return {
      cycles,
      prepassCycles: prepass,
      initialLoadCycles: initial,
      computeCycles: compute,
      actLoadCycles: actLoad,
      wgtLoadCycles: wgtLoad,
      macs,
      latencyS,
      dynamicEnergyJ: dyn,
      leakageEnergyJ,
      energyJ,
      edp: energyJ * latencyS,
      areaMm2: accelAreaMm2(c, this.net.activation),
      utilization: dense > 0 ? blockMacs / (peak * dense) : 0,
      dramReadBits: dramBits,
    };
  }

  /** Total leakage power (mW) of the accelerator. */
  leakageMw(c: AccelConfig): number {
    return accelModules(c, this.net.activation).reduce((sum, m) => sum + m.count * m.m.leakMw, 0) + bufferLeakMw(c);
  }
}

function accelModules(c: AccelConfig, activation: 'relu' | 'silu' | 'both'): Array<{ m: ModuleConst; count: number }> {
  const PE = c.Pib * c.Pix * c.Piy;
  const Lane = c.Pof * c.Pkx * c.Pky;
  return [
    { m: MACLANE[c.Pif][activation], count: PE * Lane },
    { m: DATAFLOW, count: PE },
    { m: DMA, count: PE },
    { m: FIFO, count: PE * Lane * c.Pif * 2 },
    { m: BATCHNORM, count: PE },
    { m: IM2COL, count: PE * Lane },
    { m: POOLING, count: PE },
    { m: GLOBALAVGPOOL, count: PE },
    { m: UPSAMPLING, count: PE },
    { m: PRESPARSITY, count: PE * Lane },
    { m: POSTSPARSITY, count: PE * Lane },
  ];
}

function bufferLeakMw(c: AccelConfig): number {
  return c.actBufferMB * ACT_BUFFER.leakMwPerMB + c.wgtBufferMB * WEIGHT_BUFFER.leakMwPerMB + c.maskBufferMB * MASK_BUFFER.leakMwPerMB;
}

/** Chip area (mm^2): module areas x replication plus the three buffers. */
export function accelAreaMm2(c: AccelConfig, activation: 'relu' | 'silu' | 'both' = 'relu'): number {
  const modules = accelModules(c, activation).reduce((sum, m) => sum + m.count * m.m.areaUm2, 0) * 1e-6;
  return (
    modules +
    c.actBufferMB * ACT_BUFFER.areaMm2PerMB +
    c.wgtBufferMB * WEIGHT_BUFFER.areaMm2PerMB +
    c.maskBufferMB * MASK_BUFFER.areaMm2PerMB
  );
}
