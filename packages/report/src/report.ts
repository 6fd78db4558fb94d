import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunResult } from '@fuseflow/kernel';
import type { DataflowGraph } from '@fuseflow/ir';
import { formatNumber } from './format';

/** Per-node counters as the rda-sim backend reports them (details.graphs[k].nodes). */
interface NodeStat {
  id: number;
  tokensIn?: number;
  tokensOut?: number;
  busy?: number;
  stall?: number;
  finish?: number;
}
interface ChannelStat {
  id: number;
  tokens?: number;
  queued?: number;
}
interface GraphDetails {
  graph: string;
  kernel?: string;
  cycles?: number;
  nodes?: NodeStat[];
  channels?: ChannelStat[];
}

export interface ReportInput {
  result: RunResult;
  /** manifest name and seed for the heading. */
  name: string;
  seed?: number;
  /** the dataflow graphs each configuration ran ('' = the run without configurations). */
  graphs: Map<string, DataflowGraph[]>;
  /** SVG charts to embed, already rendered (title, svg text). */
  charts?: Array<{ title: string; svg: string }>;
  /** why charts are missing (shown in the page instead of silently leaving them out). */
  chartsError?: string;
  /** shown instead of 'no charts' when the caller chose to draw none. */
  noChartsNote?: string;
}

export interface RunReportOptions {
  /**
   * Draw the run's vega-lite charts (default true). `simulate` passes false: its one configuration
   * would get a one-bar chart, and vega is most of the report's load time.
   */
  charts?: boolean;
}

export interface ReportStats {
  file: string;
  bytes: number;
  /** nodes drawn over all graphs (what the browser test counts). */
  nodes: number;
  layoutMs: number;
  layoutCpuSeconds: number;
}

/** The line `run` and `simulate` print after writing a report: where it is, its size and what its layout cost. */
export function reportLine(r: ReportStats): string {
  return `report: ${r.file} (${(r.bytes / 1024).toFixed(0)} KiB, ${r.nodes} nodes laid out in ${(r.layoutMs / 1000).toFixed(2)} s, ${r.layoutCpuSeconds.toFixed(2)} CPU-s)`;
}

