import * as path from 'node:path';
import type { HardwareDesignSpace } from '@fuseflow/ir';

/**
 * Text table with aligned columns: numeric cells right-aligned, others left-aligned, two spaces
 * between columns and a dashed rule under the header.
 */
export function alignedTable(header: string[], rows: string[][]): string {
  const numeric = header.map((_, c) => rows.length > 0 && rows.every((r) => /^-?[\d.]+(e[+-]?\d+)?%?$/i.test(r[c] ?? '')));
  const width = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  // the last column is free text (a CNN description): ruled to its header, not to its longest cell
  const rule = width.map((w, c) => '-'.repeat(c === width.length - 1 && !numeric[c] ? Math.max(3, header[c].length) : w));
  const line = (cells: string[]) =>
    cells
      .map((x, c) => (numeric[c] ? x.padStart(width[c]) : x.padEnd(width[c])))
      .join('  ')
      .trimEnd();
  return [line(header), rule.join('  '), ...rows.map(line)].join('\n');
}

const fmt = (x: unknown, d = 4): string => (typeof x === 'number' ? (Number.isFinite(x) ? Number(x.toPrecision(d)).toString() : String(x)) : x === undefined ? '-' : String(x));

/** A searched (CNN, accelerator) pair as the report needs it. */
export interface ParetoRow {
  archHash: string;
  description: string;
  hardware?: Record<string, unknown>;
  objective: number;
  metrics: Record<string, number>;
}

/**
 * The Pareto front as an aligned table: accuracy, latency, energy, area and objective, then one
 * column per accelerator parameter named by the design space (`dimensions`; the configuration's
 * own value, e.g. memType 'HBM', where it has one), then the CNN.
 */
export function paretoTable(rows: ParetoRow[], ds?: HardwareDesignSpace): string {
  const dims = ds?.dimensions ?? [];
  const header = ['#', 'val acc', 'test acc', 'latency ms', 'energy mJ', 'area mm2', 'objective', ...dims, 'CNN'];
  const body = rows.map((p, i) => {
    const m = p.metrics;
    const hw = p.hardware ?? {};
    const vec = ds && p.hardware ? ds.embed(p.hardware) : [];
    const params = dims.map((d, k) => {
      const v = hw[d];
      return typeof v === 'string' || typeof v === 'number' ? fmt(v) : fmt(vec[k]);
    });
    return [String(i + 1), fmt(m.val, 3), fmt(m.test, 3), fmt(m.latencyS * 1e3), fmt(m.energyJ * 1e3), fmt(m.areaMm2), fmt(p.objective), ...params, `${p.archHash.slice(0, 10)} ${p.description}`];
  });
  return alignedTable(header, body);
}

/** Legend title of the scatter's colour: membership of the front over all four objectives. */
const KIND = 'front over 4 objectives';

/**
 * Writes `<outDir>/<id>-pareto.svg` (every evaluated pair, latency against validation accuracy,
 * the front as a step line) and `<outDir>/<id>-convergence.svg` (objective of each evaluation and
 * the best so far). Returns the files written. @fuseflow/plots (vega) is loaded here only, so a
 * search that never reaches its report does not pay for it.
 */
export async function writeSearchCharts(outDir: string, id: string, points: Array<ParetoRow & { key: string }>, paretoKeys: Set<string> | undefined, trace: Array<{ n: number; objective: number; bestSoFar: number }>): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { lineSpec, scatterSpec, writeChart } = require('@fuseflow/plots') as typeof import('@fuseflow/plots');
  const files: string[] = [];
  const series = trace.flatMap((t) => [
    { evaluation: t.n, value: t.objective, series: 'evaluated' },
    { evaluation: t.n, value: t.bestSoFar, series: 'best so far' },
  ]);
  files.push(
    ...(await writeChart(lineSpec(series, { x: 'evaluation', y: 'value', series: 'series', title: `${id}: objective per evaluation`, yTitle: 'objective (higher is better)', yFromZero: false }), path.join(outDir, `${id}-convergence`), { svgOnly: true })),
  );
  if (paretoKeys) {
    const rows = points
      .filter((p) => Number.isFinite(p.metrics.latencyS) && Number.isFinite(p.metrics.val))
      .map((p) => ({ latencyMs: p.metrics.latencyS * 1e3, valAccuracy: p.metrics.val, front: false, [KIND]: paretoKeys.has(p.key) ? 'Pareto front' : 'dominated' }));
    // the step line is the front of the two plotted objectives; colour marks the four-objective front
    for (const r of rows) r.front = !rows.some((q) => q !== r && q.latencyMs <= r.latencyMs && q.valAccuracy >= r.valAccuracy && (q.latencyMs < r.latencyMs || q.valAccuracy > r.valAccuracy));
    if (rows.length) {
      const spec = scatterSpec(rows, { x: 'latencyMs', y: 'valAccuracy', color: KIND, frontField: 'front', logX: rows.every((r) => r.latencyMs > 0), xTitle: 'latency (ms, log)', yTitle: 'validation accuracy', title: `${id}: evaluated pairs (line: accuracy/latency front)` });
      files.push(...(await writeChart(spec, path.join(outDir, `${id}-pareto`), { svgOnly: true })));
    }
  }
  return files;
}
