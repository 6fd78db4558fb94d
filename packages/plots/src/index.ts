export { renderVegaLite, writeChart } from './render';
export type { VegaLiteSpec, RenderOptions, RenderedChart } from './render';
export { stackedBarSpec, scatterSpec, lineSpec, siPrefix } from './specs';
export type { Row, StackedBarOptions, ScatterOptions, LineOptions } from './specs';