/** Fill colour per primitive kind (grouped by role: memory blue, merging orange, compute red, writers grey). */
export const KIND_COLOUR: Record<string, string> = {
  root: '#dddddd',
  level_scan: '#9ecae1',
  array: '#6baed6',
  locate: '#c6dbef',
  gen_ref: '#c6dbef',
  repsig: '#fdd0a2',
  repeat: '#fdae6b',
  intersect: '#fd8d3c',
  union: '#f16913',
  alu: '#fc9272',
  reduce: '#ef3b2c',
  spacc1: '#cb181d',
  spacc2: '#a50f15',
  crd_drop: '#c7e9c0',
  crd_hold: '#a1d99b',
  broadcast: '#dadaeb',
  fork: '#bcbddc',
  join: '#9e9ac8',
  crd_write: '#bdbdbd',
  val_write: '#969696',
};
/** Kinds whose fill is dark enough for white text. */
const DARK_KINDS = new Set(['union', 'reduce', 'spacc1', 'spacc2']);
/** Stroke colour per stream kind (as the DOT printer: crd green, ref blue, val black, repsig orange). */
export const STREAM_COLOUR: Record<string, string> = { crd: '#238b45', ref: '#2171b5', val: '#252525', repsig: '#e6550d' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

interface ElkPoint {
  x: number;
  y: number;
}
interface ElkEdge {
  id: string;
  sources: string[];
  targets: string[];
  sections?: Array<{ startPoint: ElkPoint; endPoint: ElkPoint; bendPoints?: ElkPoint[] }>;
}
interface ElkNode {
  id: string;
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  children?: ElkNode[];
  edges?: ElkEdge[];
  layoutOptions?: Record<string, string>;
}
interface Elk {
  layout(g: ElkNode): Promise<ElkNode>;
}

let elk: Elk | undefined;
function elkInstance(): Elk {
  // elk.bundled runs the layout in this thread (no web worker in Node)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ELK = require('elkjs/lib/elk.bundled.js') as new () => Elk;
  return (elk ??= new ELK());
}

const nodeText = (n: DataflowGraph['nodes'][number]) => {
  const a = n.attrs;
  const extra = a.tensor ? `${a.tensor}${a.level !== undefined ? ` L${a.level}` : ''}` : a.alu ?? a.index ?? '';
  return { title: n.label, sub: `${n.kind}${extra ? ` ${extra}` : ''}` };
};

/** Arrow heads, one marker per stream kind; ids carry the graph's index (one page holds many SVGs). */
const markers = (k: number) =>
  `<defs>${Object.entries(STREAM_COLOUR).map(([kind, c]) => `<marker id="a${k}-${kind}" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L8,4L0,8z" fill="${c}" stroke="none"/></marker>`).join('')}</defs>`;

/** Lays one graph out with ELK's layered algorithm and draws it as an SVG with hover titles. */
async function graphSvg(g: DataflowGraph, d: GraphDetails | undefined, index: number): Promise<string> {
  const charW = 6.2;
  const nodes: ElkNode[] = g.nodes.map((n) => {
    const t = nodeText(n);
    return { id: `n${n.id}`, width: Math.max(60, Math.max(t.title.length, t.sub.length) * charW + 12), height: 34 };
  });
  const edges: ElkEdge[] = g.channels.map((c) => ({ id: `c${c.id}`, sources: [`n${c.src.node}`], targets: [`n${c.dst.node}`] }));
  const laid = await elkInstance().layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.edgeRouting': 'POLYLINE',
      'elk.layered.spacing.nodeNodeBetweenLayers': '30',
      'elk.spacing.nodeNode': '14',
      // Crossing minimisation dominates the layout time: fewer sweeps, and no greedy-switch pass
      // (quadratic per layer pair), halve it on 100-250-node graphs (0.64 -> 0.30 CPU-s at 250).
      'elk.layered.thoroughness': '3',
      'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
    },
    children: nodes,
    edges,
  });
  const nodeStat = new Map((d?.nodes ?? []).map((s) => [s.id, s]));
  const chanStat = new Map((d?.channels ?? []).map((s) => [s.id, s]));
  const byId = new Map(g.nodes.map((n) => [`n${n.id}`, n]));
  const chanById = new Map(g.channels.map((c) => [`c${c.id}`, c]));
  const W = Math.ceil((laid.width ?? 0) + 20);
  const H = Math.ceil((laid.height ?? 0) + 20);
  const parts: string[] = [`<svg class="graph" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" data-width="${W}">`, markers(index), '<g transform="translate(10,10)">'];
  for (const e of laid.edges ?? []) {
    const c = chanById.get(e.id)!;
    const s = chanStat.get(c.id);
    const src = byId.get(`n${c.src.node}`)?.label ?? `#${c.src.node}`;
    const dst = byId.get(`n${c.dst.node}`)?.label ?? `#${c.dst.node}`;
    const title = `${src}.${c.src.port} → ${dst}.${c.dst.port} (${c.kind})\ntokens: ${s ? formatNumber(s.tokens) : 'not simulated'}\nqueued token-cycles: ${s ? formatNumber(s.queued) : '-'}`;
    const pts = (e.sections ?? []).flatMap((sec) => [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint]);
    const dAttr = pts.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('');
    parts.push(`<g class="edge" data-kind="${c.kind}"><title>${esc(title)}</title><path d="${dAttr}" stroke="${STREAM_COLOUR[c.kind] ?? '#000'}" marker-end="url(#a${index}-${c.kind})"/></g>`);
  }
  for (const n of laid.children ?? []) {
    const dn = byId.get(n.id)!;
    const s = nodeStat.get(dn.id);
    const t = nodeText(dn);
    const title = `${dn.label} (${dn.kind})${s ? `\ntokens in: ${formatNumber(s.tokensIn)}, out: ${formatNumber(s.tokensOut)}\nbusy cycles: ${formatNumber(s.busy)}\nstall cycles: ${formatNumber(s.stall)}\nfinish: cycle ${formatNumber(s.finish)}` : '\n(not simulated)'}`;
    parts.push(
      `<g class="node${DARK_KINDS.has(dn.kind) ? ' dark' : ''}" data-node="${dn.id}" data-kind="${dn.kind}" transform="translate(${(n.x ?? 0).toFixed(1)},${(n.y ?? 0).toFixed(1)})"><title>${esc(title)}</title>` +
        `<rect width="${n.width}" height="${n.height}" rx="4" fill="${KIND_COLOUR[dn.kind] ?? '#ffffff'}"/>` +
        `<text x="${(n.width ?? 0) / 2}" y="14">${esc(t.title)}</text><text class="sub" x="${(n.width ?? 0) / 2}" y="27">${esc(t.sub)}</text></g>`,
    );
  }
  parts.push('</g></svg>');
  return parts.join('\n');
}

