import { kernelCycles, simulateModule } from '@fuseflow/backend-rda-sim';
import { isFuseFlowError } from '@fuseflow/kernel';
import { parseProgram, printProgram, uniformRandom, type DataflowGraph } from '@fuseflow/ir';
import { fuseProgram } from '@fuseflow/pass-fusion';
import { lowerProgram } from '@fuseflow/pass-lower-sam';

/*
 * Kernels (pass-fusion `kernels`): groups mapped onto the fabric together. Two products of the same
 * matrix feed a sum; put in one kernel, the two products overlap and the sum waits for both.
 */
const program = parseProgram(`program two_products
tensor A(24,24): csr input
tensor B(24,24): csr input
tensor C(24,24): csr input
tensor T(24,24): csr intermediate
tensor U(24,24): csr intermediate
tensor X(24,24): csr output
s0: T(i,j) = A(i,k) * B(k,j)
s1: U(i,j) = A(i,k) * C(k,j)
s2: X(i,j) = T(i,j) + U(i,j)`);
const data = {
  A: uniformRandom({ shape: [24, 24], density: 0.2, seed: 1, format: 'csr' }),
  B: uniformRandom({ shape: [24, 24], density: 0.2, seed: 2, format: 'csr' }),
  C: uniformRandom({ shape: [24, 24], density: 0.3, seed: 3, format: 'csr' }),
};

function run(kernels?: string[][]) {
  const p = fuseProgram(program, { granularity: 'unfused', ...(kernels ? { kernels } : {}) });
  const graphs = lowerProgram(p);
  return { p, graphs, r: simulateModule({ stage: 'dataflow', program: p, data, graphs }) };
}

describe('kernels: groups sharing the fabric', () => {
  it('overlaps independent graphs of a kernel and makes a consumer wait for its producers; values unchanged', () => {
    const alone = run();
    const [c0, c1, c2] = alone.r.graphs.map((g) => g.cycles);
    expect(alone.r.cycles).toBe(c0 + c1 + c2);
    expect(alone.r.sequentialCycles).toBe(alone.r.cycles);

    const both = run([['s0', 's1']]);
    expect(both.graphs.map((g) => g.kernel)).toEqual(['k0', 'k0', undefined]);
    expect(both.r.valuesChecked).toBe(true);
    expect(both.r.graphs.map((g) => g.cycles)).toEqual([c0, c1, c2]);
    expect(both.r.cycles).toBe(Math.max(c0, c1) + c2);
    expect(both.r.sequentialCycles).toBe(c0 + c1 + c2);

    // the consumer in the same kernel still starts only when both of its producers are done
    const all = run([['s0', 's1', 's2']]);
    expect(all.r.cycles).toBe(Math.max(c0, c1) + c2);
  });

  it('survives the program text form', () => {
    const { p } = run([['s0', 's1']]);
    const text = printProgram(p);
    expect(text).toContain('kernel k0');
    expect(parseProgram(text).groups!.map((g) => g.kernel)).toEqual(['k0', 'k0', undefined]);
  });

  it('rejects bad kernel lists with the option path and the reason', () => {
    const err = (kernels: string[][], groups?: string[][]) => {
      try {
        fuseProgram(program, { granularity: 'unfused', kernels, ...(groups ? { groups } : {}) });
      } catch (e) {
        if (isFuseFlowError(e)) return `${e.code}: ${e.message}`;
        throw e;
      }
      throw new Error('expected an error');
    };
    expect(err([['s0', 'nope']])).toMatch(/FF_OPTIONS_INVALID: .*'kernels\[0\]': unknown statement 'nope'/);
    expect(err([['s0'], ['s0', 's1']])).toMatch(/'kernels\[1\]': statement 's0' is already in k0/);
    expect(err([['s0']], [['s0', 's2'], ['s1']])).toMatch(/group 'g0' \(s0, s2\) is split across kernels/);
    expect(err([['s0', 's2']])).toMatch(/'kernels\[0\]': its groups are not consecutive/);
  });

  it('kernelCycles refuses a kernel whose graphs are not consecutive', () => {
    const g = (name: string, out: string, reads: string[], kernel?: string) =>
      ({ name, kernel, nodes: [], channels: [], tensors: Object.fromEntries([...reads, out].map((t) => [t, {}])), output: { tensor: out, shape: [1], modeOrder: [0] } }) as unknown as DataflowGraph;
    expect(() => kernelCycles([g('a', 'T', ['A'], 'k'), g('b', 'U', ['A']), g('c', 'V', ['T'], 'k')], [5, 7, 3])).toThrow(/kernel 'k': its graphs are not consecutive/);
    expect(kernelCycles([g('a', 'T', ['A'], 'k'), g('b', 'U', ['A'], 'k'), g('c', 'V', ['T', 'U'])], [5, 7, 3])).toBe(10);
  });
});
