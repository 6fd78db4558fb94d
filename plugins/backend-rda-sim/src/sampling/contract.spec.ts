import { evaluateStatement, parseProgram, toCoo, toDense, uniformRandom, type SparseTensorData, type TensorBindings } from '@fuseflow/ir';
import { contractProduct } from './contract';

const rnd = (shape: number[], density: number, seed: number, format: string) => uniformRandom({ shape, density, seed, format, valueRange: [-2, 2] });

/** Same stored coordinates and values (to rounding) as the reference evaluator. */
function expectSame(got: SparseTensorData | undefined, exp: SparseTensorData): void {
  expect(got).toBeDefined();
  expect(got!.shape).toEqual(exp.shape);
  expect(got!.format).toEqual(exp.format);
  const g = toCoo(got!);
  const e = toCoo(exp);
  expect(g.vals.length).toBe(e.vals.length);
  for (let m = 0; m < e.coords.length; m++) expect(Array.from(g.coords[m])).toEqual(Array.from(e.coords[m]));
  for (let k = 0; k < e.vals.length; k++) expect(g.vals[k]).toBeCloseTo(e.vals[k], 10);
}

describe('contractProduct', () => {
  const cases: Array<{ name: string; text: string; data: () => TensorBindings }> = [
    {
      name: 'sparse x sparse into a sparse output (stored zeros of the sum stay present)',
      text: 'tensor A(9,7): dcsr input\ntensor B(7,8): dcsr input\ntensor C(9,8): dcsr output\ns: C(i,j) = A(i,k) * B(k,j)',
      data: () => ({ A: rnd([9, 7], 0.3, 1, 'dcsr'), B: rnd([7, 8], 0.3, 2, 'dcsr') }),
    },
    {
      name: 'per-head projection: dense rows x heads-first weights',
      text: 'tensor X(6,5): dense input\ntensor W(3,5,4): dense input\ntensor Y(3,6,4): dense output\ns: Y(b,i,j) = X(i,k) * W(b,k,j)',
      data: () => ({ X: rnd([6, 5], 1, 3, 'dense'), W: rnd([3, 5, 4], 0.4, 4, 'dense') }),
    },
    {
      name: 'attention scores: shared free head index and a summed index',
      text: 'tensor Q(2,6,3): dense input\ntensor K(2,5,3): dcc input\ntensor S(2,6,5): ccc output\ns: S(b,i,j) = Q(b,i,k) * K(b,j,k)',
      data: () => ({ Q: rnd([2, 6, 3], 0.5, 5, 'dense'), K: rnd([2, 5, 3], 0.5, 6, 'dcc') }),
    },
    {
      name: 'explicit sum, dense data bound to a sparse declaration (its zeros are absent)',
      text: 'tensor A(5,6): dcsr input\ntensor x(6): dense input\ntensor y(5): dense output\ns: y(i) = sum(k, A(i,k) * x(k))',
      data: () => ({ A: rnd([5, 6], 0.5, 7, 'dense'), x: rnd([6], 0.7, 8, 'dense') }),
    },
  ];
  for (const c of cases) {
    it(`matches the reference evaluator: ${c.name}`, () => {
      const p = parseProgram(c.text);
      const env = c.data();
      const s = p.statements[0];
      expectSame(contractProduct(p, s, env), evaluateStatement(p, s, env));
    });
  }

  it('computes real values (a 2x2 product by hand)', () => {
    const p = parseProgram('tensor A(2,2): dense input\ntensor B(2,2): dense input\ntensor C(2,2): dense output\ns: C(i,j) = A(i,k) * B(k,j)');
    const d = (v: number[]) => ({ ...rnd([2, 2], 1, 1, 'dense'), vals: Float64Array.from(v) });
    const got = contractProduct(p, p.statements[0], { A: d([1, 2, 3, 4]), B: d([5, 6, 7, 8]) });
    expect(Array.from(toDense(got!))).toEqual([19, 22, 43, 50]);
  });

  it('leaves other statement shapes to the evaluator', () => {
    const p = parseProgram('tensor A(3,3): dcsr input\ntensor B(3,3): dcsr input\ntensor C(3,3): dcsr output\ntensor D(3,3): dcsr output\ns: C(i,j) = A(i,j) + B(i,j)\nt: D(i,j) = A(i,k) * B(k,j) * A(k,j)');
    const env = { A: rnd([3, 3], 0.5, 1, 'dcsr'), B: rnd([3, 3], 0.5, 2, 'dcsr') };
    expect(contractProduct(p, p.statements[0], env)).toBeUndefined();
    expect(contractProduct(p, p.statements[1], env)).toBeUndefined();
  });
});
