import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeChart, type Row } from '@fuseflow/plots';
import type { ExperimentRowResult } from './experiments';
import { FIG14_CONFIGS } from './figures';

/** A figure's report: the table as text, its rows (JSON) and the files written. */
export interface FigureReport {
  text: string;
  rows: unknown[];
  files: string[];
}

const fmt = (v: number | undefined | null, digits = 2): string =>
  v === undefined || v === null || !Number.isFinite(v) ? '-' : Math.abs(v) >= 1000 || Number.isInteger(v) ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits);

/** Fixed-width table; the first `left` columns are left-aligned, the rest right-aligned. */
export function textTable(head: string[], body: string[][], left = 1): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < left || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n');
}

const errorText = (r: ExperimentRowResult | undefined): string => (!r ? 'missing' : r.ok ? (r.valuesChecked ? 'checked' : 'NOT checked') : `FAILED: ${r.error?.code ?? ''} ${r.error?.message ?? ''}`.replace(/\s+/g, ' ').slice(0, 160));

// ---------------------------------------------------------------- Figure 14

/** Published Figure 14 (Cora-ML), normalized by unfused: [FLOPs, memory accesses] per configuration. */
export const FIG14_PUBLISHED: Record<string, [number, number]> = (() => {
  const flops = [2477724772, 240329975, 292489512, 240409687, 292409800];
  const mem = [3422625009, 305549531, 493297493, 305123333, 493723691];
  return Object.fromEntries(FIG14_CONFIGS.map((c, i) => [c.name, [flops[i] / flops[4], mem[i] / mem[4]]]));
})();

export interface Fig14Row {
  dataset: string;
  configuration: string;
  cycles?: number;
  flops?: number;
  bytes?: number;
  normFlops?: number;
  normBytes?: number;
  estFlops?: number;
  estBytes?: number;
  estNormFlops?: number;
  estNormBytes?: number;
  /** the same with recomputed intermediates (pass-fusion `intermediates: recompute`), normalized by the same unfused run. */
  recompute?: { flops?: number; bytes?: number; normFlops?: number; normBytes?: number; estNormFlops?: number; estNormBytes?: number };
  /** the simulated runs' rda-sim sampling (fraction of rows simulated, FLOPs/bytes extrapolated). */
  sampled?: boolean;
  published?: { flops: number; bytes: number };
  status: string;
}

/** Normalize the simulator's and the estimator's FLOPs/bytes of each GCN configuration by unfused. */
export function fig14Rows(results: ExperimentRowResult[]): Fig14Row[] {
  const datasets = [...new Set(results.map((r) => r.label))];
  return datasets.flatMap((ds) => {
    const find = (c: string, x: string) => results.find((r) => r.label === ds && r.configuration === c && r.x === x);
    const base = find('unfused', 'sim')?.metrics;
    const estBase = find('unfused', 'estimate')?.metrics;
    return FIG14_CONFIGS.map(({ name }) => {
      const sim = find(name, 'sim');
      const est = find(name, 'estimate');
      const m = sim?.ok ? sim.metrics : undefined;
      const e = est?.ok ? est.metrics : undefined;
      const pub = FIG14_PUBLISHED[name];
      // unfused has nothing to share: its single run is the recomputing one too
      const rSim = name === 'unfused' ? sim : find(name, 'sim recompute');
      const rEst = name === 'unfused' ? est : find(name, 'estimate recompute');
      const rm = rSim?.ok ? rSim.metrics : undefined;
      const re = rEst?.ok ? rEst.metrics : undefined;
      const failed = [rSim && !rSim.ok ? `recompute ${errorText(rSim)}` : '', rEst && !rEst.ok ? `estimate recompute ${errorText(rEst)}` : ''].filter(Boolean).join('; ');
      return {
        dataset: ds,
        configuration: name,
        cycles: m?.cycles,
        flops: m?.flops,
        bytes: m?.bytes,
        normFlops: m && base ? m.flops / base.flops : undefined,
        normBytes: m && base ? m.bytes / base.bytes : undefined,
        estFlops: e?.flops,
        estBytes: e?.bytes,
        estNormFlops: e && estBase ? e.flops / estBase.flops : undefined,
        estNormBytes: e && estBase ? e.bytes / estBase.bytes : undefined,
        ...(rSim || rEst
          ? {
              recompute: {
                flops: rm?.flops,
                bytes: rm?.bytes,
                normFlops: rm && base ? rm.flops / base.flops : undefined,
                normBytes: rm && base ? rm.bytes / base.bytes : undefined,
                estNormFlops: re && estBase ? re.flops / estBase.flops : undefined,
                estNormBytes: re && estBase ? re.bytes / estBase.bytes : undefined,
              },
            }
          : {}),
        ...(sim?.sampling?.sampled ? { sampled: true } : {}),
        ...(pub ? { published: { flops: pub[0], bytes: pub[1] } } : {}),
        status: (sim?.ok && est?.ok ? errorText(sim) : `${errorText(sim)}${est && !est.ok ? `; estimate ${errorText(est)}` : ''}`) + (failed ? `; ${failed}` : ''),
      };
    });
  });
}

