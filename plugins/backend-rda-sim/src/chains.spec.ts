import fc from 'fast-check';
import { toDense, uniformRandom, type AluOp } from '@fuseflow/ir';
import { Wiring } from './kernels';
import { unaryFn } from './primitives';
import { simulateGraph } from './simulate';

/**
 * Random well-formed graphs: a random matrix in a random format, scanned, loaded, pushed through a
 * random chain of unary ALUs, optionally row-reduced (sum or max), with random timing and channel
 * depths. Oracle: the same arithmetic on the dense matrix, computed here independently; and the
 * two engines must agree on every cycle count.
 */
const OPS: AluOp[] = ['neg', 'abs', 'square', 'relu', 'scalar_mul', 'scalar_add', 'sigmoid', 'tanh'];

describe('property: random primitive chains', () => {
  it('values match a dense oracle and fast == reference cycles', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 9 }),
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        fc.constantFrom('csr', 'dcsr'),
        fc.array(fc.record({ op: fc.constantFrom(...OPS), s: fc.integer({ min: -3, max: 3 }) }), { maxLength: 4 }),
        fc.constantFrom<'none' | 'sum' | 'max'>('none', 'sum', 'max'),
        fc.integer({ min: 1, max: 1000 }),
        fc.constantFrom(0, 2, 5),
        fc.integer({ min: 1, max: 3 }),
        (m, n, density, fmt, chain, red, seed, depth, ii) => {
          const A = uniformRandom({ shape: [m, n], density, seed, format: fmt, valueRange: [-2, 2] });
          const w = new Wiring('chain').tensor('A', [m, n], fmt);
          const ai = w.scan('A', 0, w.root('A'), 'i');
          w.crdWrite('Y', 0, ai.crd);
          const aj = w.scan('A', 1, ai.ref, 'j');
          let v = w.array('A', aj.ref);
          for (const c of chain) v = w.alu(c.op, v, undefined, c.op.startsWith('scalar_') ? { scalar: c.s } : {});
          if (red === 'none') w.crdWrite('Y', 1, aj.crd);
          else v = w.reduce(v, red);
          w.valWrite('Y', v);
          const shape = red === 'none' ? [m, n] : [m];
          w.tensor('Y', shape, red === 'none' ? 'dcsr' : 'sparse', 'output');
          const g = w.build('Y', shape);
          const opts = { channelDepth: depth, timingProfile: { primitives: { alu: { ii }, level_scan: { latency: ii } } } };
          const fast = simulateGraph(g, { A }, opts);
          const ref = simulateGraph(g, { A }, { ...opts, engine: 'reference' });
          expect(ref.cycles).toBe(fast.cycles);
          expect(ref.nodes.map((x) => x.busy)).toEqual(fast.nodes.map((x) => x.busy));
          // Oracle.
          const dense = toDense(A);
          const present = toDense({ ...A, vals: A.vals.map(() => 1) });
          const f = (x: number) => chain.reduce((acc, c) => unaryFn(c.op, c.s)(acc), x);
          const got = toDense(fast.output);
          if (red === 'none') {
            for (let k = 0; k < m * n; k++) expect(got[k]).toBeCloseTo(present[k] ? f(dense[k]) : 0, 9);
          } else {
            for (let i = 0; i < m; i++) {
              const row: number[] = [];
              for (let j = 0; j < n; j++) if (present[i * n + j]) row.push(f(dense[i * n + j]));
              // A row without stored entries reduces to an absent entry (read as 0).
              const e = row.length === 0 ? 0 : red === 'sum' ? row.reduce((a, b) => a + b, 0) : Math.max(...row);
              expect(got[i]).toBeCloseTo(e, 9);
            }
          }
        },
      ),
      { seed: 7, numRuns: 60 },
    );
  });
});
