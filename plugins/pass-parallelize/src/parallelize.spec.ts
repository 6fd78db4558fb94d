import { errorOf, resolvePluginOptions } from '@fuseflow/kernel';
import { parseProgram, type ProgramModule } from '@fuseflow/ir';
import plugin, { ParallelizePass, parallelizeProgram } from './index';

const p = parseProgram(`
program two
tensor A(8,8): dcsr input
tensor X(8,4): dense input
tensor W(4,3): dense input
tensor T(8,4): dense intermediate
tensor Y(8,3): dense output
s0: T(i,f) = A(i,k) * X(k,f)
s1: Y(r,h) = T(r,f) * W(f,h)
`);

describe('parallelizeProgram', () => {
  it("'outer' parallelizes each group's outermost loop index", () => {
    expect(parallelizeProgram(p, { factor: 4, level: 'outer' }).schedule?.parallel).toEqual([
      { index: 'i', factor: 4, group: 'g0' },
      { index: 'r', factor: 4, group: 'g1' },
    ]);
    const fused = { ...p, groups: [{ name: 'all', statements: ['s0', 's1'], loopOrder: ['r', 'k', 'f', 'h'] }] };
    expect(parallelizeProgram(fused, { factor: 2 }).schedule?.parallel).toEqual([{ index: 'r', factor: 2, group: 'all' }]);
  });

  it('a named index applies to every group that iterates it; several levels stack', () => {
    expect(parallelizeProgram(p, { factor: 2, level: 'f' }).schedule?.parallel).toEqual([{ index: 'f', factor: 2 }]);
    const two = parallelizeProgram(p, { levels: [{ index: 'i', factor: 4 }, { index: 'k', factor: 2, group: 'g0' }] });
    expect(two.schedule?.parallel).toEqual([
      { index: 'i', factor: 4 },
      { index: 'k', factor: 2, group: 'g0' },
    ]);
    // a second pass adds a level and replaces the same (index, group)
    const three = parallelizeProgram(two, { factor: 8, level: 'i' });
    expect(three.schedule?.parallel).toEqual([
      { index: 'i', factor: 8 },
      { index: 'k', factor: 2, group: 'g0' },
    ]);
  });

  it('factor 1 is a no-op', () => {
    expect(parallelizeProgram(p, { factor: 1, level: 'i' }).schedule?.parallel).toBeUndefined();
  });

  it('validates the index and the group, naming the key and the variables', () => {
    const e = errorOf(() => parallelizeProgram(p, { factor: 2, level: 'z' }));
    expect(e.code).toBe('FF_OPTIONS_INVALID');
    expect(e.message).toContain("option 'level': index 'z' is not iterated by any group (g0: i,f,k; g1: r,h,f)");
    const e2 = errorOf(() => parallelizeProgram(p, { levels: [{ index: 'r', factor: 2, group: 'g0' }] }));
    expect(e2.message).toContain("option 'levels.0.index': index 'r' is not iterated by group 'g0'");
    expect(errorOf(() => parallelizeProgram(p, { group: 'g9' })).message).toContain("no fusion group named 'g9'");
  });

  it('runs as a pass; the schema rejects factor 0 with the key path', () => {
    const out = new ParallelizePass({ factor: 4, level: 'i' }).run({ stage: 'program', program: p, data: {} } as never) as unknown as ProgramModule;
    expect(out.program.schedule?.parallel).toEqual([{ index: 'i', factor: 4 }]);
    const e = errorOf(() => resolvePluginOptions(plugin as never, { factor: 0 }, '/passes/0'));
    expect(e.code).toBe('FF_OPTIONS_INVALID');
    expect(e.message).toContain('/passes/0/options/factor');
  });
});