export function fig14Text(rows: Fig14Row[]): string {
  const head = [
    'dataset', 'configuration', 'cycles', 'FLOPs', 'bytes', 'FLOPs/unf', 'bytes/unf', 'est FLOPs/unf', 'est bytes/unf',
    'recomp FLOPs/unf', 'recomp bytes/unf', 'est recomp FLOPs/unf', 'est recomp bytes/unf', 'paper FLOPs/unf', 'paper mem/unf', 'values',
  ];
  const tilde = (r: Fig14Row, v: string): string => (r.sampled && v !== '-' ? `~${v}` : v);
  const body = rows.map((r) => [
    r.dataset, r.configuration, tilde(r, fmt(r.cycles)), tilde(r, fmt(r.flops)), tilde(r, fmt(r.bytes)), fmt(r.normFlops), fmt(r.normBytes), fmt(r.estNormFlops), fmt(r.estNormBytes),
    fmt(r.recompute?.normFlops), fmt(r.recompute?.normBytes), fmt(r.recompute?.estNormFlops), fmt(r.recompute?.estNormBytes),
    fmt(r.published?.flops), fmt(r.published?.bytes), r.status,
  ]);
  return [
    textTable(head, body, 2),
    '',
    'FLOPs and bytes are the simulator counters (ALU + reduce ops; 4 x crd/seg/value reads + writes), normalized by unfused; est = the analytic estimator (backend estimate); paper = Figure 14, Cora-ML.',
    'Intermediates used by several consumers of a fused group are computed once and broadcast (pass-fusion intermediates: share); recomp = recomputed per use (intermediates: recompute), normalized by the same unfused run.',
    ...(rows.some((r) => r.sampled) ? ['~ = extrapolated from a seeded sample of the rows (rda-sim sample option); the normalized columns are ratios of extrapolated counts.'] : []),
  ].join('\n');
}

export async function fig14Chart(rows: Fig14Row[], basePath: string): Promise<string[]> {
  const data: Row[] = rows.flatMap((r) => [
    ...(r.normFlops !== undefined ? [{ configuration: r.configuration, source: 'simulator', flops: r.normFlops, bytes: r.normBytes ?? null }] : []),
    ...(r.estNormFlops !== undefined ? [{ configuration: r.configuration, source: 'estimator', flops: r.estNormFlops, bytes: r.estNormBytes ?? null }] : []),
    ...(r.recompute?.normFlops !== undefined && r.configuration !== 'unfused'
      ? [{ configuration: r.configuration, source: 'simulator, recomputed', flops: r.recompute.normFlops, bytes: r.recompute.normBytes ?? null }]
      : []),
    ...(r.published ? [{ configuration: r.configuration, source: 'paper (Cora-ML)', flops: r.published.flops, bytes: r.published.bytes }] : []),
  ]);
  return writeChart(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: 'GCN: normalized FLOPs vs normalized bytes (Figure 14)',
      width: 420,
      height: 300,
      data: { values: data },
      mark: { type: 'point', filled: true, size: 110, opacity: 0.85 },
      encoding: {
        x: { field: 'flops', type: 'quantitative', scale: { type: 'log' }, title: 'FLOPs / unfused (log)' },
        y: { field: 'bytes', type: 'quantitative', scale: { type: 'log' }, title: 'bytes / unfused (log)' },
        color: { field: 'configuration', type: 'nominal', sort: FIG14_CONFIGS.map((c) => c.name), legend: { labelLimit: 300 } },
        shape: { field: 'source', type: 'nominal' },
      },
    },
    basePath,
  );
}

// ---------------------------------------------------------------- Figure 15

