import { AccelBenchEvaluator, type AccelLayerStats, type AccelTotals } from './accelbench';
import { MEMORY_CONFIGS } from './constants';
import { accelConfig, systolicConfig, type SystolicBackendOptions } from './options';
import { evaluateSystolicNetwork, type SystolicLayerStats, type SystolicTotals } from './systolic';
import type { Layer, Network } from './workload';

/** One row of the per-layer table (all models share the headline columns). */
export interface LayerRow {
  layer: string;
  kind: Layer['kind'];
  macs: number;
  /** cycles the layer occupies: pre-pass + compute + memory-bound excess (+ vector). */
  cycles: number;
  computeCycles: number;
  /** cycles beyond compute spent waiting for main memory. */
  memoryCycles: number;
  /** pooling / elementwise cycles (vector unit or AccelBench pre-pass units). */
  auxCycles: number;
  utilization: number;
  /** cycles / clock (the layer alone; AccelBench's total overlaps layers, see NetworkReport.metrics). */
  latencyS: number;
  dynamicEnergyJ: number;
  /** dynamic energy by component (J): mac/sram/dram/vector, or compute/load/buffer/pre-pass. */
  energyParts: Record<string, number>;
  /** model-specific numbers (fold counts, SRAM/DRAM word counts, load units...). */
  detail: Record<string, number | string | boolean>;
}

/** Network-level result in the units of the kernel Report metrics. */
export interface NetworkReport {
  model: 'systolic' | 'accelbench';
  network: string;
  hardware: Record<string, unknown>;
  metrics: {
    cycles: number;
    latencyS: number;
    energyJ: number;
    dynamicEnergyJ: number;
    leakageEnergyJ: number;
    areaMm2: number;
    edp: number;
    utilization: number;
    macs: number;
    [k: string]: number;
  };
  layers: LayerRow[];
}

/** Evaluates a network with the model the options select, keeping per-layer rows. */
export function evaluateNetwork(net: Network, o: SystolicBackendOptions, evaluator?: AccelBenchEvaluator): NetworkReport {
  if (o.model === 'systolic') {
    const c = systolicConfig(o);
    const per: SystolicLayerStats[] = [];
    const t: SystolicTotals = evaluateSystolicNetwork(net, c, per);
    const layers = net.layers.map((l, i): LayerRow => {
      const s = per[i];
      return {
        layer: l.name,
        kind: l.kind,
        macs: s.macs,
        cycles: s.cycles,
        computeCycles: s.computeCycles,
        memoryCycles: s.stallCycles,
        auxCycles: s.vectorCycles,
        utilization: s.utilization,
        latencyS: s.cycles / (c.clockMHz * 1e6),
        dynamicEnergyJ: s.macEnergyJ + s.sramEnergyJ + s.dramEnergyJ + s.vectorEnergyJ,
        energyParts: { MACs: s.macEnergyJ, SRAM: s.sramEnergyJ, 'main memory': s.dramEnergyJ, 'vector unit': s.vectorEnergyJ },
        detail:
          l.kind === 'conv' || l.kind === 'gemm'
            ? {
                Sr: s.sr,
                Sc: s.sc,
                T: s.t,
                groups: s.groups,
                rowFolds: s.rowFolds,
                colFolds: s.colFolds,
                mappingEfficiency: s.mappingEfficiency,
                sramIfmapReads: s.sramIfmapReads,
                sramFilterReads: s.sramFilterReads,
                sramOfmapReads: s.sramOfmapReads,
                sramOfmapWrites: s.sramOfmapWrites,
                dramIfmapReads: s.dramIfmapReads,
                dramFilterReads: s.dramFilterReads,
                dramOfmapReads: s.dramOfmapReads,
                dramOfmapWrites: s.dramOfmapWrites,
              }
            : { fused: l.fused },
      };
    });
    const { cycles, latencyS, energyJ, dynamicEnergyJ, leakageEnergyJ, areaMm2, edp, utilization, macs, ...rest } = t;
    return {
      model: 'systolic',
      network: net.name,
      hardware: { ...c },
      metrics: { cycles, latencyS, energyJ, dynamicEnergyJ, leakageEnergyJ, areaMm2, edp, utilization, macs, ...rest },
      layers,
    };
  }
  const c = accelConfig(o);
  const ev = evaluator ?? new AccelBenchEvaluator(net);
  const per: AccelLayerStats[] = [];
  const t: AccelTotals = ev.evaluate(c, per);
  const layers = net.layers.map((l, i): LayerRow => {
    const s = per[i];
    return {
      layer: l.name,
      kind: l.kind,
      macs: s.macs,
      cycles: s.cycles,
      computeCycles: s.computeCycles,
      memoryCycles: Math.max(0, s.blockLoadCycles - s.computeCycles),
      auxCycles: s.prepassCycles,
      utilization: s.denseLaneCycles > 0 ? s.blockMacs / (s.denseLaneCycles * c.Pib * c.Pix * c.Piy * c.Pif * c.Pof * c.Pkx * c.Pky) : 0,
      latencyS: s.cycles / (c.clockMHz * 1e6),
      dynamicEnergyJ: s.computeEnergyJ + s.loadEnergyJ + s.bufferEnergyJ + s.prepassEnergyJ,
      energyParts: { 'MAC lanes': s.computeEnergyJ, 'memory loads': s.loadEnergyJ, buffers: s.bufferEnergyJ, 'pre-pass units': s.prepassEnergyJ },
      detail: {
        actLoadCycles: s.actLoadCycles,
        wgtLoadCycles: s.wgtLoadCycles,
        actLoadUnits: s.actLoadUnits,
        wgtLoadUnits: s.wgtLoadUnits,
        blockLoadCycles: s.blockLoadCycles,
        tileLoads: s.tileLoads,
        inputResident: s.inputResident,
        fused: l.fused,
      },
    };
  });
  const { cycles, latencyS, energyJ, dynamicEnergyJ, leakageEnergyJ, areaMm2, edp, utilization, macs, ...rest } = t;
  return {
    model: 'accelbench',
    network: net.name,
    hardware: { ...c, PE: c.Pib * c.Pix * c.Piy, Lane: c.Pof * c.Pkx * c.Pky, memory: MEMORY_CONFIGS[c.memType][c.memConfig - 1] },
    metrics: { cycles, latencyS, energyJ, dynamicEnergyJ, leakageEnergyJ, areaMm2, edp, utilization, macs, ...rest },
    layers,
  };
}

