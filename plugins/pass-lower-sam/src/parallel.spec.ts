import { FuseFlowError } from '@fuseflow/kernel';
import { parseProgram } from '@fuseflow/ir';
import { lowerStatement } from './lower';
import { KERNELS, checkGraph, kernelProgram, randomData } from './__fixtures__/kernels';

const count = (g: { nodes: Array<{ kind: string }> }, kind: string) => g.nodes.filter((n) => n.kind === kind).length;

describe('parallelization (fork/join lanes, reference 2.5)', () => {
  const cases: Array<[string, string[], Array<{ index: string; factor: number }>]> = [
    ['spmspm', ['i', 'k', 'j'], [{ index: 'i', factor: 2 }]],
    ['spmspm', ['i', 'k', 'j'], [{ index: 'i', factor: 4 }]],
    ['spmspm-csr-csc', ['i', 'j', 'k'], [{ index: 'j', factor: 3 }]],
    ['spmspm-csr-csc', ['i', 'j', 'k'], [{ index: 'i', factor: 2 }, { index: 'j', factor: 2 }]],
    ['spmv', ['i', 'j'], [{ index: 'i', factor: 4 }]],
    ['sddmm', ['i', 'k', 'j'], [{ index: 'i', factor: 2 }]],
    ['softmax', ['i', 'k', 'j'], [{ index: 'i', factor: 3 }]],
    ['add3', ['i', 'j'], [{ index: 'j', factor: 2 }]],
  ];
  for (const [name, order, parallel] of cases) {
    it(`${name} ${order.join('')} ${parallel.map((p) => `${p.index}x${p.factor}`).join(',')}: same values, lanes cloned`, () => {
      const k = KERNELS.find((x) => x.name === name)!;
      const p = kernelProgram(k);
      const serial = lowerStatement(p.statements[0], p, { loopOrder: order });
      const g = lowerStatement(p.statements[0], p, { loopOrder: order, parallel });
      expect(count(g, 'fork')).toBeGreaterThan(0);
      const lanes = parallel.reduce((a, s) => a * s.factor, 1);
      // every lane writes its own part of the output: no join, one value writer per lane
      expect(count(g, 'join')).toBe(0);
      expect(count(g, 'val_write')).toBe(lanes);
      // the region below the forks exists once per lane (scanners below the first forked level).
      expect(count(g, 'array')).toBe(count(serial, 'array') * lanes);
      for (const seed of [1, 2]) {
        const r = checkGraph(g, p, randomData(p, seed));
        if (!r.ok) throw new Error(r.message);
      }
    });
  }

  it('a fused group can be parallelized through the schedule', () => {
    const p = parseProgram(`
program gcn1
tensor A(8,8): dcsr input
tensor X(8,5): dcsr input
tensor W(5,3): dense input
tensor T(8,5): dcsr intermediate
tensor Z(8,3): dcsr output
s0: T(i,f) = A(i,k) * X(k,f)
s1: Z(i,h) = relu(T(i,f) * W(f,h))
group g0 = s0, s1
schedule parallel i 4 in g0
`);
    const g = lowerStatement({ ...p.statements[1] }, p, { group: 'g0' });
    expect(g).toBeDefined();
  });

  it('refuses to parallelize a reduced index', () => {
    const k = KERNELS.find((x) => x.name === 'spmspm')!;
    const p = kernelProgram(k);
    expect(() => lowerStatement(p.statements[0], p, { parallel: [{ index: 'k', factor: 2 }] })).toThrow(FuseFlowError);
    expect(() => lowerStatement(p.statements[0], p, { parallel: [{ index: 'k', factor: 2 }] })).toThrow(/only output indices/);
  });
});