/** Published Figure 15b speedups over P = 1 (MHA): 2.00x at P=2, 4.00x at P=4 on either level, 16.0x with P=4 on both. */
export const FIG15_PUBLISHED: Record<number, number> = { 1: 1, 2: 2.0, 4: 4.0, 16: 16.0 };

export interface Fig15Row {
  location: string;
  factor: number;
  cycles?: number;
  speedup?: number;
  published?: number;
  status: string;
}

/** Cycles per (location, P) and the speedup over P = 1 (for 'both levels': over the outermost level's P = 1). */
export function fig15Rows(results: ExperimentRowResult[]): Fig15Row[] {
  const p1 = results.find((r) => Number(r.x) === 1 && r.ok)?.metrics?.cycles;
  return results.map((r) => {
    const own = results.find((o) => o.label === r.label && Number(o.x) === 1 && o.ok)?.metrics?.cycles ?? p1;
    const cycles = r.ok ? r.metrics?.cycles : undefined;
    const factor = Number(r.x);
    const pub = r.label.startsWith('both') ? FIG15_PUBLISHED[factor] : factor <= 4 ? FIG15_PUBLISHED[factor] : undefined;
    return { location: r.label, factor, cycles, speedup: cycles && own ? own / cycles : undefined, ...(pub !== undefined ? { published: pub } : {}), status: errorText(r) };
  });
}

export function fig15Text(rows: Fig15Row[]): string {
  const head = ['parallel location', 'P (lanes)', 'cycles', 'speedup vs P=1', 'paper speedup', 'values'];
  return textTable(head, rows.map((r) => [r.location, String(r.factor), fmt(r.cycles), fmt(r.speedup), fmt(r.published), r.status]));
}

export async function fig15Chart(rows: Fig15Row[], basePath: string): Promise<string[]> {
  const data: Row[] = rows.filter((r) => r.speedup !== undefined).map((r) => ({ location: r.location, lanes: r.factor, speedup: r.speedup!, cycles: r.cycles! }));
  const ideal: Row[] = [...new Set(rows.map((r) => r.factor))].sort((a, b) => a - b).map((p) => ({ location: 'ideal (linear)', lanes: p, speedup: p, cycles: null }));
  return writeChart(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: 'Speedup vs parallel lanes and location (Figure 15)',
      width: 420,
      height: 300,
      data: { values: [...data, ...ideal] },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'lanes', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'parallel lanes P (log2)' },
        y: { field: 'speedup', type: 'quantitative', scale: { type: 'log', base: 2 }, title: 'speedup over P = 1 (log2)' },
        color: { field: 'location', type: 'nominal', legend: { labelLimit: 300 } },
        strokeDash: { condition: { test: "datum.location === 'ideal (linear)'", value: [4, 4] }, value: [1, 0] },
      },
    },
    basePath,
  );
}

// ---------------------------------------------------------------- Figure 16

export interface Fig16Row {
  block: number;
  scalarCycles?: number;
  blockedCycles?: number;
  speedup?: number;
  status: string;
}

export function fig16Rows(results: ExperimentRowResult[]): Fig16Row[] {
  const blocks = [...new Set(results.map((r) => Number(r.x)))];
  return blocks.map((b) => {
    const s = results.find((r) => Number(r.x) === b && r.label === 'scalar');
    const k = results.find((r) => Number(r.x) === b && r.label === 'blocked');
    const sc = s?.ok ? s.metrics?.cycles : undefined;
    const bc = k?.ok ? k.metrics?.cycles : undefined;
    return { block: b, scalarCycles: sc, blockedCycles: bc, speedup: sc && bc ? sc / bc : undefined, status: `scalar ${errorText(s)}; blocked ${errorText(k)}` };
  });
}

export function fig16Text(rows: Fig16Row[]): string {
  const head = ['block', 'scalar cycles', 'blocked cycles', 'speedup', 'values'];
  return [
    textTable(head, rows.map((r) => [String(r.block), fmt(r.scalarCycles), fmt(r.blockedCycles), fmt(r.speedup), r.status])),
    '',
    'The paper gives no numbers for Figure 16 (it plots the speedup of true block-sparse over scalar, capped at 1e5).',
  ].join('\n');
}

