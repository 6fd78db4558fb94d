import { BINARY_ALU_OPS, UNARY_ALU_OPS } from '../dataflow/ports';
import { paretoPrune } from '../estimate/cost';
import { SeededRandom } from '../generators/random';
import { paretoFront } from '../pareto';
import { UNARY_OPS } from './expr-utils';
import { aluBinary, aluEmptyPolicy, aluUnary, BINARY_FNS, SCALAR_FNS, UNARY_FNS } from './ops';

describe('one op table', () => {
  it('the op names the parser and the dataflow verifier accept are the tables keys', () => {
    expect(UNARY_OPS).toEqual(Object.keys(UNARY_FNS));
    expect(BINARY_ALU_OPS).toEqual(['add', 'sub', 'mul', 'div', 'max', 'min']);
    expect(UNARY_ALU_OPS).toEqual([...Object.keys(UNARY_FNS), ...Object.keys(SCALAR_FNS)]);
  });

  it('computes each op (hand values)', () => {
    expect(Object.fromEntries(Object.entries(UNARY_FNS).map(([k, f]) => [k, f(4)]))).toEqual({
      exp: Math.exp(4), relu: 4, neg: -4, sqrt: 2, rsqrt: 0.5, log: Math.log(4), sigmoid: 1 / (1 + Math.exp(-4)), tanh: Math.tanh(4), abs: 4, square: 16,
    });
    expect(UNARY_FNS.relu(-3)).toBe(0);
    expect(Object.fromEntries(Object.entries(BINARY_FNS).map(([k, f]) => [k, f(6, 3)]))).toEqual({ add: 9, sub: 3, mul: 18, div: 2, max: 6, min: 3 });
    expect(Object.fromEntries(Object.keys(SCALAR_FNS).map((k) => [k, aluUnary(k, 8)!(2)]))).toEqual({
      scalar_add: 10, scalar_mul: 16, scalar_div: 0.25, scalar_max: 8, scalar_rsub: 6, scalar_rdiv: 4,
    });
  });

  it('tells one-operand from two-operand ops', () => {
    expect(aluUnary('add', 1)).toBeUndefined();
    expect(aluBinary('relu')).toBeUndefined();
    expect(aluBinary('toString')).toBeUndefined();
    expect(aluUnary('constructor', 1)).toBeUndefined();
  });

  it('presence policy: the node attribute, else intersect for mul/div and union for the rest', () => {
    expect(['add', 'sub', 'mul', 'div', 'max', 'min'].map((alu) => aluEmptyPolicy({ alu: alu as never }))).toEqual(['union', 'union', 'intersect', 'intersect', 'union', 'union']);
    expect(aluEmptyPolicy({ alu: 'mul', empty: 'left' })).toBe('left');
    expect(aluEmptyPolicy({ alu: 'add', empty: 'intersect' })).toBe('intersect');
  });
});

describe('one Pareto function', () => {
  it("paretoPrune is paretoFront on (flops, bytes), and both match the definition on random points with ties", () => {
    const rng = new SeededRandom(5);
    for (let t = 0; t < 50; t++) {
      const pts = Array.from({ length: 12 }, (_, id) => ({ id, flops: rng.int(0, 5), bytes: rng.int(0, 5) }));
      const dominated = (a: (typeof pts)[0]) => pts.some((b) => b !== a && b.flops <= a.flops && b.bytes <= a.bytes && (b.flops < a.flops || b.bytes < a.bytes));
      const expected = pts.filter((a) => !dominated(a));
      expect(paretoPrune(pts)).toEqual(expected);
      const front = paretoFront(pts, [
        { name: 'flops', value: (p) => -p.flops, sense: 'max' },
        { name: 'bytes', value: (p) => p.bytes, sense: 'min' },
      ]);
      expect(front).toEqual(expected);
    }
  });
});