const STYLE = `
body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px}td.n{text-align:right;font-variant-numeric:tabular-nums}
.scroll{overflow:auto;max-height:80vh;border:1px solid #ddd;background:#fafafa}
svg.graph text{font:10px monospace;text-anchor:middle;pointer-events:none}svg.graph text.sub{fill:#444}svg.graph g.dark text{fill:#fff}
svg.graph path{fill:none;stroke-width:1.2}svg.graph rect{stroke:#444;stroke-width:.8}
svg.graph g.node:hover rect{stroke:#000;stroke-width:2.5}svg.graph g.edge:hover path{stroke-width:3.5}
.legend span{display:inline-block;margin:2px 6px 2px 0;padding:1px 6px;border:1px solid #888;font:11px monospace}
.zoom button{margin-right:4px}.note{color:#a33}
`;
// Zoom buttons scale the SVG's width/height (the viewBox keeps it sharp); no other script.
const SCRIPT = `
document.querySelectorAll('.zoom').forEach(function (z) {
  var svg = z.parentElement.querySelector('svg.graph');
  var w = Number(svg.getAttribute('data-width')), h = Number(svg.getAttribute('height')), f = 1;
  function set(nf) { f = nf; svg.setAttribute('width', String(w * f)); svg.setAttribute('height', String(h * f)); }
  z.querySelector('.in').addEventListener('click', function () { set(f * 1.25); });
  z.querySelector('.out').addEventListener('click', function () { set(f / 1.25); });
  z.querySelector('.fit').addEventListener('click', function () { set(Math.min(1, z.parentElement.clientWidth / w)); });
});
`;

function legend(): string {
  const kinds = Object.entries(KIND_COLOUR).map(([k, c]) => `<span style="background:${c}${DARK_KINDS.has(k) ? ';color:#fff' : ''}">${k}</span>`).join('');
  const streams = Object.entries(STREAM_COLOUR).map(([k, c]) => `<span style="color:${c};border-color:${c}">— ${k}</span>`).join('');
  return `<div class="legend">${kinds}</div><div class="legend">${streams}</div>`;
}

function configurationTable(res: RunResult): string {
  const baseCycles = res.runs.find((r) => r.report?.metrics.cycles !== undefined)?.report?.metrics.cycles;
  const rows = res.runs.map((r) => {
    const m = r.report?.metrics ?? {};
    const speed = baseCycles !== undefined && m.cycles ? `${(baseCycles / m.cycles).toFixed(2)}x` : '-';
    const checked = r.report?.valuesChecked === undefined ? '-' : r.report.valuesChecked ? 'yes' : 'NO';
    return `<tr><td>${esc(r.configuration ?? '(default)')}</td><td>${r.error ? `error ${esc(r.error.code)}` : 'ok'}</td><td class="n">${formatNumber(m.cycles)}</td><td class="n">${speed}</td><td class="n">${formatNumber(m.flops)}</td><td class="n">${formatNumber(m.bytes)}</td><td>${checked}</td></tr>`;
  });
  return `<table><tr><th>configuration</th><th>status</th><th>cycles</th><th>speedup</th><th>flops</th><th>bytes</th><th>values checked</th></tr>${rows.join('')}</table>`;
}