export async function fig16Chart(rows: Fig16Row[], basePath: string): Promise<string[]> {
  const data: Row[] = rows.filter((r) => r.speedup !== undefined).map((r) => ({ block: String(r.block), speedup: r.speedup! }));
  return writeChart(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: 'Block-sparse over scalar BigBird attention (Figure 16)',
      width: 300,
      height: 260,
      data: { values: data },
      mark: 'bar',
      encoding: {
        x: { field: 'block', type: 'ordinal', title: 'block size', sort: null },
        y: { field: 'speedup', type: 'quantitative', scale: { type: 'log' }, title: 'speedup over scalar (log)' },
        // A log-scale bar needs a positive baseline: bars grow from 1x.
        y2: { datum: 1 },
      },
    },
    basePath,
  );
}

// ---------------------------------------------------------------- Figure 17

export interface Fig17Row {
  order: string;
  index: number;
  cycles?: number;
  speedupOverWorst?: number;
  status: string;
}

export function fig17Rows(results: ExperimentRowResult[]): Fig17Row[] {
  const worst = Math.max(...results.filter((r) => r.ok && r.metrics?.cycles).map((r) => r.metrics!.cycles));
  return results.map((r) => {
    const cycles = r.ok ? r.metrics?.cycles : undefined;
    return { order: r.label, index: Number(r.x), cycles, speedupOverWorst: cycles && Number.isFinite(worst) ? worst / cycles : undefined, status: errorText(r) };
  });
}

export function fig17Text(rows: Fig17Row[]): string {
  const head = ['order', 'cycles', 'speedup vs worst', 'values'];
  const ok = rows.filter((r) => r.cycles !== undefined);
  const best = ok.reduce<Fig17Row | undefined>((b, r) => (!b || r.cycles! < b.cycles! ? r : b), undefined);
  return [
    textTable(head, rows.map((r) => [r.order, fmt(r.cycles), fmt(r.speedupOverWorst), r.status])),
    '',
    `${rows.length} orders, ${ok.length} simulated${best ? `; best ${best.order} at ${fmt(best.speedupOverWorst)}x over the worst` : ''}. The paper gives no numbers for Figure 17.`,
  ].join('\n');
}

export async function fig17Chart(rows: Fig17Row[], basePath: string): Promise<string[]> {
  const data: Row[] = rows.filter((r) => r.speedupOverWorst !== undefined).map((r) => ({ order: r.order, speedup: r.speedupOverWorst! }));
  return writeChart(
    {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: 'Dataflow order sweep: speedup over the worst order (Figure 17)',
      width: 480,
      height: 260,
      data: { values: data },
      mark: 'bar',
      encoding: {
        x: { field: 'order', type: 'nominal', sort: null, title: 'dataflow order (index: loop order)' },
        y: { field: 'speedup', type: 'quantitative', title: 'max cycles / cycles' },
      },
    },
    basePath,
  );
}

// ---------------------------------------------------------------- writing

const FIGURES: Record<string, { rows: (r: ExperimentRowResult[]) => unknown[]; text: (rows: never[]) => string; chart: (rows: never[], base: string) => Promise<string[]> }> = {
  fig14: { rows: fig14Rows, text: fig14Text, chart: fig14Chart },
  fig15: { rows: fig15Rows, text: fig15Text, chart: fig15Chart },
  fig16: { rows: fig16Rows, text: fig16Text, chart: fig16Chart },
  fig17: { rows: fig17Rows, text: fig17Text, chart: fig17Chart },
};

/** Ids with a figure report here (fig12 has its own in experiment-report.ts). */
export const FIGURE_REPORT_IDS = Object.keys(FIGURES);

/** Write `<id>.json`, `<id>.txt` and the chart (`<id>.svg`/`.png`) of figure `id` into dir. */
export async function writeFigure(id: string, results: ExperimentRowResult[], dir: string): Promise<FigureReport> {
  const f = FIGURES[id];
  if (!f) throw new Error(`no report for experiment ${id}`);
  const rows = f.rows(results);
  const text = f.text(rows as never[]);
  fs.mkdirSync(dir, { recursive: true });
  const files = [path.join(dir, `${id}.json`), path.join(dir, `${id}.txt`)];
  fs.writeFileSync(files[0], JSON.stringify({ rows }, null, 2) + '\n');
  fs.writeFileSync(files[1], text + '\n');
  try {
    files.push(...(await f.chart(rows as never[], path.join(dir, id))));
  } catch (e) {
    files.push(`(chart not rendered: ${(e as Error).message})`);
  }
  return { text, rows, files };
}
