import fc from 'fast-check';
import { enumerateLoopOrders, programFromStatement } from '@fuseflow/ir';
import { lowerStatement } from './lower';
import { checkGraph, randomData } from './__fixtures__/kernels';

const TENSORS = ['A(i,j)', 'B(i,j)', 'C(i,k)', 'D(k,j)', 'x(j)', 'y(i)', 'E(j,i)'];
const FORMATS: Record<string, string[]> = { A: ['dcsr', 'csr', 'dense'], B: ['dcsr', 'csc', 'dcsc'], C: ['csr', 'dense', 'dcsr'], D: ['dcsr', 'dense', 'csc'], x: ['sparse', 'dense'], y: ['sparse', 'dense'], E: ['csc', 'dcsc', 'dcsr'] };
const SHAPES: Record<string, number[]> = { A: [6, 5], B: [6, 5], C: [6, 4], D: [4, 5], x: [5], y: [6], E: [5, 6] };

const leaf = fc.constantFrom(...TENSORS);
const expr = fc.letrec((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    leaf,
    fc.tuple(tie('e'), fc.constantFrom('+', '*', '-', '/'), tie('e')).map(([a, op, b]) => (op === '/' ? `(${a} / (${b} * ${b} + 1))` : `(${a} ${op} ${b})`)),
    tie('e').map((a) => `relu(${a})`),
    tie('e').map((a) => `exp(${a})`),
    tie('e').map((a) => `(${a} * 2)`),
    tie('e').map((a) => `(1 - ${a})`),
    tie('e').map((a) => `(3 / (${a} * ${a} + 1))`),
    fc.tuple(tie('e'), fc.constantFrom('sum', 'max')).map(([a, op]) => `${op}(k, ${a} * C(i,k))`),
  ),
})).e as fc.Arbitrary<string>;

describe('random statements (fast-check, fixed seed): every valid loop order vs evaluateProgram', () => {
  it('values and stored points match the reference', () => {
    let checked = 0;
    let refused = 0;
    fc.assert(
      fc.property(expr, fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 7, maxLength: 7 }), fc.integer({ min: 1, max: 1000 }), (e, fsel, seed) => {
        if (!e.includes('i') || !/\bj\b|,j\)|\(j/.test(e)) return;
        const used = Object.keys(FORMATS).filter((t) => new RegExp(`(^|[^A-Za-z0-9_])${t}\\(`).test(e));
        const formats: Record<string, string> = { Z: 'dcsr' };
        used.forEach((t) => (formats[t] = FORMATS[t][fsel[Object.keys(FORMATS).indexOf(t)] % FORMATS[t].length]));
        const shapes = Object.fromEntries(used.map((t) => [t, SHAPES[t]]));
        let p;
        try {
          p = programFromStatement(`Z(i,j) = ${e}`, formats, shapes);
        } catch {
          return; // e.g. a nested sum(k, ..) re-binding k (rejected by the program verifier)
        }
        const stmt = p.statements[0];
        let orders: string[][];
        try {
          orders = enumerateLoopOrders(stmt, p, 6);
        } catch {
          return; // formats with contradictory level orders (no valid loop order)
        }
        for (const order of orders) {
          let g;
          try {
            g = lowerStatement(stmt, p, { loopOrder: order });
          } catch (err) {
            // refusals must be clear FuseFlowErrors naming the reason, never wrong graphs
            expect((err as Error).name).toBe('FuseFlowError');
            expect((err as Error).message).toMatch(/incomparable index sets|cannot be re-nested|sparse accumulator of order|cannot be co-iterated/);
            refused++;
            continue;
          }
          checked++;
          const r = checkGraph(g, p, randomData(p, seed, 0.4));
          if (!r.ok) throw new Error(`Z(i,j) = ${e} [${JSON.stringify(formats)}] order ${order.join('')}: ${r.message}`);
        }
      }),
      { seed: 7, numRuns: 150 },
    );
    // the property must really exercise the lowering, not only its refusals
    expect(checked).toBeGreaterThan(80);
    expect(refused).toBeLessThan(checked);
  });

  it('refuses a sum of operands with incomparable index sets (per-index presence) with a clear error', () => {
    const p = programFromStatement('Z(i,j) = A(i,j) + ((B(i,j) + C(i,k)) * 2)', { A: 'dcsr', B: 'dcsr', C: 'csr', Z: 'dcsr' }, { A: [6, 5], C: [6, 4] });
    expect(() => lowerStatement(p.statements[0], p)).toThrow(/incomparable index sets \(i,j vs i,k\)/);
  });
});
