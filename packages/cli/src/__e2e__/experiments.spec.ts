/**
 * The paper's Figures 14-17 as `fuseflow experiment <id> --mode tiny` (the same definitions as
 * fast mode at seconds-scale sizes): each command runs real pipelines (frontends, fusion, order,
 * blocking and parallelization passes, lowering, the RDA simulator with value checks) and writes a
 * table (text + JSON) and a chart (SVG + PNG). Assertions recompute the derived columns from the
 * raw counters and check the effects the figures are about.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { enumerateLoopOrders, inlineGroup, parseProgram } from '@fuseflow/ir';
import { chainProgram } from '@fuseflow/searcher-dse';
import { memoryIo } from '../io';
import { runCli } from '../main';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', '..', 'examples');

type Json = { experiment: string; mode: string; rows: Array<Record<string, unknown>>; files: string[] };

async function experiment(id: string): Promise<Json> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ff-exp-${id}-`));
  const io = memoryIo(dir);
  const code = await runCli(['experiment', id, '--mode', 'tiny', '--executor', 'inline', '--examples', EXAMPLES, '--out', dir, '--json'], io);
  expect(io.err.filter((l) => /error/i.test(l))).toEqual([]);
  expect(code).toBe(0);
  const out = JSON.parse(io.out.join('\n')) as Json;
  for (const ext of ['json', 'txt']) expect(out.files.some((f) => f.endsWith(`${id}.${ext}`) && fs.statSync(f).size > 100)).toBe(true);
  // vega ships ESM only and jest's CommonJS sandbox cannot import() it (packages/plots tests render in
  // a child process); from the CLI the SVG and PNG are written. Either the chart files exist or the
  // report names why it was not rendered.
  const charts = out.files.filter((f) => f.endsWith(`${id}.svg`) || f.endsWith(`${id}.png`));
  if (charts.length) for (const f of charts) expect(fs.statSync(f).size).toBeGreaterThan(100);
  else expect(out.files.some((f) => f.startsWith('(chart not rendered'))).toBe(true);
  return out;
}

describe('fuseflow experiment fig12 (tiny mode: the GPT-3 layer)', () => {
  it('runs unfused / partially / fully fused (LN1 + Q/K/V kernel, fused attention, fused tail) with values checked; full fusion is fastest', async () => {
    const { rows } = await experiment('fig12');
    expect(rows).toHaveLength(1);
    const r = rows[0] as { cycles: Record<string, number>; speedup: Record<string, number>; valuesChecked: boolean; errors: unknown[] };
    expect(r.errors).toEqual([]);
    expect(r.valuesChecked).toBe(true);
    expect(r.cycles['fully fused']).toBeLessThan(r.cycles['partially fused']);
    expect(r.cycles['partially fused']).toBeLessThan(r.cycles.unfused);
    expect(r.speedup['fully fused']).toBeCloseTo(r.cycles.unfused / r.cycles['fully fused'], 9);
  });
});

describe('fuseflow experiment fig14-17 (tiny mode)', () => {
  it('fig14: five GCN configurations, FLOPs/bytes normalized by unfused; full fusion recomputes', async () => {
    const { rows } = await experiment('fig14');
    expect(rows.map((r) => r.configuration)).toEqual(['fully fused', 'only 1st layer fused', 'only 2nd layer fused', 'both layers fused', 'unfused']);
    const unf = rows.find((r) => r.configuration === 'unfused')!;
    for (const r of rows) {
      expect(r.status).toBe('checked');
      expect(r.normFlops as number).toBeCloseTo((r.flops as number) / (unf.flops as number), 10);
      expect(r.normBytes as number).toBeCloseTo((r.bytes as number) / (unf.bytes as number), 10);
      expect(r.estNormFlops as number).toBeCloseTo((r.estFlops as number) / (unf.estFlops as number), 10);
    }
    const full = rows[0] as Record<string, unknown> & { recompute: Record<string, number> };
    // The paper's point: full fusion recomputes layer 1 per neighbour, so it does more work than
    // unfused even with the softmax's four uses of A·H·W2 + b2 computed once (shared)...
    expect(full.normFlops as number).toBeGreaterThan(1.5);
    // ... and about four times that when every use recomputes it.
    expect(full.recompute.normFlops).toBeCloseTo(full.recompute.flops / (unf.flops as number), 10);
    expect(full.recompute.normFlops).toBeGreaterThan(3 * (full.normFlops as number));
    expect(full.recompute.normBytes).toBeGreaterThan(2 * (full.normBytes as number));
    expect(full.recompute.estNormFlops).toBeGreaterThan(3 * (full.estNormFlops as number));
    // Fusing layer 1 alone streams A·X instead of writing it: fewer bytes than unfused.
    expect(rows[1].normBytes as number).toBeLessThan(1);
  }, 120_000);

  it('fig15: cycles fall with the parallel factor at both stream levels', async () => {
    const { rows } = await experiment('fig15');
    expect(rows).toHaveLength(7);
    for (const r of rows) expect(r.status).toBe('checked');
    const at = (loc: string, p: number) => rows.find((r) => (r.location as string).startsWith(loc) && r.factor === p)!;
    for (const loc of ['outermost', 'second']) {
      expect(at(loc, 1).cycles).toBe(at('outermost', 1).cycles); // P = 1 is the same graph
      expect(at(loc, 2).speedup as number).toBeCloseTo((at(loc, 1).cycles as number) / (at(loc, 2).cycles as number), 10);
      expect(at(loc, 2).speedup as number).toBeGreaterThan(1.5);
      expect(at(loc, 4).cycles as number).toBeLessThan(at(loc, 2).cycles as number);
    }
    expect(at('both', 4).cycles as number).toBeLessThan(at('outermost', 2).cycles as number);
  }, 80_000);

  it('fig16: block-sparse values match scalar and take fewer cycles', async () => {
    const { rows } = await experiment('fig16');
    expect(rows.map((r) => r.block)).toEqual([4, 8]);
    for (const r of rows) {
      expect(r.status).toBe('scalar checked; blocked checked');
      expect(r.speedup as number).toBeCloseTo((r.scalarCycles as number) / (r.blockedCycles as number), 10);
      expect(r.speedup as number).toBeGreaterThan(1);
    }
  }, 80_000);

  it('fig17: distinct valid loop orders, speedup relative to the slowest', async () => {
    const { rows } = await experiment('fig17');
    const p = parseProgram(`${chainProgram(8)}\ngroup g0 = s0, s1, s2`);
    const orders = enumerateLoopOrders(inlineGroup(p, p.groups![0]), p).map((o) => o.join(''));
    expect(orders.length).toBe(16); // zigzag partial order i<j>k<l>m
    expect(rows.map((r) => r.order)).toEqual(orders.slice(0, 4).map((o, i) => `${i}: ${o}`));
    const worst = Math.max(...rows.map((r) => r.cycles as number));
    for (const r of rows) {
      expect(r.status).toBe('checked');
      expect(r.speedupOverWorst as number).toBeCloseTo(worst / (r.cycles as number), 10);
    }
    expect(new Set(rows.map((r) => r.cycles)).size).toBeGreaterThan(1); // the order matters
  }, 80_000);
});
