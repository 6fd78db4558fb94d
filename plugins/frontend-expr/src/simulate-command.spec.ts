import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHostContainer, type CliIo } from '@fuseflow/kernel';
import { simulateCommand } from './simulate-command';

/** The options commander hands the command for `simulate --expr ... --gen ... --out <out> --report` (no report: without --report). */
const spmspm = (out: string, extra: Record<string, unknown> = {}) => ({
  expr: 'X(i,j) = B(i,k) * C(k,j)',
  format: ['B=csr', 'C=csr'],
  gen: ['B=uniform:16x16:0.2:seed=1', 'C=uniform:16x16:0.2:seed=2'],
  out,
  report: true,
  ...extra,
});

function io(cwd: string): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd, isTTY: false, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t), container: createHostContainer({ baseDir: cwd }) };
}

describe('fuseflow simulate: report.html', () => {
  it('writes report.html into the run folder with every simulated node drawn, and prints its path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-sim-report-'));
    const x = io(dir);
    expect(await simulateCommand.action([], spmspm('o'), x)).toBe(0);
    const file = path.join(dir, 'o', 'report.html');
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'o', 'results.json'), 'utf8')) as { runs: Array<{ report: { metrics: { cycles: number }; details: { graphs: Array<{ nodes: Array<{ id: number; stall: number }>; channels: unknown[] }> } } }> };
    const g = results.runs[0].report.details.graphs;
    expect(g).toHaveLength(1);
    const simulated = g[0].nodes.length;
    expect(simulated).toBeGreaterThan(5);
    const html = fs.readFileSync(file, 'utf8');
    const drawn = [...html.matchAll(/<g class="node[^"]*" data-node="(\d+)"[^>]*><title>([^<]*)<\/title>/g)];
    expect(drawn.map((m) => Number(m[1])).sort((a, b) => a - b)).toEqual(g[0].nodes.map((n) => n.id).sort((a, b) => a - b));
    // hover titles carry the simulator's own counters
    for (const m of drawn) expect(m[2]).toContain(`stall cycles: ${g[0].nodes.find((n) => n.id === Number(m[1]))!.stall.toLocaleString('en-US')}\n`);
    expect(html).toContain(`: ${simulated} nodes, ${g[0].channels.length} channels, ${results.runs[0].report.metrics.cycles.toLocaleString('en-US')} cycles</summary>`);
    expect(html).toContain('<title>FuseFlow report: simulate</title>');
    const printed = x.out.join('');
    expect(printed).toMatch(new RegExp(`\\nreport: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ KiB, ${simulated} nodes laid out in [\\d.]+ s, [\\d.]+ CPU-s\\)\\n$`));
    expect(x.err).toEqual([]);
  }, 60000);

  it('without --report it writes none and prints no report line; with it --json gives the path in `report`', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-sim-report-'));
    const off = io(dir);
    expect(await simulateCommand.action([], spmspm('off', { report: undefined }), off)).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'off')).sort()).toEqual(['X.mtx', 'manifest.resolved.json', 'results.json']);
    expect(off.out.join('')).not.toContain('report:');
    const json = io(dir);
    expect(await simulateCommand.action([], spmspm('on', { json: true }), json)).toBe(0);
    expect(JSON.parse(json.out.join('')).report).toBe(path.join(dir, 'on', 'report.html'));
    expect(fs.existsSync(path.join(dir, 'on', 'report.html'))).toBe(true);
  }, 60000);
});
