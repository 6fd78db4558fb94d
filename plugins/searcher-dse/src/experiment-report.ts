import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeChart, type Row } from '@fuseflow/plots';
import type { ExperimentRowResult } from './experiments';
import type { SamplingSummary } from './job-handler';
import { FIG12_PUBLISHED } from './experiment-defs';

export interface Fig12Row {
  group: string;
  label: string;
  cycles: Record<string, number | undefined>;
  speedup: Record<string, number | undefined>;
  published?: { partial: number; full: number; cycles: Record<string, number> };
  /** per configuration: the rda-sim sampling summary of a sampled run. */
  sampling: Record<string, SamplingSummary | undefined>;
  /** per configuration: CPU seconds of the run. */
  cpuSeconds: Record<string, number | undefined>;
  valuesChecked: boolean;
  errors: string[];
}

const UNFUSED = 'unfused';
const PARTIAL = 'partially fused';
const FULL = 'fully fused';

/** Group runs by (model, dataset) and compute each configuration's speedup over unfused. */
export function fig12Rows(results: ExperimentRowResult[]): Fig12Row[] {
  const byKey = new Map<string, ExperimentRowResult[]>();
  for (const r of results) {
    const k = `${r.group}\u0000${r.label}`;
    if (!byKey.has(k)) byKey.set(k, []);
    byKey.get(k)!.push(r);
  }
  return [...byKey.values()].map((runs) => {
    const cycles: Record<string, number | undefined> = {};
    const sampling: Record<string, SamplingSummary | undefined> = {};
    const cpuSeconds: Record<string, number | undefined> = {};
    for (const r of runs) {
      cycles[r.configuration ?? ''] = r.ok ? r.metrics?.cycles : undefined;
      if (r.sampling?.sampled) sampling[r.configuration ?? ''] = r.sampling;
      cpuSeconds[r.configuration ?? ''] = r.cpuSeconds;
    }
    const base = cycles[UNFUSED];
    const speedup: Record<string, number | undefined> = {};
    for (const [c, v] of Object.entries(cycles)) speedup[c] = base && v ? base / v : undefined;
    const pub = FIG12_PUBLISHED[runs[0].group]?.[runs[0].label];
    return {
      group: runs[0].group,
      label: runs[0].label,
      cycles,
      speedup,
      ...(pub ? { published: { partial: pub[0] / pub[1], full: pub[0] / pub[2], cycles: { [UNFUSED]: pub[0], [PARTIAL]: pub[1], [FULL]: pub[2] } } } : {}),
      sampling,
      cpuSeconds,
      valuesChecked: runs.every((r) => r.ok && r.valuesChecked === true),
      errors: runs.filter((r) => !r.ok).map((r) => `${r.configuration}: ${r.error?.code ?? ''} ${r.error?.message ?? ''}`.trim()),
    };
  });
}

/** Does a model family show the published pattern? (GNNs: partial best, full worst; GPT-3: full best.) */
export function fig12Pattern(rows: Fig12Row[]): Array<{ group: string; expected: string; holds: number; of: number }> {
  const groups = [...new Set(rows.map((r) => r.group))];
  return groups.map((g) => {
    // Rows of a partial sweep (--only, or stopped early) without all three configurations do not count.
    const rs = rows.filter((r) => r.group === g && r.errors.length === 0 && [UNFUSED, PARTIAL, FULL].every((c) => r.cycles[c] !== undefined));
    const best = (r: Fig12Row) => Object.entries(r.cycles).sort((a, b) => (a[1] ?? Infinity) - (b[1] ?? Infinity))[0]?.[0];
    const worst = (r: Fig12Row) => Object.entries(r.cycles).sort((a, b) => (b[1] ?? -Infinity) - (a[1] ?? -Infinity))[0]?.[0];
    if (g === 'GCN' || g === 'GraphSAGE') {
      return { group: g, expected: 'partially fused best, fully fused worst', holds: rs.filter((r) => best(r) === PARTIAL && worst(r) === FULL).length, of: rs.length };
    }
    if (g.startsWith('GPT')) return { group: g, expected: 'fully fused best', holds: rs.filter((r) => best(r) === FULL).length, of: rs.length };
    return { group: g, expected: 'partially fused no slower than unfused, fully fused slowest', holds: rs.filter((r) => (r.speedup[PARTIAL] ?? 0) >= 0.95 && worst(r) === FULL).length, of: rs.length };
  });
}

const fmt = (v: number | undefined, digits = 2) => (v === undefined ? '-' : v >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toFixed(digits));

const CONFIG_SHORT: Record<string, string> = { [UNFUSED]: 'u', [PARTIAL]: 'p', [FULL]: 'f' };

