import { denseFormat, fromCoo, fromDense, parseFormat, type NodeAttrs, type PrimitiveKind, type SparseTensorData } from '@fuseflow/ir';
import { runPrimitive } from './harness';
import { AccMap } from './primitives/acc-map';
import type { Token } from './tokens';

// B (3x4): row0 = {0:1, 2:2}, row1 = {}, row2 = {1:3, 3:4} (fuseflow-reference.md section 1.2).
const Bdcsr = fromCoo([3, 4], [[0, 0, 2, 2], [0, 2, 1, 3]], [1, 2, 3, 4], parseFormat('dcsr', 2), 'B');
const Bcsr = fromCoo([3, 4], [[0, 0, 2, 2], [0, 2, 1, 3]], [1, 2, 3, 4], parseFormat('csr', 2), 'B');
const V = fromDense([3], [10, 20, 30], denseFormat(1), 'V');

interface Fixture {
  name: string;
  kind: PrimitiveKind;
  attrs?: NodeAttrs;
  tensors?: Record<string, SparseTensorData>;
  in: Record<string, Token[]>;
  gold: Record<string, Array<number | string>>;
}

// Golden streams: the section 1.2 scans, SAM Python's test_repeat.py vectors (repeat, repsig),
// Comal's relu test, and hand-derived vectors for the Comal-specific primitives.
const FIXTURES: Fixture[] = [
  { name: 'dcsr level 0', kind: 'level_scan', attrs: { tensor: 'B', level: 0 }, tensors: { B: Bdcsr }, in: { ref: [0, 'D'] }, gold: { crd: [0, 2, 'S0', 'D'], ref: [0, 1, 'S0', 'D'] } },
  { name: 'dcsr level 1', kind: 'level_scan', attrs: { tensor: 'B', level: 1 }, tensors: { B: Bdcsr }, in: { ref: [0, 1, 'S0', 'D'] }, gold: { crd: [0, 2, 'S0', 1, 3, 'S1', 'D'], ref: [0, 1, 'S0', 2, 3, 'S1', 'D'] } },
  { name: 'csr dense level 0', kind: 'level_scan', attrs: { tensor: 'B', level: 0 }, tensors: { B: Bcsr }, in: { ref: [0, 'D'] }, gold: { crd: [0, 1, 2, 'S0', 'D'], ref: [0, 1, 2, 'S0', 'D'] } },
  { name: 'csr level 1 (empty row)', kind: 'level_scan', attrs: { tensor: 'B', level: 1 }, tensors: { B: Bcsr }, in: { ref: [0, 1, 2, 'S0', 'D'] }, gold: { crd: [0, 2, 'S0', 'S0', 1, 3, 'S1', 'D'], ref: [0, 1, 'S0', 'S0', 2, 3, 'S1', 'D'] } },
  { name: 'uncompressed 2d (dim 4)', kind: 'level_scan', attrs: { tensor: 'B', level: 1 }, tensors: { B: fromDense([2, 4], new Array(8).fill(1), denseFormat(2)) }, in: { ref: [0, 1, 'S0', 'D'] }, gold: { crd: [0, 1, 2, 3, 'S0', 0, 1, 2, 3, 'S1', 'D'], ref: [0, 1, 2, 3, 'S0', 4, 5, 6, 7, 'S1', 'D'] } },
  { name: 'scanner: stop passes, Empty is an empty fiber', kind: 'level_scan', attrs: { tensor: 'B', level: 1 }, tensors: { B: Bdcsr }, in: { ref: ['S0', 'N', 1, 'S1', 'D'] }, gold: { crd: ['S1', 'S0', 1, 3, 'S2', 'D'], ref: ['S1', 'S0', 2, 3, 'S2', 'D'] } },
  { name: 'repsig 1', kind: 'repsig', in: { crd: [0, 1, 'S0', 2, 'S0', 3, 'S1', 'D'] }, gold: { repsig: ['R', 'R', 'S', 'R', 'S', 'R', 'S', 'D'] } },
  { name: 'repsig 3', kind: 'repsig', in: { crd: [0, 1, 2, 'S0', 0, 1, 2, 'S1', 'S1', 4, 5, 'S2', 'D'] }, gold: { repsig: ['R', 'R', 'R', 'S', 'R', 'R', 'R', 'S', 'S', 'R', 'R', 'S', 'D'] } },
  { name: 'repeat 1', kind: 'repeat', in: { in: [0, 1, 2, 'S0', 'D'], repsig: ['R', 'R', 'S', 'R', 'S', 'R', 'S', 'D'] }, gold: { out: [0, 0, 'S0', 1, 'S0', 2, 'S1', 'D'] } },
  { name: 'repeat 2', kind: 'repeat', in: { in: [0, 1, 'S0', 2, 'S0', 3, 'S1', 'D'], repsig: ['R', 'R', 'R', 'S', 'R', 'R', 'R', 'S', 'R', 'S', 'R', 'R', 'S', 'D'] }, gold: { out: [0, 0, 0, 'S0', 1, 1, 1, 'S1', 2, 'S1', 3, 3, 'S2', 'D'] } },
  { name: 'repeat 3', kind: 'repeat', in: { in: [0, 'S0', 1, 2, 3, 'S1', 'D'], repsig: ['R', 'R', 'R', 'S', 'R', 'R', 'R', 'S', 'R', 'S', 'R', 'R', 'S', 'D'] }, gold: { out: [0, 0, 0, 'S1', 1, 1, 1, 'S0', 2, 'S0', 3, 3, 'S2', 'D'] } },
  { name: 'repeat 4', kind: 'repeat', in: { in: [0, 'D'], repsig: ['R', 'R', 'S', 'D'] }, gold: { out: [0, 0, 'S0', 'D'] } },
  { name: 'repeat 5', kind: 'repeat', in: { in: [0, 1, 'S0', 'D'], repsig: ['R', 'R', 'R', 'S', 'R', 'R', 'R', 'S', 'D'] }, gold: { out: [0, 0, 0, 'S0', 1, 1, 1, 'S1', 'D'] } },
  {
    name: 'intersect 2', kind: 'intersect',
    in: { crd0: [0, 1, 3, 'S0', 2, 'S1', 'D'], ref0: [0, 1, 2, 'S0', 3, 'S1', 'D'], crd1: [1, 3, 4, 'S0', 2, 5, 'S1', 'D'], ref1: [10, 11, 12, 'S0', 13, 14, 'S1', 'D'] },
    gold: { crd: [1, 3, 'S0', 2, 'S1', 'D'], ref0: [1, 2, 'S0', 3, 'S1', 'D'], ref1: [10, 11, 'S0', 13, 'S1', 'D'] },
  },
  {
    name: 'union 2', kind: 'union',
    in: { crd0: [0, 1, 3, 'S0', 2, 'S1', 'D'], ref0: [0, 1, 2, 'S0', 3, 'S1', 'D'], crd1: [1, 3, 4, 'S0', 2, 5, 'S1', 'D'], ref1: [10, 11, 12, 'S0', 13, 14, 'S1', 'D'] },
    gold: { crd: [0, 1, 3, 4, 'S0', 2, 5, 'S1', 'D'], ref0: [0, 1, 2, 'N', 'S0', 3, 'N', 'S1', 'D'], ref1: ['N', 10, 11, 12, 'S0', 13, 14, 'S1', 'D'] },
  },
  {
    name: 'intersect 3', kind: 'intersect', attrs: { arity: 3 },
    in: { crd0: [0, 2, 4, 'S0', 'D'], ref0: [0, 1, 2, 'S0', 'D'], crd1: [2, 4, 'S0', 'D'], ref1: [5, 6, 'S0', 'D'], crd2: [1, 4, 'S0', 'D'], ref2: [7, 8, 'S0', 'D'] },
    gold: { crd: [4, 'S0', 'D'], ref0: [2, 'S0', 'D'], ref1: [6, 'S0', 'D'], ref2: [8, 'S0', 'D'] },
  },
  { name: 'locate', kind: 'locate', in: { crd: [0, 2, 'S0', 'D'], ref: [5, 6, 'S0', 'D'] }, gold: { ref1: [0, 2, 'S0', 'D'], ref2: [5, 6, 'S0', 'D'], crd: [0, 2, 'S0', 'D'] } },
  {
    name: 'locate with base (ref1 = base * dim + crd)', kind: 'locate', attrs: { tensor: 'D', level: 1 }, tensors: { D: fromDense([3, 5], new Array(15).fill(1), denseFormat(2)) },
    in: { base: [0, 2, 'S0', 'S0', 'D'], crd: [1, 3, 'S0', 4, 'S1', 'S1', 'D'], ref: [7, 8, 'S0', 9, 'S1', 'S1', 'D'] },
    gold: { ref1: [1, 3, 'S0', 14, 'S1', 'S1', 'D'], ref2: [7, 8, 'S0', 9, 'S1', 'S1', 'D'], crd: [1, 3, 'S0', 4, 'S1', 'S1', 'D'] },
  },
  { name: 'array (Empty stays Empty)', kind: 'array', attrs: { tensor: 'V' }, tensors: { V }, in: { ref: [0, 2, 'N', 'S0', 1, 'S1', 'D'] }, gold: { val: [10, 30, 'N', 'S0', 20, 'S1', 'D'] } },
  { name: 'alu relu (Comal relu_test)', kind: 'alu', attrs: { alu: 'relu' }, in: { a: [0, -1, -2, 3, 'S0', 0, 1, 2, 3, 4, 'S1', 'D'] }, gold: { out: [0, 0, 0, 3, 'S0', 0, 1, 2, 3, 4, 'S1', 'D'] } },
  { name: 'alu add with Empty (union policy)', kind: 'alu', attrs: { alu: 'add' }, in: { a: [1, 2, 'S0', 'N', 'N', 'S1', 'D'], b: [3, 'N', 'S0', 4, 'N', 'S1', 'D'] }, gold: { out: [4, 2, 'S0', 4, 'N', 'S1', 'D'] } },
  { name: 'alu mul with Empty (intersect policy)', kind: 'alu', attrs: { alu: 'mul' }, in: { a: [2, 2, 'N', 'S0', 'D'], b: [3, 'N', 4, 'S0', 'D'] }, gold: { out: [6, 'N', 'N', 'S0', 'D'] } },
  { name: 'alu sub with left policy', kind: 'alu', attrs: { alu: 'sub', empty: 'left' }, in: { a: [5, 'N', 5, 'S0', 'D'], b: [1, 1, 'N', 'S0', 'D'] }, gold: { out: [4, 'N', 5, 'S0', 'D'] } },
  { name: 'alu scalar_rsub', kind: 'alu', attrs: { alu: 'scalar_rsub', scalar: 10 }, in: { a: [1, 'N', 'S0', 'D'] }, gold: { out: [9, 'N', 'S0', 'D'] } },
  { name: 'alu scalar_mul', kind: 'alu', attrs: { alu: 'scalar_mul', scalar: 3 }, in: { a: [1, 2, 'S0', 'D'] }, gold: { out: [3, 6, 'S0', 'D'] } },
  { name: 'reduce sum', kind: 'reduce', attrs: { reduce: 'sum' }, in: { in: [1, 2, 'S0', 3, 'S1', 'D'] }, gold: { out: [3, 3, 'S0', 'D'] } },
  { name: 'reduce: a fiber without values is absent (Empty)', kind: 'reduce', in: { in: [1, 'S0', 'S0', 'N', 'S1', 'D'] }, gold: { out: [1, 'N', 'N', 'S0', 'D'] } },
  { name: 'reduce max', kind: 'reduce', attrs: { reduce: 'max' }, in: { in: [1, 5, 'S0', 3, 'S1', 'D'] }, gold: { out: [5, 3, 'S0', 'D'] } },
  {
    name: 'spacc1 (ikj rows, an empty row)', kind: 'spacc1',
    in: { outer_crd: [0, 1, 'S0', 'S0', 2, 'S1', 'D'], inner_crd: [0, 2, 'S0', 2, 3, 'S1', 'S1', 1, 'S2', 'D'], val: [1, 2, 'S0', 3, 4, 'S1', 'S1', 5, 'S2', 'D'] },
    gold: { inner_crd: [0, 2, 3, 'S0', 'S0', 1, 'S1', 'D'], val: [1, 5, 4, 'S0', 'S0', 5, 'S1', 'D'] },
  },
  {
    name: 'spacc2 (kij)', kind: 'spacc2',
    in: { outer_crd: [0, 1, 'S0', 'D'], crd1: [0, 1, 'S0', 1, 'S1', 'D'], crd0: [0, 'S0', 1, 'S1', 1, 2, 'S2', 'D'], val: [1, 'S0', 2, 'S1', 3, 4, 'S2', 'D'] },
    gold: { crd1: [0, 1, 'S0', 'D'], crd0: [0, 'S0', 1, 2, 'S1', 'D'], val: [1, 'S0', 5, 4, 'S1', 'D'] },
  },
  {
    name: 'spacc2 with wide coordinates (re-keying)', kind: 'spacc2',
    in: { outer_crd: [0, 1, 'S0', 'D'], crd1: [0, 1, 'S0', 1, 'S1', 'D'], crd0: [0, 'S0', 40000, 'S1', 40000, 2, 'S2', 'D'], val: [1, 'S0', 2, 'S1', 3, 4, 'S2', 'D'] },
    gold: { crd1: [0, 1, 'S0', 'D'], crd0: [0, 'S0', 2, 40000, 'S1', 'D'], val: [1, 'S0', 4, 5, 'S1', 'D'] },
  },
  { name: 'crd_drop middle', kind: 'crd_drop', in: { outer: [0, 1, 2, 'S0', 'D'], inner: [5, 'S0', 'S0', 6, 'S1', 'D'] }, gold: { outer: [0, 2, 'S0', 'D'], inner: [5, 'S0', 6, 'S1', 'D'] } },
  { name: 'crd_drop last', kind: 'crd_drop', in: { outer: [0, 1, 'S0', 'D'], inner: [5, 'S0', 'S1', 'D'] }, gold: { outer: [0, 'S0', 'D'], inner: [5, 'S1', 'D'] } },
  { name: 'crd_hold', kind: 'crd_hold', in: { outer: [0, 1, 'S0', 'D'], inner: [5, 6, 'S0', 7, 'S1', 'D'] }, gold: { inner: [5, 6, 'S0', 7, 'S1', 'D'], outer: [0, 0, 'S0', 1, 'S1', 'D'] } },
  { name: 'broadcast', kind: 'broadcast', in: { in: [1, 'S0', 'D'] }, gold: { out0: [1, 'S0', 'D'], out1: [1, 'S0', 'D'] } },
  { name: 'fork', kind: 'fork', in: { in: [1, 2, 3, 'S0', 'D'] }, gold: { out0: [1, 3, 'S0', 'D'], out1: [2, 'S0', 'D'] } },
  { name: 'join (Comal gather)', kind: 'join', in: { in0: [1, 'S0', 'D'], in1: [2, 'S1', 'D'] }, gold: { out: [1, 'S0', 2, 'S1', 'D'] } },
  { name: 'fork restarts at lane 0 per fiber', kind: 'fork', in: { in: [1, 2, 3, 'S0', 4, 'S1', 'D'] }, gold: { out0: [1, 3, 'S0', 4, 'S1', 'D'], out1: [2, 'S0', 'S1', 'D'] } },
  { name: 'join level 0 rebuilds the forked stream', kind: 'join', attrs: { level: 0 }, in: { in0: [1, 3, 'S0', 4, 'S1', 'D'], in1: [2, 'S0', 'S1', 'D'] }, gold: { out: [1, 2, 3, 'S0', 4, 'S1', 'D'] } },
  {
    name: 'join level 1: an empty sub-fiber does not use the lane turn', kind: 'join', attrs: { level: 1 },
    in: { in0: [10, 'S0', 'S0', 11, 'S1', 'D'], in1: [12, 'S1', 'D'] },
    gold: { out: [10, 'S0', 12, 'S0', 'S0', 11, 'S1', 'D'] },
  },
  { name: 'join level 0 skips a lane whose values were dropped', kind: 'join', attrs: { level: 0 }, in: { in0: [1, 3, 5, 'S0', 'D'], in1: [2, 'S0', 'D'] }, gold: { out: [1, 2, 3, 5, 'S0', 'D'] } },
  {
    // i fibers [i0,i1,i2],[i3] forked over 2 lanes; j sub-fibers i0:[a b] i1:[c] i2:[d] i3:[e].
    name: 'join level 1 rebuilds the sub-fiber stream', kind: 'join', attrs: { level: 1 },
    in: { in0: [10, 11, 'S0', 13, 'S1', 14, 'S2', 'D'], in1: [12, 'S1', 'S2', 'D'] },
    gold: { out: [10, 11, 'S0', 12, 'S0', 13, 'S1', 14, 'S2', 'D'] },
  },
  { name: 'gen_ref', kind: 'gen_ref', in: { crd: [4, 7, 'S0', 9, 'S1', 'D'] }, gold: { ref: [0, 1, 'S0', 2, 'S1', 'D'] } },
  // Reduce placeholders: an empty fiber above the innermost level ([] at depth 2: 'S1' right after
  // a stop) has the tokens of one coordinate over an empty innermost fiber ([[]]), so a reduce
  // emits an Empty value for it ('N S0') that the crd streams do not have. Consumers that see a
  // crd stop (or the other operand's stop) facing an Empty value drop the Empty.
  { name: 'reduce: an empty outer fiber reads as one empty inner fiber', kind: 'reduce', in: { in: [1, 'S1', 'S1', 2, 'S2', 'D'] }, gold: { out: [1, 'S0', 'N', 'S0', 2, 'S1', 'D'] } },
  {
    // ikjml of Figure 17: rows i0 = {j0: m [1,3]}, i1 = {} (empty j fiber), i2 = {j1: m [0]}; j is reduced.
    name: 'spacc1 drops a reduce placeholder facing an inner stop', kind: 'spacc1',
    in: { outer_crd: [0, 'S0', 'S0', 1, 'S1', 'D'], inner_crd: [1, 3, 'S1', 'S1', 0, 'S2', 'D'], val: [5, 6, 'S1', 'N', 'S1', 7, 'S2', 'D'] },
    gold: { inner_crd: [1, 3, 'S0', 'S0', 0, 'S1', 'D'], val: [5, 6, 'S0', 'S0', 7, 'S1', 'D'] },
  },
  {
    name: 'spacc2 drops a reduce placeholder facing a crd0 stop', kind: 'spacc2',
    // k0: i0 -> j4; k1: no i (the placeholder); k2: i0 -> j5
    in: { outer_crd: [0, 1, 2, 'S0', 'D'], crd1: [0, 'S0', 'S0', 0, 'S1', 'D'], crd0: [4, 'S1', 'S1', 5, 'S2', 'D'], val: [9, 'S1', 'N', 'S1', 7, 'S2', 'D'] },
    gold: { crd1: [0, 'S0', 'D'], crd0: [4, 5, 'S1', 'D'], val: [9, 7, 'S1', 'D'] },
  },
  { name: 'alu drops a placeholder facing the other operand\'s stop', kind: 'alu', attrs: { alu: 'mul' }, in: { a: [2, 'S0', 'N', 'S1', 'D'], b: [3, 'S0', 'S1', 'D'] }, gold: { out: [6, 'S0', 'S1', 'D'] } },
  { name: 'one-input union realigns a value stream with its crd', kind: 'union', attrs: { arity: 1 }, in: { crd0: [4, 'S0', 'S0', 2, 'S1', 'D'], ref0: [7, 'S0', 'N', 'S0', 'N', 'S1', 'D'] }, gold: { crd: [4, 'S0', 'S0', 2, 'S1', 'D'], ref0: [7, 'S0', 'S0', 'N', 'S1', 'D'] } },
  {
    name: 'intersect drops a placeholder payload', kind: 'intersect',
    in: { crd0: [1, 'S0', 'S0', 2, 'S1', 'D'], ref0: [5, 'S0', 'N', 'S0', 7, 'S1', 'D'], crd1: [1, 'S0', 'S0', 2, 'S1', 'D'], ref1: [6, 'S0', 'S0', 8, 'S1', 'D'] },
    gold: { crd: [1, 'S0', 'S0', 2, 'S1', 'D'], ref0: [5, 'S0', 'S0', 7, 'S1', 'D'], ref1: [6, 'S0', 'S0', 8, 'S1', 'D'] },
  },
];

