export { reportLine, writeReport, writeRunReport, pluginCharts, KIND_COLOUR, STREAM_COLOUR } from './report';
export type { ReportInput, ReportStats, RunReportOptions } from './report';
export { formatNumber } from './format';
