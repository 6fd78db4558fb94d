import type { VegaLiteSpec } from './render';

/** One row of chart data: plain JSON values. */
export type Row = Record<string, string | number | boolean | null>;

export interface StackedBarOptions {
  title?: string;
  /** field on the category axis (kept in data order, not sorted alphabetically). */
  x: string;
  /** numeric field stacked on the value axis. */
  y: string;
  /** field that splits each bar into coloured segments. */
  color: string;
  yTitle?: string;
  xTitle?: string;
  /** logarithmic value axis (zero/negative values are dropped by vega). */
  logY?: boolean;
  width?: number;
  height?: number;
}

/** Stacked bar chart, e.g. per-layer cycles split by component. Categories keep their input order. */
export function stackedBarSpec(rows: Row[], o: StackedBarOptions): VegaLiteSpec {
  const order = uniqueInOrder(rows.map((r) => String(r[o.x])));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(o.title ? { title: o.title } : {}),
    width: o.width ?? Math.max(300, order.length * 28),
    height: o.height ?? 300,
    data: { values: rows },
    mark: { type: 'bar' },
    encoding: {
      x: { field: o.x, type: 'nominal', sort: order, title: o.xTitle ?? o.x, axis: { labelAngle: -45 } },
      y: {
        field: o.y,
        type: 'quantitative',
        title: o.yTitle ?? o.y,
        stack: 'zero',
        ...(o.logY ? { scale: { type: 'log' } } : {}),
      },
      color: { field: o.color, type: 'nominal', title: o.color },
      tooltip: [{ field: o.x }, { field: o.color }, { field: o.y, type: 'quantitative' }],
    },
  };
}

export interface ScatterOptions {
  title?: string;
  x: string;
  y: string;
  /** optional nominal field for colour (e.g. 'pareto' / 'dominated', or a searcher name). */
  color?: string;
  xTitle?: string;
  yTitle?: string;
  logX?: boolean;
  logY?: boolean;
  /** when given, draws a step line through the rows where this boolean field is true (a Pareto front). */
  frontField?: string;
  width?: number;
  height?: number;
}

/** Scatter plot with an optional highlighted front (e.g. latency vs energy of evaluated designs). */
export function scatterSpec(rows: Row[], o: ScatterOptions): VegaLiteSpec {
  const x = { field: o.x, type: 'quantitative', title: o.xTitle ?? o.x, ...(o.logX ? { scale: { type: 'log' } } : {}) };
  const y = { field: o.y, type: 'quantitative', title: o.yTitle ?? o.y, ...(o.logY ? { scale: { type: 'log' } } : {}) };
  const points = {
    mark: { type: 'point', filled: true, opacity: 0.7 },
    encoding: { x, y, ...(o.color ? { color: { field: o.color, type: 'nominal' } } : {}) },
  };
  const layers: unknown[] = [];
  if (o.frontField) {
    // drawn first so the coloured points stay on top of the front line
    layers.push({
      transform: [{ filter: `datum['${o.frontField}'] === true` }],
      mark: { type: 'line', interpolate: 'step-after', color: 'black', strokeWidth: 1.5 },
      encoding: { x: { ...x, sort: null }, y, order: { field: o.x, type: 'quantitative' } },
    });
  }
  layers.push(points);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(o.title ? { title: o.title } : {}),
    width: o.width ?? 420,
    height: o.height ?? 320,
    data: { values: rows },
    layer: layers,
  };
}

export interface LineOptions {
  title?: string;
  x: string;
  y: string;
  /** one line per value of this field. */
  series?: string;
  xTitle?: string;
  yTitle?: string;
  logY?: boolean;
  /** false: fit the y axis to the data instead of starting it at zero (values in a narrow band far from 0). */
  yFromZero?: boolean;
  width?: number;
  height?: number;
}

/** Line chart, e.g. best objective versus evaluations for several searchers. */
export function lineSpec(rows: Row[], o: LineOptions): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(o.title ? { title: o.title } : {}),
    width: o.width ?? 420,
    height: o.height ?? 300,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: o.x, type: 'quantitative', title: o.xTitle ?? o.x },
      y: { field: o.y, type: 'quantitative', title: o.yTitle ?? o.y, ...(o.logY ? { scale: { type: 'log' } } : o.yFromZero === false ? { scale: { zero: false } } : {}) },
      ...(o.series ? { color: { field: o.series, type: 'nominal' } } : {}),
    },
  };
}

function uniqueInOrder(xs: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const x of xs) if (!seen.has(x)) (seen.add(x), out.push(x));
  return out;
}