describe('primitive golden streams', () => {
  for (const f of FIXTURES) {
    it(f.name, () => {
      const fast = runPrimitive(f.kind, f.attrs ?? {}, f.in, { tensors: f.tensors });
      const ref = runPrimitive(f.kind, f.attrs ?? {}, f.in, { tensors: f.tensors, engine: 'reference' });
      expect(fast.outputs).toEqual(f.gold);
      expect(ref.outputs).toEqual(f.gold);
      expect(ref.cycles).toBe(fast.cycles);
    });
  }
});

describe('primitive timing', () => {
  it('a compressed scan of n coordinates takes about n cycles', () => {
    for (const n of [10, 100, 1000]) {
      const t = fromCoo([n], [Array.from({ length: n }, (_, i) => i)], new Array(n).fill(1), parseFormat('sparse', 1), 'T');
      const r = runPrimitive('level_scan', { tensor: 'T', level: 0 }, { ref: [0, 'D'] }, { tensors: { T: t } });
      // load (1) + n coordinates (1 each) + fiber stop (1) + Done (1)
      expect(r.cycles).toBe(n + 3);
    }
  });
  it('a custom profile changes the initiation interval', () => {
    const r = runPrimitive('alu', { alu: 'neg' }, { a: [1, 2, 3, 'D'] }, { timingProfile: { primitives: { alu: { ii: 4 } } } });
    expect(r.outputs.out).toEqual([-1, -2, -3, 'D']);
    expect(r.cycles).toBe(16);
  });
});

