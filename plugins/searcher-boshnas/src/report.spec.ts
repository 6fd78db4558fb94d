import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HardwareDesignSpace } from '@fuseflow/ir';
import { alignedTable, paretoTable } from './report';

describe('search report tables', () => {
  it('aligns columns: numbers right, text left, one rule under the header', () => {
    const t = alignedTable(['name', 'value'], [['a', '1.5'], ['longer', '12']]).split('\n');
    expect(t).toEqual(['name    value', '------  -----', 'a         1.5', 'longer     12']);
  });

  it('names every accelerator parameter, taking the configuration value (e.g. a memory type) over its code', () => {
    const ds = { dimensions: ['Pib', 'memType'], embed: (c: Record<string, unknown>) => [c.Pib as number, c.memType === 'HBM' ? 3 : 2] } as unknown as HardwareDesignSpace;
    const rows = [
      { archHash: 'ab'.repeat(32), description: 'conv3x3-c4-bn-relu > flatten', hardware: { Pib: 4, memType: 'HBM' }, objective: 0.81234, metrics: { val: 0.8123, test: 0.8, latencyS: 0.0012345, energyJ: 0.002, areaMm2: 123.456 } },
      { archHash: 'cd'.repeat(32), description: 'x', hardware: { Pib: 2 }, objective: 0.7, metrics: { val: 0.7, test: 0.69, latencyS: 0.0005, energyJ: 0.001, areaMm2: 99 } },
    ];
    const lines = paretoTable(rows, ds).split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['#', 'val acc', 'test acc', 'latency ms', 'energy mJ', 'area mm2', 'objective', 'Pib', 'memType', 'CNN']);
    expect(lines[2].split(/\s{2,}/)).toEqual(['1', '0.812', '0.8', '1.234', '2', '123.5', '0.8123', '4', 'HBM', `${'ab'.repeat(5)} conv3x3-c4-bn-relu > flatten`]);
    // a parameter the configuration lacks falls back to its embedding value
    expect(lines[3].split(/\s{2,}/)[8]).toBe('2');
    // every row has its columns at the header's offsets
    const at = lines[0].indexOf('objective') + 'objective'.length;
    for (const l of lines.slice(2)) expect(l[at - 1]).toMatch(/\d/);
  });
});

describe('search charts (child process: vega is ESM-only, which jest cannot import)', () => {
  it('writes the Pareto and convergence SVGs into the output folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-bosh-charts-'));
    const pts = [0, 1, 2, 3].map((i) => ({ key: `k${i}`, archHash: 'a'.repeat(64), description: 'd', objective: 0.5 + 0.1 * i, metrics: { val: 0.6 + 0.1 * (i % 3), test: 0.6, latencyS: 0.001 * (1 + i), energyJ: 0.01, areaMm2: 10 } }));
    const trace = pts.map((p, i) => ({ n: i + 1, objective: p.objective, bestSoFar: p.objective }));
    const script = `
      const r = require(${JSON.stringify(path.join(__dirname, 'report.ts'))});
      r.writeSearchCharts(${JSON.stringify(dir)}, 'boshcode', ${JSON.stringify(pts)}, new Set(['k2', 'k0']), ${JSON.stringify(trace)})
        .then((f) => process.stdout.write(JSON.stringify(f)))
        .catch((e) => { process.stderr.write(String(e && e.stack)); process.exit(3); });`;
    const r = spawnSync(process.execPath, ['--conditions=@fuseflow/source', '-r', '@swc-node/register', '-e', script], { encoding: 'utf8', cwd: __dirname, timeout: 60_000 });
    expect(r.stderr).toBe('');
    const files = JSON.parse(r.stdout) as string[];
    expect(files).toEqual([path.join(dir, 'boshcode-convergence.svg'), path.join(dir, 'boshcode-pareto.svg')]);
    const pareto = fs.readFileSync(files[1], 'utf8');
    expect(pareto).toMatch(/^<svg/);
    expect(pareto).toContain('Pareto front');
    expect(pareto).toContain('front over 4 objectives');
    expect(pareto).toContain('validation accuracy');
    expect(fs.readFileSync(files[0], 'utf8')).toContain('best so far');
  }, 90_000);
});
