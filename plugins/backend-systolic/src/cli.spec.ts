import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systolicCliCommand, systolicCommand } from './cli';

describe('fuseflow systolic flags (one table: declaration and reading)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ff-systolic-flags-'));
  writeFileSync(join(dir, 'l.csv'), 'Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\nc, 5, 5, 3, 3, 2, 4, 1,\n');
  const run = (options: Record<string, unknown>) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = systolicCommand({ topology: 'l.csv', ...options }, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), cwd: dir, isTTY: false });
    return { code, out: out.join(''), err: err.join('') };
  };

  it('declares the flags the CLI offers, in order', () => {
    expect(systolicCliCommand.options?.map((o) => o.flags)).toEqual([
      '--topology <file>',
      '--config <file>',
      '--array <RxC>',
      '--dataflow <os|ws|is>',
      '--ifmap-kb <kb>',
      '--filter-kb <kb>',
      '--ofmap-kb <kb>',
      '--bandwidth <words>',
      '--batch <n>',
      '--fold-skew <occupied|full|scalesim>',
      '--json',
    ]);
    // only what the CLI host reads: the reading rules stay inside the plugin
    for (const o of systolicCliCommand.options ?? []) expect(Object.keys(o).sort()).toEqual(['description', 'flags']);
  });

  it('every value flag reaches its hardware field under commander\'s key', () => {
    const r = run({ array: '4x6', dataflow: 'WS', ifmapKb: '8', filterKb: '16', ofmapKb: '32', bandwidth: '10', batch: '2', foldSkew: 'full', json: true });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).hardware).toMatchObject({ arrayHeight: 4, arrayWidth: 6, dataflow: 'ws', ifmapSramKB: 8, filterSramKB: 16, ofmapSramKB: 32, bandwidth: 10, batch: 2, foldSkew: 'full' });
  });

  it('names the flag of a bad value, the first bad one in table order', () => {
    const neg = run({ ifmapKb: '-1' });
    expect([neg.code, neg.err]).toEqual([2, "fuseflow systolic: FF_OPTIONS_INVALID: --ifmap-kb: expected a positive number, got '-1'\n"]);
    const both = run({ batch: 'x', array: '4by4' });
    expect([both.code, both.err]).toEqual([2, "fuseflow systolic: FF_OPTIONS_INVALID: --array: expected RxC such as 32x32, got '4by4'\n"]);
    const batch = run({ batch: 'x' });
    expect(batch.err).toBe("fuseflow systolic: FF_OPTIONS_INVALID: --batch: expected a positive number, got 'x'\n");
  });
});
