import type { VegaLiteSpec } from './render';

/** One row of chart data: plain JSON values. */
export type Row = Record<string, string | number | boolean | null>;

/** Units that take an SI prefix on the axis (values rescaled: 1.1e-6 J reads "1.1" on a "(µJ)" axis). */
const PREFIXED_UNITS = new Set(['J', 'W', 's', 'Hz', 'B', 'B/s', 'FLOP/s', 'm']);
const PREFIXES: Array<[number, string]> = [
  [1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'], [1e-6, 'µ'], [1e-9, 'n'], [1e-12, 'p'], [1e-15, 'f'],
];

/** The SI prefix that puts the largest magnitude among `values` in [1, 1000). */
export function siPrefix(values: number[]): { factor: number; prefix: string } {
  const max = Math.max(0, ...values.filter((v) => Number.isFinite(v)).map(Math.abs));
  if (max === 0) return { factor: 1, prefix: '' };
  for (const [f, p] of PREFIXES) if (max >= f) return { factor: f, prefix: p };
  return { factor: 1e-15, prefix: 'f' };
}

/**
 * A quantitative axis with its unit. Prefixable units rescale the field through a calculate
 * transform (the rows stay as given) and put the prefixed unit in the title; count units
 * ('cycles', 'tokens') keep their values, title "(cycles)", and tick labels in SI notation (1.5M).
 */
function unitAxis(rows: Row[], field: string, unit: string | undefined, title: string) {
  if (unit === undefined) return { field, title, transform: [] as unknown[], format: undefined as string | undefined };
  if (!PREFIXED_UNITS.has(unit)) return { field, title: `${title} (${unit})`, transform: [] as unknown[], format: '~s' };
  const { factor, prefix } = siPrefix(rows.map((r) => Number(r[field])));
  const scaled = `${field} (${prefix}${unit})`;
  return { field: scaled, title: `${title} (${prefix}${unit})`, transform: [{ calculate: `datum[${JSON.stringify(field)}] / ${factor}`, as: scaled }] as unknown[], format: '~r' };
}

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
  /** unit of y: 'J', 'W', 's', 'B' ... get an SI prefix from the data ("(mJ)"); others ('cycles') are shown as given. */
  yUnit?: string;
  /** logarithmic value axis (zero/negative values are dropped by vega). */
  logY?: boolean;
  width?: number;
  height?: number;
}

/** Stacked bar chart, e.g. per-layer cycles split by component. Categories keep their input order. */
export function stackedBarSpec(rows: Row[], o: StackedBarOptions): VegaLiteSpec {
  const order = uniqueInOrder(rows.map((r) => String(r[o.x])));
  // stacked bars: the prefix must fit the tallest stack, not the largest segment
  const stacks = new Map<string, number>();
  for (const r of rows) stacks.set(String(r[o.x]), (stacks.get(String(r[o.x])) ?? 0) + Math.abs(Number(r[o.y]) || 0));
  const y = unitAxis([...stacks.values()].map((v) => ({ [o.y]: v })), o.y, o.yUnit, o.yTitle ?? o.y);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(o.title ? { title: o.title } : {}),
    width: o.width ?? Math.max(300, order.length * 28),
    height: o.height ?? 300,
    data: { values: rows },
    ...(y.transform.length ? { transform: y.transform } : {}),
    mark: { type: 'bar' },
    encoding: {
      x: { field: o.x, type: 'nominal', sort: order, title: o.xTitle ?? o.x, axis: { labelAngle: -45 } },
      y: {
        field: y.field,
        type: 'quantitative',
        title: y.title,
        stack: 'zero',
        ...(y.format ? { axis: { format: y.format } } : {}),
        ...(o.logY ? { scale: { type: 'log' } } : {}),
      },
      color: { field: o.color, type: 'nominal', title: o.color },
      tooltip: [{ field: o.x }, { field: o.color }, { field: y.field, type: 'quantitative', title: y.title }],
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
  /** units of x and y (see StackedBarOptions.yUnit). */
  xUnit?: string;
  yUnit?: string;
  logX?: boolean;
  logY?: boolean;
  /** when given, draws a step line through the rows where this boolean field is true (a Pareto front). */
  frontField?: string;
  width?: number;
  height?: number;
}

/** Scatter plot with an optional highlighted front (e.g. latency vs energy of evaluated designs). */
export function scatterSpec(rows: Row[], o: ScatterOptions): VegaLiteSpec {
  const ux = unitAxis(rows, o.x, o.xUnit, o.xTitle ?? o.x);
  const uy = unitAxis(rows, o.y, o.yUnit, o.yTitle ?? o.y);
  const x = { field: ux.field, type: 'quantitative', title: ux.title, ...(ux.format ? { axis: { format: ux.format } } : {}), ...(o.logX ? { scale: { type: 'log' } } : {}) };
  const y = { field: uy.field, type: 'quantitative', title: uy.title, ...(uy.format ? { axis: { format: uy.format } } : {}), ...(o.logY ? { scale: { type: 'log' } } : {}) };
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
      encoding: { x: { ...x, sort: null }, y, order: { field: ux.field, type: 'quantitative' } },
    });
  }
  layers.push(points);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(o.title ? { title: o.title } : {}),
    width: o.width ?? 420,
    height: o.height ?? 320,
    data: { values: rows },
    ...(ux.transform.length + uy.transform.length ? { transform: [...ux.transform, ...uy.transform] } : {}),
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
  /** units of x and y (see StackedBarOptions.yUnit). */
  xUnit?: string;
  yUnit?: string;
  logY?: boolean;
  /** false: fit the y axis to the data instead of starting it at zero (values in a narrow band far from 0). */
  yFromZero?: boolean;
  width?: number;
  height?: number;
}

/** Line chart, e.g. best objective versus evaluations for several searchers. */
export function lineSpec(rows: Row[], o: LineOptions): VegaLiteSpec {
  const ux = unitAxis(rows, o.x, o.xUnit, o.xTitle ?? o.x);
  const uy = unitAxis(rows, o.y, o.yUnit, o.yTitle ?? o.y);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(o.title ? { title: o.title } : {}),
    width: o.width ?? 420,
    height: o.height ?? 300,
    data: { values: rows },
    ...(ux.transform.length + uy.transform.length ? { transform: [...ux.transform, ...uy.transform] } : {}),
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: ux.field, type: 'quantitative', title: ux.title, ...(ux.format ? { axis: { format: ux.format } } : {}) },
      y: { field: uy.field, type: 'quantitative', title: uy.title, ...(uy.format ? { axis: { format: uy.format } } : {}), ...(o.logY ? { scale: { type: 'log' } } : o.yFromZero === false ? { scale: { zero: false } } : {}) },
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