/** Cycles, with `~` when the value is a sampled estimate. */
const fmtCycles = (r: Fig12Row, c: string) => `${r.sampling[c] ? '~' : ''}${fmt(r.cycles[c])}`;

/** One line per sampled run: units simulated and the 95 % interval of the cycle estimate. */
export function fig12SamplingNotes(rows: Fig12Row[]): string[] {
  return rows.flatMap((r) =>
    [UNFUSED, PARTIAL, FULL].flatMap((c) => {
      const s = r.sampling[c];
      if (!s) return [];
      const units = s.sampledUnits !== undefined && s.totalUnits !== undefined ? `${s.sampledUnits.toLocaleString('en-US')} of ${s.totalUnits.toLocaleString('en-US')} units` : 'sampled';
      const ci = s.ci95 ? `, 95 % interval [${fmt(s.ci95[0])}, ${fmt(s.ci95[1])}]${r.cycles[c] ? ` (+-${((100 * (s.ci95[1] - s.ci95[0])) / 2 / r.cycles[c]!).toFixed(1)} %)` : ''}` : '';
      return [`  ${r.group} ${r.label} ${c}: ${units}, cycles ~${fmt(r.cycles[c])}${ci}`];
    }),
  );
}

export function fig12Text(rows: Fig12Row[]): string {
  const head = ['model', 'dataset', 'unfused cyc', 'partial cyc', 'full cyc', 'partial x', 'full x', 'paper partial x', 'paper full x', 'paper unfused cyc', 'sampled', 'CPU s', 'values'];
  const cpu = (r: Fig12Row) => {
    const v = Object.values(r.cpuSeconds).filter((x): x is number => x !== undefined);
    return v.length ? v.reduce((a, b) => a + b, 0).toFixed(0) : '-';
  };
  const body = rows.map((r) => [
    r.group, r.label, fmtCycles(r, UNFUSED), fmtCycles(r, PARTIAL), fmtCycles(r, FULL), fmt(r.speedup[PARTIAL]), fmt(r.speedup[FULL]),
    fmt(r.published?.partial), fmt(r.published?.full), fmt(r.published?.cycles[UNFUSED]),
    [UNFUSED, PARTIAL, FULL].filter((c) => r.sampling[c]).map((c) => CONFIG_SHORT[c]).join('') || '-', cpu(r),
    r.errors.length ? `FAILED: ${r.errors.join('; ')}` : r.valuesChecked ? 'checked' : 'NOT checked',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const pattern = fig12Pattern(rows).map((p) => `${p.group}: ${p.expected} — holds on ${p.holds}/${p.of}`);
  const notes = fig12SamplingNotes(rows);
  const sampled = notes.length
    ? ['', 'Sampled runs (~ = extrapolated from a seeded sample of independent outer-loop units; sampled: u/p/f = unfused/partial/full):', ...notes]
    : [];
  return [line(head), ...body.map(line), '', ...pattern, ...sampled].join('\n');
}

/** The table as Markdown (for READMEs): cycles (~ sampled, with the 95 % interval), speedups beside the paper's, CPU seconds per run. */
export function fig12Markdown(rows: Fig12Row[]): string {
  const cyc = (r: Fig12Row, c: string) => {
    const s = r.sampling[c];
    if (r.cycles[c] === undefined) return '-';
    return s?.ci95 ? `~${fmt(r.cycles[c])} (+-${((100 * (s.ci95[1] - s.ci95[0])) / 2 / r.cycles[c]!).toFixed(1)} %)` : fmt(r.cycles[c]);
  };
  const cpu = (r: Fig12Row) => [UNFUSED, PARTIAL, FULL].map((c) => (r.cpuSeconds[c] === undefined ? '-' : r.cpuSeconds[c]!.toFixed(0))).join(' / ');
  const head = '| model | dataset | unfused cycles | partial | full | partial x | full x | paper partial x | paper full x | CPU s (u / p / f) |';
  const body = rows.map((r) =>
    `| ${r.group} | ${r.label} | ${cyc(r, UNFUSED)} | ${cyc(r, PARTIAL)} | ${cyc(r, FULL)} | ${fmt(r.speedup[PARTIAL])} | ${fmt(r.speedup[FULL])} | ${fmt(r.published?.partial)} | ${fmt(r.published?.full)} | ${cpu(r)} |` +
    (r.errors.length ? `\n| | | FAILED: ${r.errors.join('; ').replace(/\|/g, '/').slice(0, 300)} | | | | | | | |` : ''),
  );
  return [head, '|---|---|---|---|---|---|---|---|---|---|', ...body].join('\n');
}

/**
 * Speedup interval of a sampled configuration: unfused cycles over the configuration's interval
 * (the unfused run's own interval, if it was sampled, widens it: bounds taken at both extremes).
 */
function speedupInterval(r: Fig12Row, c: string): [number, number] | undefined {
  const s = r.sampling[c];
  const u = r.sampling[UNFUSED];
  if (!s?.ci95 && !u?.ci95) return undefined;
  const base = r.cycles[UNFUSED];
  const v = r.cycles[c];
  if (!base || !v) return undefined;
  const [ulo, uhi] = u?.ci95 ?? [base, base];
  const [lo, hi] = s?.ci95 ?? [v, v];
  if (!(lo > 0)) return undefined;
  return [ulo / hi, uhi / lo];
}

/** Chart data: one bar per (model, dataset, configuration) with ours, the paper's, and a sampled run's interval. */
export function fig12ChartRows(rows: Fig12Row[]): Row[] {
  return rows.flatMap((r) =>
    [PARTIAL, FULL].map((c) => {
      const iv = speedupInterval(r, c);
      const paper = r.published ? (c === PARTIAL ? r.published.partial : r.published.full) : null;
      return {
        model: r.group,
        dataset: r.label,
        bar: `${r.label} ${c === PARTIAL ? 'partial' : 'full'}${r.sampling[c] || r.sampling[UNFUSED] ? ' ~' : ''}`,
        configuration: c,
        speedup: r.speedup[c] ?? null,
        paper,
        source: 'paper (fuseflow-reference 5.1)',
        lo: iv?.[0] ?? null,
        hi: iv?.[1] ?? null,
      };
    }),
  );
}

/**
 * Bars of our speedup over unfused per model, dataset and configuration, the paper's speedup as a black diamond on the same bar, and a whisker for the 95 % interval of a
 * sampled run; SVG + PNG.
 */
export async function fig12Chart(rows: Fig12Row[], basePath: string): Promise<string[]> {
  const data = fig12ChartRows(rows);
  const y = { field: 'speedup', type: 'quantitative', scale: { type: 'log' }, title: 'speedup over unfused (x, cycles unfused / cycles; log)' };
  // One x axis labelled "<model> <dataset> <configuration>" rather than a facet per model: layered
  // facets with independent x scales make vega-lite warn on every render.
  // Explicit order: with sort null the bars of failed runs (no speedup) would move to the end.
  const x = { field: 'label', type: 'nominal', title: null, sort: data.map((d) => `${d.model} ${d.bar}`), axis: { labelAngle: -60, labelLimit: 240 } };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Speedup over unfused (Figure 12)', subtitle: 'bars: ours (~ sampled, whisker: 95 % interval); diamonds: the paper' },
    data: { values: data },
    transform: [{ calculate: "datum.model + ' ' + datum.bar", as: 'label' }],
    width: { step: 18 },
    height: 260,
    layer: [
      {
        mark: { type: 'bar', orient: 'vertical' },
        encoding: {
          x,
          y,
          // A log-scale bar needs a positive baseline: bars grow up (faster) or down (slower) from 1x.
          y2: { datum: 1 },
          color: { field: 'configuration', type: 'nominal', title: 'ours', sort: [PARTIAL, FULL] },
        },
      },
      {
        mark: { type: 'rule', color: 'black' },
        encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } },
      },
      {
        mark: { type: 'point', shape: 'diamond', filled: true, size: 70, color: 'black' },
        encoding: {
          x,
          y: { field: 'paper', type: 'quantitative' },
          // A shape channel (for the legend entry) overrides the mark's shape unless its range says diamond.
          shape: { field: 'source', type: 'nominal', title: null, scale: { range: ['diamond'] }, legend: { labelLimit: 300 } },
        },
      },
    ],
  };
  return writeChart(spec, basePath);
}

/** Write fig12.json / fig12.txt (and the chart) into dir; returns the files. */
export async function writeFig12(results: ExperimentRowResult[], dir: string): Promise<{ text: string; files: string[]; rows: Fig12Row[] }> {
  const rows = fig12Rows(results);
  const text = fig12Text(rows);
  fs.mkdirSync(dir, { recursive: true });
  const files = [path.join(dir, 'fig12.json'), path.join(dir, 'fig12.txt'), path.join(dir, 'fig12.md')];
  fs.writeFileSync(files[0], JSON.stringify({ rows, pattern: fig12Pattern(rows) }, null, 2) + '\n');
  fs.writeFileSync(files[1], text + '\n');
  fs.writeFileSync(files[2], fig12Markdown(rows) + '\n');
  try {
    files.push(...(await fig12Chart(rows, path.join(dir, 'fig12'))));
  } catch (e) {
    files.push(`(chart not rendered: ${(e as Error).message})`);
  }
  return { text, files, rows };
}