const fmt = (x: number): string => {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e9) return String(x);
  if (a >= 1e4 || a < 1e-2) return x.toExponential(3);
  return x.toFixed(3);
};

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** Human-readable report: configuration, per-layer table, totals. */
export function formatReport(r: NetworkReport): string {
  const h = r.hardware as Record<string, number | string>;
  const head =
    r.model === 'systolic'
      ? `systolic array ${h.arrayHeight}x${h.arrayWidth} ${String(h.dataflow).toUpperCase()} | SRAM ifmap/filter/ofmap ${h.ifmapSramKB}/${h.filterSramKB}/${h.ofmapSramKB} KiB | ` +
        `bandwidth ${h.bandwidth} words/cycle | ${h.memType} config ${h.memConfig} | ${h.clockMHz} MHz | batch ${h.batch}`
      : `AccelBench PE=${h.PE} (Pib ${h.Pib}, Pix ${h.Pix}, Piy ${h.Piy}) Lane=${h.Lane} (Pof ${h.Pof}, Pkx ${h.Pkx}, Pky ${h.Pky}) Pif ${h.Pif} | ` +
        `buffers act/wgt/mask ${h.actBufferMB}/${h.wgtBufferMB}/${h.maskBufferMB} MB | ${h.memType} config ${h.memConfig} | ${h.clockMHz} MHz | batch ${h.batch} | sparsity act ${h.activationSparsity} wgt ${h.weightSparsity}`;
  const rows = r.layers.map((l) => {
    const d = l.detail;
    const common = [l.layer, l.kind, fmt(l.macs), fmt(l.cycles), fmt(l.computeCycles), fmt(l.memoryCycles), fmt(l.auxCycles), l.utilization ? l.utilization.toFixed(3) : '-'];
    if (r.model === 'systolic') {
      const arr = l.kind === 'conv' || l.kind === 'gemm';
      return [
        ...common,
        arr ? `${d.rowFolds}x${d.colFolds}${Number(d.groups) > 1 ? `x${d.groups}g` : ''}` : '-',
        arr ? fmt(Number(d.sramIfmapReads) + Number(d.sramFilterReads) + Number(d.sramOfmapReads)) : '-',
        arr ? fmt(Number(d.sramOfmapWrites)) : '-',
        arr ? fmt(Number(d.dramIfmapReads) + Number(d.dramFilterReads) + Number(d.dramOfmapReads)) : '-',
        arr ? fmt(Number(d.dramOfmapWrites)) : '-',
        fmt(l.dynamicEnergyJ),
      ];
    }
    return [...common, fmt(Number(d.actLoadCycles)), fmt(Number(d.wgtLoadCycles)), d.inputResident ? 'yes' : '-', fmt(l.dynamicEnergyJ)];
  });
  const headers =
    r.model === 'systolic'
      ? ['layer', 'kind', 'MACs', 'cycles', 'compute', 'stall', 'vector', 'util', 'folds', 'SRAM rd', 'SRAM wr', 'DRAM rd', 'DRAM wr', 'dyn J']
      : ['layer', 'kind', 'MACs', 'cycles', 'compute', 'mem-excess', 'pre-pass', 'util', 'act load', 'wgt load', 'resident', 'dyn J'];
  const m = r.metrics;
  const totals = [
    `total: ${fmt(m.cycles)} cycles = ${fmt(m.latencyS)} s | energy ${fmt(m.energyJ)} J (dynamic ${fmt(m.dynamicEnergyJ)}, leakage ${fmt(m.leakageEnergyJ)}) | ` +
      `EDP ${fmt(m.edp)} J*s | area ${fmt(m.areaMm2)} mm^2 | utilization ${m.utilization.toFixed(4)} | MACs ${fmt(m.macs)}`,
  ];
  if (r.model === 'systolic') {
    totals.push(`SRAM reads ${fmt(m.sramReads)} writes ${fmt(m.sramWrites)} words | DRAM reads ${fmt(m.dramReads)} writes ${fmt(m.dramWrites)} words | stall ${fmt(m.stallCycles)} cycles`);
  } else {
    totals.push(
      `cycles = pre-pass ${fmt(m.prepassCycles)} + input load ${fmt(m.initialLoadCycles)} + max(act loads ${fmt(m.actLoadCycles)}, wgt loads ${fmt(m.wgtLoadCycles)}, ` +
        `conv block loads ${fmt(m.convLoadCycles)}, matmul block loads ${fmt(m.matmulLoadCycles)}, MacLane ${fmt(m.computeCycles)}) | evicted units act ${fmt(m.actEvictions)} wgt ${fmt(m.wgtEvictions)}`,
    );
  }
  return [`${r.network} on ${head}`, table(headers, rows), ...totals].join('\n');
}

