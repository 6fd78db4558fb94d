import { errorOf, resolvePluginOptions } from '@fuseflow/kernel';
import { fromDense, nestedMatmulProgram, parseFormat, parseProgram, type ProgramModule } from '@fuseflow/ir';
import plugin, { DataflowOrderPass, chooseLoopOrders, groupLoopOrders, parseOrder } from './index';

/** The reference's Figure 17 kernel: (A*B)*C with every matrix stored column-major at the inner level. */
const nested = nestedMatmulProgram([4, 4, 4, 4]);

describe('chooseLoopOrders', () => {
  const info = groupLoopOrders(nested)[0];

  it('enumerates every topological order of the fused group', () => {
    // arcs: i<k (A), j<k (B col-major), l<j (C col-major): 4 vars, 3 arcs.
    expect(info.vars).toEqual(['i', 'l', 'k', 'j']); // lhs first, then first appearance
    expect(info.orders.map((o) => o.join(''))).toEqual(['iljk', 'lijk', 'ljik']);
  });

  it('picks by index and by explicit list (several spellings)', () => {
    expect(chooseLoopOrders(nested, { order: 2 }).groups![0].loopOrder).toEqual(['l', 'j', 'i', 'k']);
    expect(chooseLoopOrders(nested, { order: 'lijk' }).groups![0].loopOrder).toEqual(['l', 'i', 'j', 'k']);
    expect(chooseLoopOrders(nested, { order: 'l, i, j, k' }).groups![0].loopOrder).toEqual(['l', 'i', 'j', 'k']);
    expect(chooseLoopOrders(nested, { orders: { g0: ['l', 'j', 'i', 'k'] } }).groups![0].loopOrder).toEqual(['l', 'j', 'i', 'k']);
  });

  it('an out-of-range index names the key and the number of valid orders', () => {
    const e = errorOf(() => chooseLoopOrders(nested, { order: 3 }));
    expect(e.code).toBe('FF_OPTIONS_INVALID');
    expect(e.message).toContain("option 'order': index 3 is out of range: group 'g0' has 3 valid loop orders (0..2)");
    const e2 = errorOf(() => chooseLoopOrders(nested, { orders: { g0: 9 } }));
    expect(e2.message).toContain("option 'orders.g0': index 9");
    expect(errorOf(() => chooseLoopOrders(nested, { orders: { g7: 0 } })).message).toContain("no fusion group named 'g7'");
  });

  it('an invalid explicit order says which storage order it violates', () => {
    const e = errorOf(() => chooseLoopOrders(nested, { order: 'ikjl' }));
    expect(e.code).toBe('FF_OPTIONS_INVALID');
    expect(e.message).toMatch(/iterates .* outside .*, but .* stores/);
    expect(e.message).toContain('valid orders: iljk, lijk, ljik');
  });

  it('defaults to unfused groups with order #0 when no fusion pass ran', () => {
    const p = { ...nested, groups: undefined };
    const out = chooseLoopOrders(p);
    expect(out.groups!.map((g) => [g.statements, g.loopOrder])).toEqual([
      [['s0'], ['i', 'j', 'k']],
      [['s1'], ['i', 'l', 'j']],
    ]);
    // A global list applies to the groups whose variables it names; the other groups keep order #0.
    expect(chooseLoopOrders(p, { order: 'jik' }).groups!.map((g) => g.loopOrder!.join(''))).toEqual(['jik', 'ilj']);
    expect(errorOf(() => chooseLoopOrders(p, { order: 'xyz' })).message).toContain('matches the variables of no group');
  });

  it("'best-estimate' iterates the sparse operand outermost (from measured stats)", () => {
    const p = parseProgram(`
program outer
tensor u(40): dense input
tensor v(40): compressed input
tensor Y(40,40): dense output
s0: Y(i,j) = u(i) * v(j)
`);
    const v = fromDense([40], Array.from({ length: 40 }, (_, k) => (k === 3 ? 1 : 0)), parseFormat('compressed', 1));
    const u = fromDense([40], Array.from({ length: 40 }, () => 1), parseFormat('dense', 1));
    const mod: ProgramModule = { stage: 'program', program: p, data: { u, v } };
    expect(groupLoopOrders(p)[0].orders.map((o) => o.join(''))).toEqual(['ij', 'ji']);
    const out = new DataflowOrderPass({ order: 'best-estimate' }).run(mod as never) as unknown as ProgramModule;
    expect(out.program.groups![0].loopOrder).toEqual(['j', 'i']);
    // both compressed: the manifest's statistics override the data and the choice flips to u outermost
    const q = parseProgram(OUTER_BOTH_SPARSE);
    const flipped = chooseLoopOrders(q, { order: 'best-estimate', stats: { u: { density: 0.025 }, v: { density: 1 } } }, { u, v });
    expect(flipped.groups![0].loopOrder).toEqual(['i', 'j']);
    expect(chooseLoopOrders(q, { order: 'best-estimate' }, { u, v }).groups![0].loopOrder).toEqual(['j', 'i']);
  });
});

/** The same outer product with u compressed too. */
const OUTER_BOTH_SPARSE = `
program outer2
tensor u(40): compressed input
tensor v(40): compressed input
tensor Y(40,40): dense output
s0: Y(i,j) = u(i) * v(j)
`;

describe('parseOrder', () => {
  it('splits single-character variable strings, keeps multi-character names', () => {
    expect(parseOrder('ikj', ['i', 'j', 'k'])).toEqual(['i', 'k', 'j']);
    expect(parseOrder('k1 i', ['i', 'k1'])).toEqual(['k1', 'i']);
  });
});

describe('plugin contract', () => {
  it('schema rejects a negative index and unknown keys', () => {
    expect(plugin.id).toBe('dataflow-order');
    expect(errorOf(() => resolvePluginOptions(plugin as never, { order: -1 }, '/passes/1')).code).toBe('FF_OPTIONS_INVALID');
    expect(errorOf(() => resolvePluginOptions(plugin as never, { ordr: 1 }, '/passes/1')).message).toContain('ordr');
    expect(resolvePluginOptions(plugin as never, { order: 'best-estimate' }, '/passes/1').order).toBe('best-estimate');
  });
});
