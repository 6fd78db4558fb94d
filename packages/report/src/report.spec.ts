import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunResult } from '@fuseflow/kernel';
import { uniformRandom } from '@fuseflow/ir';
import { RdaSimBackend, spmspm } from '@fuseflow/backend-rda-sim';
import { formatNumber } from './format';
import { KIND_COLOUR, pluginCharts, STREAM_COLOUR, writeReport, writeRunReport } from './report';

/** One simulated SpMSpM graph as a run result, the way `fuseflow run` hands it to the report. */
async function simulatedRun() {
  const rnd = (seed: number) => uniformRandom({ shape: [12, 12], density: 0.3, seed, format: 'dcsr', valueRange: [-2, 2] });
  const mod = spmspm('ikj', 12, 12, 12).module({ B: rnd(1), C: rnd(2) });
  const report = await new RdaSimBackend({ writeOutputs: false }).run(mod, { seed: 1, baseDir: os.tmpdir() } as never);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-report-'));
  const result: RunResult = { ok: true, outDir, resolvedManifestPath: '', runs: [{ configuration: 'spmspm <a&b>', report }] };
  return { mod, result, outDir };
}

describe('report.html', () => {
  it('draws every node and channel with its counters in the hover title, laid out top-down along the channels', async () => {
    const { mod, result, outDir } = await simulatedRun();
    const g = mod.graphs[0];
    const file = path.join(outDir, 'report.html');
    const stats = await writeReport(file, { result, name: 'unit', graphs: new Map([['spmspm <a&b>', mod.graphs]]) });
    const html = fs.readFileSync(file, 'utf8');
    expect(stats.bytes).toBe(Buffer.byteLength(html));
    expect(stats.nodes).toBe(g.nodes.length);
    // configuration names are escaped, not markup
    expect(html).toContain('spmspm &lt;a&amp;b&gt;');
    const nodes = [...html.matchAll(/<g class="node[^"]*" data-node="(\d+)" data-kind="([a-z_0-9]+)" transform="translate\(([\d.]+),([\d.]+)\)"><title>([^<]*)<\/title><rect [^>]*fill="([^"]+)"/g)];
    expect(nodes.map((m) => Number(m[1])).sort((a, b) => a - b)).toEqual(g.nodes.map((n) => n.id).sort((a, b) => a - b));
    const details = (result.runs[0].report!.details as { graphs: Array<{ nodes: Array<{ id: number; tokensIn: number; stall: number }>; channels: Array<{ id: number; tokens: number }> }> }).graphs[0];
    const y = new Map<number, number>();
    for (const m of nodes) {
      const s = details.nodes.find((n) => n.id === Number(m[1]))!;
      expect(m[5]).toContain(`tokens in: ${s.tokensIn.toLocaleString('en-US')},`);
      expect(m[5]).toContain(`stall cycles: ${s.stall.toLocaleString('en-US')}\n`);
      expect(m[6]).toBe(KIND_COLOUR[m[2]]);
      y.set(Number(m[1]), Number(m[4]));
    }
    // layered top-down: every channel goes from a higher to a lower layer
    for (const c of g.channels) expect(y.get(c.src.node)!).toBeLessThan(y.get(c.dst.node)!);
    const edges = [...html.matchAll(/<g class="edge" data-kind="([a-z]+)"><title>([^<]*)<\/title><path d="M[^"]+" stroke="([^"]+)"/g)];
    expect(edges).toHaveLength(g.channels.length);
    for (const e of edges) expect(e[3]).toBe(STREAM_COLOUR[e[1]]);
    const tokens = edges.map((e) => Number(/tokens: ([\d,]+)/.exec(e[2])![1].replace(/,/g, ''))).sort((a, b) => a - b);
    expect(tokens).toEqual(details.channels.map((c) => c.tokens).sort((a, b) => a - b));
    expect(new Set(edges.map((e) => e[1]))).toEqual(new Set(['crd', 'ref', 'val', 'repsig']));
    // self-contained: nothing fetched
    expect(html).not.toMatch(/\b(src|href)=["']?(https?:|\/\/)/);
    expect(html).not.toMatch(/@import|url\((?!#)/);
    expect(stats.layoutMs).toBeGreaterThan(0);
  }, 30000);

  it('says why a configuration has no graph and why charts are missing', async () => {
    const { result, outDir } = await simulatedRun();
    result.runs.push({ configuration: 'broken', error: { code: 'FF_PLUGIN_ERROR', message: 'x' } as never });
    const file = path.join(outDir, 'r.html');
    await writeReport(file, { result, name: 'unit', graphs: new Map(), chartsError: 'vega did not load' });
    const html = fs.readFileSync(file, 'utf8');
    expect(html).toContain('charts not drawn: vega did not load');
    expect(html).toContain('no dataflow graph (failed: FF_PLUGIN_ERROR)');
    expect(html).toContain('no dataflow graph (the pipeline does not lower to the dataflow stage)');
  }, 30000);

  it('writeRunReport: report.html in the run folder, named after results.json; charts: false draws none and says so', async () => {
    const { mod, result, outDir } = await simulatedRun();
    fs.writeFileSync(path.join(outDir, 'results.json'), JSON.stringify({ name: 'sim <1>', seed: 7 }));
    const stats = await writeRunReport(result, new Map([['spmspm <a&b>', mod.graphs]]), { charts: false });
    expect(stats.file).toBe(path.join(outDir, 'report.html'));
    expect(stats.chartsError).toBeUndefined();
    const html = fs.readFileSync(stats.file, 'utf8');
    expect(html).toContain('<h1>sim &lt;1&gt;</h1><p>seed 7; all runs ok.');
    expect(html).toContain('<p class="note">no charts (not drawn for this command; cycles per graph are in the tables below)</p>');
    expect(html).not.toContain('<figure>');
    expect(stats.nodes).toBe(mod.graphs[0].nodes.length);
  }, 30000);

  it('formatNumber: separators for integers, 4 significant digits otherwise, - when absent', () => {
    expect([formatNumber(1234567), formatNumber(0.000123456), formatNumber(12.3456), formatNumber(1234.56), formatNumber(undefined), formatNumber(NaN)]).toEqual(['1,234,567', '0.0001235', '12.35', '1,235', '-', '-']);
  });

  it('inlines the SVG charts plugins wrote into the run folder, and nothing from outside it', async () => {
    const { result, outDir } = await simulatedRun();
    fs.writeFileSync(path.join(outDir, 'layers.svg'), '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><text>cycles per layer</text></svg>');
    const outside = path.join(os.tmpdir(), `ff-outside-${process.pid}.svg`);
    fs.writeFileSync(outside, '<svg><text>secret</text></svg>');
    result.runs[0].report!.files = [path.join(outDir, 'layers.svg'), path.join(outDir, 'y.mtx'), outside, path.join(outDir, '..', path.basename(outside))];
    expect(pluginCharts(result)).toEqual([{ title: 'spmspm <a&b>: layers.svg', svg: '<svg xmlns="http://www.w3.org/2000/svg"><text>cycles per layer</text></svg>' }]);
    fs.rmSync(outside);
  });
});