/** Rows of the per-layer cycle chart (pre-pass/vector, compute, memory excess). */
export function layerChartRows(r: NetworkReport): Array<Record<string, string | number>> {
  const rows: Array<Record<string, string | number>> = [];
  const auxName = r.model === 'systolic' ? 'vector unit' : 'pre-pass';
  const memName = r.model === 'systolic' ? 'memory stall' : 'memory-bound excess';
  for (const l of r.layers) {
    if (l.cycles === 0) continue;
    if (l.computeCycles > 0) rows.push({ layer: l.layer, component: 'compute', cycles: l.computeCycles });
    if (l.memoryCycles > 0) rows.push({ layer: l.layer, component: memName, cycles: l.memoryCycles });
    if (l.auxCycles > 0) rows.push({ layer: l.layer, component: auxName, cycles: l.auxCycles });
  }
  return rows;
}

/** Rows of the per-layer dynamic-energy chart (one row per layer and non-zero component). */
export function layerEnergyChartRows(r: NetworkReport): Array<Record<string, string | number>> {
  const rows: Array<Record<string, string | number>> = [];
  for (const l of r.layers) for (const [component, j] of Object.entries(l.energyParts)) if (j > 0) rows.push({ layer: l.layer, component, energyJ: j });
  return rows;
}