/** Cycles per kernel: graphs of one kernel run together, the others one after another. */
function kernelTable(details: GraphDetails[]): string {
  const rows = details.map((d) => `<tr><td>${esc(d.graph)}</td><td>${esc(d.kernel ?? '-')}</td><td class="n">${formatNumber(d.cycles)}</td></tr>`);
  return `<table><tr><th>graph</th><th>kernel</th><th>cycles</th></tr>${rows.join('')}</table>`;
}

/**
 * Writes a self-contained report.html (inline CSS, SVG and a few lines of script; nothing fetched):
 * configuration table, charts, and every dataflow graph laid out by ELK with per-node and per-channel
 * counters in hover titles. Returns size and layout cost.
 */
export async function writeReport(file: string, input: ReportInput): Promise<ReportStats> {
  const res = input.result;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const sections: string[] = [];
  let nodes = 0;
  let drawn = 0;
  for (const run of res.runs) {
    const conf = run.configuration ?? '';
    const graphs = input.graphs.get(conf) ?? [];
    const details = ((run.report?.details as { graphs?: GraphDetails[] } | undefined)?.graphs ?? []) as GraphDetails[];
    const h = `<h2>${esc(run.configuration ?? 'run')}${run.report?.metrics.cycles !== undefined ? ` — ${formatNumber(run.report.metrics.cycles)} cycles` : ''}</h2>`;
    if (!graphs.length) {
      sections.push(`${h}<p class="note">no dataflow graph (${run.error ? `failed: ${esc(run.error.code)}` : 'the pipeline does not lower to the dataflow stage'})</p>`);
      continue;
    }
    const parts = [h, details.length ? kernelTable(details) : '<p class="note">no per-graph counters (backend without them)</p>'];
    for (const [k, g] of graphs.entries()) {
      const d = details.find((x) => x.graph === g.name) ?? details[k];
      nodes += g.nodes.length;
      parts.push(
        `<details${graphs.length <= 4 ? ' open' : ''}><summary>${esc(g.name)}${g.kernel ? ` (kernel ${esc(g.kernel)})` : ''}: ${g.nodes.length} nodes, ${g.channels.length} channels${d?.cycles !== undefined ? `, ${formatNumber(d.cycles)} cycles` : ''}</summary>` +
          `<div class="zoom"><button class="in">zoom +</button><button class="out">zoom −</button><button class="fit">fit width</button></div>` +
          `<div class="scroll">${await graphSvg(g, d, drawn++)}</div></details>`,
      );
    }
    sections.push(parts.join('\n'));
  }
  const cpu = process.cpuUsage(c0);
  const layoutMs = performance.now() - t0;
  const charts = (input.charts ?? []).map((c) => `<figure><figcaption>${esc(c.title)}</figcaption>${c.svg}</figure>`).join('\n');
  const html = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(`FuseFlow report: ${input.name}`)}</title><style>${STYLE}</style></head><body>`,
    `<h1>${esc(input.name)}</h1><p>${input.seed !== undefined ? `seed ${input.seed}; ` : ''}${res.ok ? 'all runs ok' : 'some runs failed'}. Hover a node or a channel for its tokens and stall cycles.</p>`,
    '<h2>Configurations</h2>',
    configurationTable(res),
    '<h2>Charts</h2>',
    charts,
    input.chartsError ? `<p class="note">charts not drawn: ${esc(input.chartsError)}</p>` : charts ? '' : `<p class="note">${esc(input.noChartsNote ?? 'no charts')}</p>`,
    '<h2>Dataflow graphs</h2>',
    legend(),
    ...sections,
    `<script>${SCRIPT}</script></body></html>`,
  ].join('\n');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, html);
  return { file, bytes: Buffer.byteLength(html), nodes, layoutMs, layoutCpuSeconds: (cpu.user + cpu.system) / 1e6 };
}

/** The run's own charts (vega-lite through @fuseflow/plots, SVG only): cycles per configuration and per graph. */
async function runCharts(res: RunResult): Promise<Array<{ title: string; svg: string }>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { renderVegaLite, stackedBarSpec } = require('@fuseflow/plots') as typeof import('@fuseflow/plots');
  const ran = res.runs.filter((r) => r.report?.metrics.cycles !== undefined);
  if (!ran.length) return [];
  const label = (r: RunResult['runs'][number]) => r.configuration ?? '(default)';
  const total = ran.map((r) => ({ configuration: label(r), cycles: r.report!.metrics.cycles!, kind: 'end-to-end' }));
  const perGraph = ran.flatMap((r) =>
    ((r.report!.details as { graphs?: GraphDetails[] } | undefined)?.graphs ?? []).map((d) => ({ configuration: label(r), graph: d.graph, cycles: d.cycles ?? 0 })),
  );
  const charts = [{ title: 'End-to-end cycles per configuration', spec: stackedBarSpec(total, { x: 'configuration', y: 'cycles', color: 'kind', yTitle: 'simulated time', yUnit: 'cycles' }) }];
  if (perGraph.length) {
    charts.push({
      title: 'Cycles per graph (summed; graphs of one kernel overlap in the end-to-end total)',
      spec: stackedBarSpec(perGraph, { x: 'configuration', y: 'cycles', color: 'graph', yTitle: 'simulated time', yUnit: 'cycles' }),
    });
  }
  const out: Array<{ title: string; svg: string }> = [];
  for (const c of charts) out.push({ title: c.title, svg: (await renderVegaLite(c.spec, { svgOnly: true })).svg });
  return out;
}

/**
 * SVG charts the plugins wrote into the run's folder (e.g. systolic's per-layer cycles and energy),
 * inlined so the page stays one file. Files outside the output folder are not read.
 */
export function pluginCharts(res: RunResult): Array<{ title: string; svg: string }> {
  const out: Array<{ title: string; svg: string }> = [];
  const root = path.resolve(res.outDir) + path.sep;
  const files = [...res.runs.flatMap((r) => (r.report?.files ?? []).map((f) => ({ conf: r.configuration, f }))), ...(res.files ?? []).map((f) => ({ conf: undefined, f }))];
  for (const { conf, f } of files) {
    const abs = path.resolve(res.outDir, f);
    if (!abs.endsWith('.svg') || !abs.startsWith(root) || !fs.existsSync(abs)) continue;
    const svg = fs.readFileSync(abs, 'utf8').replace(/^<\?xml[^>]*>\s*/, '');
    if (!svg.startsWith('<svg')) continue;
    out.push({ title: `${conf ? `${conf}: ` : ''}${path.relative(res.outDir, abs)}`, svg });
  }
  return out;
}

/**
 * report.html beside results.json for a finished run (`fuseflow run`, `fuseflow simulate`). Chart
 * rendering needs vega (an ES module); where it cannot load the page says so instead of leaving the
 * charts out silently.
 */
export async function writeRunReport(res: RunResult, graphs: Map<string, DataflowGraph[]>, options: RunReportOptions = {}): Promise<ReportStats & { chartsError?: string }> {
  let charts: Array<{ title: string; svg: string }> = [];
  let chartsError: string | undefined;
  if (options.charts !== false) {
    try {
      charts = await runCharts(res);
    } catch (e) {
      chartsError = (e as Error).message.split('\n')[0];
    }
  }
  charts.push(...pluginCharts(res));
  // name and seed live in results.json (written just before), not in RunResult
  let head: { name?: string; seed?: number } = {};
  try {
    head = JSON.parse(fs.readFileSync(path.join(res.outDir, 'results.json'), 'utf8')) as typeof head;
  } catch {
    // no results.json (the run failed before writing it): the folder name stands in
  }
  const stats = await writeReport(path.join(res.outDir, 'report.html'), { result: res, name: head.name ?? path.basename(res.outDir), ...(head.seed !== undefined ? { seed: head.seed } : {}), graphs, charts, ...(chartsError ? { chartsError } : {}), ...(options.charts === false ? { noChartsNote: 'no charts (not drawn for this command; cycles per graph are in the tables below)' } : {}) });
  return { ...stats, ...(chartsError ? { chartsError } : {}) };
}