describe('sparse accumulator map (AccMap)', () => {
  // sizes below and above the radix-sort threshold; keys up to 2^31 - 1 (every radix pass),
  // repeated keys (accumulated), and keys the hash does not take (negative, fractional, >= 2^31)
  it.each([
    [30, 50, false, false],
    [3000, 2 ** 31 - 1, false, false],
    [5000, 20_000, true, false],
    [2500, 2 ** 31 - 1, false, true],
  ])('%i adds of keys below %i (max %s, odd keys %s) drain sorted with the reference sums', (adds, range, isMax, odd) => {
    let seed = adds;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const m = new AccMap(null, isMax);
    const ref = new Map<number, number>();
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < adds; i++) {
        let k = Math.floor(rnd() * range);
        if (odd && i % 7 === 0) k = [-(k % 100) - 1, k + 0.5, 2 ** 31 + k][i % 3];
        if (i % 5 === 0 && ref.size > 0) k = [...ref.keys()][Math.floor(rnd() * ref.size)];
        const v = Math.floor(rnd() * 100) - 50;
        m.add(k, v);
        const cur = ref.get(k);
        ref.set(k, cur === undefined ? v : isMax ? Math.max(cur, v) : cur + v);
      }
      const [keys, vals] = m.drain();
      const want = [...ref.entries()].sort((a, b) => a[0] - b[0]);
      expect(Array.from(keys)).toEqual(want.map((e) => e[0]));
      expect(Array.from(vals)).toEqual(want.map((e) => e[1]));
      expect(m.size).toBe(0);
      ref.clear(); // the drained map is reusable
    }
  });
});
