import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A vega-lite top-level spec (kept loose: vega-lite's own types are ESM-only). */
export type VegaLiteSpec = Record<string, unknown>;

export interface RenderOptions {
  /** PNG width in pixels (the SVG keeps vega's own size). Default 900. */
  pngWidth?: number;
  /** background colour painted behind the chart (PNG and SVG). Default 'white'. */
  background?: string;
  /** skip PNG rasterisation (SVG only). */
  svgOnly?: boolean;
}

export interface RenderedChart {
  svg: string;
  /** undefined when `svgOnly` was requested. */
  png?: Buffer;
}

// vega and vega-lite ship ESM only. TypeScript's CommonJS output rewrites `import()` into
// `require()`, which cannot load ESM on Node 20, so the import expression is built at run time.
const esmImport = new Function('s', 'return import(s)') as (s: string) => Promise<any>;

let libs: Promise<{ vega: any; vegaLite: any }> | undefined;

/** Loads vega and vega-lite once per process (lazily: importing this module costs nothing). */
function loadLibs(): Promise<{ vega: any; vegaLite: any }> {
  if (!libs) {
    libs = Promise.all([esmImport('vega'), esmImport('vega-lite')]).then(([vega, vegaLite]) => ({ vega, vegaLite }));
    libs.catch(() => {
      libs = undefined;
    });
  }
  return libs;
}

/** Compiles a vega-lite spec and renders it headless to SVG (vega renderer 'none') and PNG (resvg). */
export async function renderVegaLite(spec: VegaLiteSpec, options: RenderOptions = {}): Promise<RenderedChart> {
  const { vega, vegaLite } = await loadLibs();
  const background = options.background ?? 'white';
  let compiled: unknown;
  try {
    compiled = vegaLite.compile({ background, ...spec }).spec;
  } catch (e) {
    throw new Error(`@fuseflow/plots: vega-lite could not compile the chart spec: ${(e as Error).message}`);
  }
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  let svg: string;
  try {
    svg = await view.toSVG();
  } finally {
    view.finalize();
  }
  if (options.svgOnly) return { svg };
  // resvg is a native module; required lazily so SVG-only users never load it.
  const { Resvg } = require('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const png = new Resvg(svg, {
    fitTo: { mode: 'width', value: options.pngWidth ?? 900 },
    background,
    font: { loadSystemFonts: true },
  })
    .render()
    .asPng();
  return { svg, png: Buffer.from(png) };
}

/** Renders a spec and writes `<basePath>.svg` and `<basePath>.png`; returns the absolute paths written. */
export async function writeChart(spec: VegaLiteSpec, basePath: string, options: RenderOptions = {}): Promise<string[]> {
  const { svg, png } = await renderVegaLite(spec, options);
  mkdirSync(dirname(basePath), { recursive: true });
  const files = [`${basePath}.svg`];
  writeFileSync(files[0], svg);
  if (png) {
    files.push(`${basePath}.png`);
    writeFileSync(files[1], png);
  }
  return files;
}
