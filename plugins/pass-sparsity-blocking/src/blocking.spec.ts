import { isFuseFlowError, resolvePluginOptions } from '@fuseflow/kernel';
import { evaluateProgram, formatName, fromDense, parseProgram, toDense, type ProgramModule, type TensorBindings } from '@fuseflow/ir';
import plugin, { SparsityBlockingPass, blockProgram, selectBlockedTensors } from './index';

const gcnLayer = parseProgram(`
program layer
tensor A(10,10): dcsr input
tensor X(10,6): dense input
tensor W(6,5): csr input
tensor T(10,6): dcsr intermediate
tensor Y(10,5): dense output
s0: T(i,f) = A(i,k) * X(k,f)
s1: Y(i,h) = relu(T(i,f) * W(f,h))
`);

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function data(seed: number): TensorBindings {
  const r = lcg(seed);
  const out: TensorBindings = {};
  for (const t of Object.values(gcnLayer.tensors)) {
    if (t.role !== 'input') continue;
    const n = t.shape.reduce((a, b) => a * b, 1);
    const sparse = t.format.levels.includes('compressed');
    out[t.name] = fromDense(t.shape, Array.from({ length: n }, () => (sparse && r() < 0.7 ? 0 : Math.round(r() * 8 - 4) || 1)), t.format);
  }
  return out;
}

describe('blockProgram', () => {
  it('blocks every tensor by default (graph-wide block mode), declared formats and bound data, padding edge tiles', () => {
    const d = data(1);
    const { program, data: bd, blocked } = blockProgram(gcnLayer, d, { size: 4 });
    expect(blocked).toEqual(['A', 'X', 'W', 'T', 'Y']);
    expect(formatName(program.tensors.A.format)).toBe('bdcsr-4');
    expect(formatName(program.tensors.W.format)).toBe('bcsr-4');
    expect(program.tensors.X.format.blockShape).toEqual([4, 4]);
    expect(program.schedule?.blocking).toEqual({ size: 4, tensors: ['A', 'X', 'W', 'T', 'Y'] });
    // 10 is not a multiple of 4: logical shape kept, 3 x 3 tile grid, every value a 16-element tile
    expect(bd.A.shape).toEqual([10, 10]);
    expect(bd.A.levels.map((l) => l.size)).toEqual([3, 3]);
    expect(bd.A.vals.length % 16).toBe(0);
    expect(Array.from(toDense(bd.A))).toEqual(Array.from(toDense(d.A)));
    expect(Array.from(toDense(bd.X))).toEqual(Array.from(toDense(d.X)));
  });

  it('metamorphic: blocking at any size leaves the program values unchanged', () => {
    for (const seed of [1, 2, 3]) {
      const d = data(seed);
      const ref = toDense(evaluateProgram(gcnLayer, d).Y);
      for (const size of [1, 2, 3, 4, 16]) {
        for (const tensors of [undefined, ['A'], ['A', 'W', 'T']]) {
          const b = blockProgram(gcnLayer, d, { size, tensors });
          const got = toDense(evaluateProgram(b.program, b.data).Y);
          expect(Array.from(got)).toEqual(Array.from(ref));
        }
      }
    }
  });

  it('blocks the named tensors only (sparse only is legal in the IR), and rejects unknown names', () => {
    expect(selectBlockedTensors(gcnLayer, { tensors: ['A'] })).toEqual(['A']);
    let err: unknown;
    try {
      blockProgram(gcnLayer, {}, { tensors: ['Q'] });
    } catch (e) {
      err = e;
    }
    expect(isFuseFlowError(err) && err.code).toBe('FF_OPTIONS_INVALID');
    expect((err as Error).message).toContain("unknown tensor 'Q'");
  });

  it('runs as a pass and the schema names bad sizes', () => {
    const d = data(4);
    const mod: ProgramModule = { stage: 'program', program: gcnLayer, data: d };
    const out = new SparsityBlockingPass({ size: 2 }).run(mod as never) as unknown as ProgramModule;
    expect(out.program.schedule?.blocking?.size).toBe(2);
    expect(out.data.A.format.blockShape).toEqual([2, 2]);
    let err: unknown;
    try {
      resolvePluginOptions(plugin as never, { size: 0 }, '/passes/2');
    } catch (e) {
      err = e;
    }
    expect(isFuseFlowError(err) && err.code).toBe('FF_OPTIONS_INVALID');
    expect((err as Error).message).toContain('/passes/2/options/size');
  });
});
