import fc from 'fast-check';
import type { Expr, Statement, TensorProgram } from './ast';
import type { SparseTensorData } from '../tensor/types';
import type { TensorBindings } from '../stages';
import { parseFormat } from '../tensor/format';
import { fromCoo, fromDense, toCoo, toDense } from '../tensor/storage';
import { parseProgram } from './parse';
import { verifyProgram } from './verify';
import { evaluateProgram, evaluateStatement, outputAccumulator } from './evaluate';
import { statementVars } from './expr-utils';
import { BINARY_FNS, UNARY_FNS } from './ops';

/* ------------------------------------------------------------------------------------------------
 * Independent oracle: the ast.ts semantics written out as directly as possible — a dense loop over
 * every point of a statement, presence tracked as a set of variable names per node, reductions
 * enumerated densely. No pruning, no memo, no bit masks.
 * ---------------------------------------------------------------------------------------------- */

interface Res {
  present: Set<string>; // free variables w.r.t. which the node is present
  free: Set<string>;
  value: number;
}

function freeOf(e: Expr): Set<string> {
  switch (e.kind) {
    case 'access':
      return new Set(e.indices);
    case 'const':
      return new Set();
    case 'unary':
      return freeOf(e.arg);
    case 'binary':
      return new Set([...freeOf(e.lhs), ...freeOf(e.rhs)]);
    case 'reduce': {
      const f = freeOf(e.arg);
      e.indices.forEach((v) => f.delete(v));
      return f;
    }
  }
}

const fullyPresent = (r: Res): boolean => [...r.free].every((v) => r.present.has(v));

function naiveNode(e: Expr, pt: Record<string, number>, data: Record<string, { shape: number[]; dense: Float64Array; stored: Set<number> | null }>, extents: Record<string, number>): Res {
  const free = freeOf(e);
  let res: Res;
  switch (e.kind) {
    case 'access': {
      const t = data[e.tensor];
      let lin = 0;
      e.indices.forEach((v, m) => (lin = lin * t.shape[m] + pt[v]));
      const stored = t.stored === null || t.stored.has(lin);
      res = { present: stored ? new Set(free) : new Set(), free, value: stored ? t.dense[lin] : 0 };
      break;
    }
    case 'const':
      res = { present: new Set(), free, value: e.value };
      break;
    case 'unary': {
      const a = naiveNode(e.arg, pt, data, extents);
      res = { present: a.present, free, value: UNARY_FNS[e.op](a.value) };
      break;
    }
    case 'binary': {
      const a = naiveNode(e.lhs, pt, data, extents);
      const b = naiveNode(e.rhs, pt, data, extents);
      const present = new Set<string>();
      for (const v of free) {
        const inA = a.free.has(v);
        const inB = b.free.has(v);
        const pa = a.present.has(v);
        const pb = b.present.has(v);
        const p = inA && inB ? (e.op === 'mul' || e.op === 'div' ? pa && pb : pa || pb) : inA ? pa : pb;
        if (p) present.add(v);
      }
      const av = fullyPresent(a) ? a.value : 0;
      const bv = fullyPresent(b) ? b.value : 0;
      res = { present, free, value: BINARY_FNS[e.op](av, bv) };
      break;
    }
    case 'reduce': {
      const present = new Set<string>();
      let acc = e.op === 'sum' ? 0 : -Infinity;
      let any = false;
      forEachPoint(e.indices, extents, (inner) => {
        const r = naiveNode(e.arg, { ...pt, ...inner }, data, extents);
        if (!e.indices.every((k) => r.present.has(k))) return;
        any = true;
        for (const v of free) if (r.present.has(v)) present.add(v);
        const val = fullyPresent(r) ? r.value : 0;
        acc = e.op === 'sum' ? acc + val : Math.max(acc, val);
      });
      res = { present, free, value: any ? acc : 0 };
      break;
    }
  }
  if (!fullyPresent(res)) res.value = 0;
  return res;
}

function forEachPoint(vars: string[], extents: Record<string, number>, f: (pt: Record<string, number>) => void): void {
  const rec = (d: number, pt: Record<string, number>): void => {
    if (d === vars.length) return f(pt);
    for (let x = 0; x < extents[vars[d]]; x++) rec(d + 1, { ...pt, [vars[d]]: x });
  };
  rec(0, {});
}

function extentsOf(p: TensorProgram, s: Statement): Record<string, number> {
  const ext: Record<string, number> = {};
  const walk = (e: Expr): void => {
    if (e.kind === 'access') e.indices.forEach((v, m) => (ext[v] = p.tensors[e.tensor].shape[m]));
    else if (e.kind === 'unary' || e.kind === 'reduce') walk(e.arg);
    else if (e.kind === 'binary') {
      walk(e.lhs);
      walk(e.rhs);
    }
  };
  walk(s.rhs);
  return ext;
}

/** Oracle for one statement: dense output values and the set of present output points. */
function naiveStatement(p: TensorProgram, s: Statement, env: TensorBindings): { dense: Float64Array; present: Set<number> } {
  const data: Record<string, { shape: number[]; dense: Float64Array; stored: Set<number> | null }> = {};
  for (const [name, t] of Object.entries(env)) {
    const declDense = p.tensors[name].format.levels.every((l) => l === 'dense');
    const { coords } = toCoo(t);
    const stored = new Set<number>();
    for (let k = 0; k < (coords[0]?.length ?? 1); k++) {
      let lin = 0;
      t.shape.forEach((n, m) => (lin = lin * n + coords[m][k]));
      stored.add(lin);
    }
    data[name] = { shape: t.shape, dense: toDense(t), stored: declDense ? null : stored };
  }
  const ext = extentsOf(p, s);
  const out = p.tensors[s.lhs.tensor];
  const dense = new Float64Array(out.shape.reduce((a, b) => a * b, 1));
  const present = new Set<number>();
  forEachPoint(statementVars(s), ext, (pt) => {
    const r = naiveNode(s.rhs, pt, data, ext);
    if (!fullyPresent(r)) return;
    let lin = 0;
    s.lhs.indices.forEach((v, m) => (lin = lin * out.shape[m] + pt[v]));
    dense[lin] += r.value;
    present.add(lin);
  });
  return { dense, present };
}

function storedSet(t: SparseTensorData): Set<number> {
  const { coords, vals } = toCoo(t);
  const out = new Set<number>();
  for (let k = 0; k < vals.length; k++) {
    let lin = 0;
    t.shape.forEach((n, m) => (lin = lin * n + coords[m][k]));
    out.add(lin);
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-9): void {
  expect(actual.length).toBe(expected.length);
  for (let k = 0; k < expected.length; k++) {
    const a = actual[k];
    const e = expected[k];
    if (Number.isNaN(e)) expect(a).toBeNaN();
    else if (Math.abs(a - e) > tol * (1 + Math.abs(e))) throw new Error(`element ${k}: got ${a}, expected ${e}`);
  }
}

/** Seeded sparse-ish random dense values (integers keep sums exact). */
function randomDense(rng: () => number, n: number, density: number): number[] {
  return Array.from({ length: n }, () => (rng() < density ? Math.floor(rng() * 9) - 4 || 1 : 0));
}

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/* ------------------------------------------------------------------------------------------------ */

describe('evaluator vs hand-written dense loops (classic kernels, every input format)', () => {
  const I = 5;
  const K = 4;
  const J = 3;
  const rng = lcg(11);
  const A = randomDense(rng, I * K, 0.4);
  const B = randomDense(rng, K * J, 0.5);
  const x = randomDense(rng, K, 0.7);
  const matmul = (): number[] => {
    const out = new Array(I * J).fill(0);
    for (let i = 0; i < I; i++) for (let j = 0; j < J; j++) for (let k = 0; k < K; k++) out[i * J + j] += A[i * K + k] * B[k * J + j];
    return out;
  };
  const formats2 = ['dense', 'csr', 'csc', 'dcsr', 'dcsc', 'coo', 'bcsr-2', 'cc:1,0@3'];

  it.each(formats2.flatMap((fa) => formats2.map((fb) => [fa, fb])))('matmul A:%s B:%s', (fa, fb) => {
    const prog = parseProgram(
      `tensor A(${I},${K}): ${fa} input\ntensor B(${K},${J}): ${fb} input\ntensor C(${I},${J}): dense output\ns0: C(i,j) = A(i,k) * B(k,j)`,
    );
    const out = evaluateProgram(prog, { A: fromDense([I, K], A, prog.tensors.A.format), B: fromDense([K, J], B, prog.tensors.B.format) });
    expect(Array.from(toDense(out.C))).toEqual(matmul());
  });

  it('matmul: the 6 loop orders of a dense triple loop and any group loop order give the same result', () => {
    const orders = ['ijk', 'ikj', 'jik', 'jki', 'kij', 'kji'];
    const ref = matmul();
    for (const o of orders) {
      const out = new Array(I * J).fill(0);
      const ext: Record<string, number> = { i: I, j: J, k: K };
      const pt: Record<string, number> = {};
      const loop = (d: number): void => {
        if (d === 3) {
          out[pt.i * J + pt.j] += A[pt.i * K + pt.k] * B[pt.k * J + pt.j];
          return;
        }
        for (pt[o[d]] = 0; pt[o[d]] < ext[o[d]]; pt[o[d]]++) loop(d + 1);
      };
      loop(0);
      expect(out).toEqual(ref);
      const prog = parseProgram(
        `tensor A(${I},${K}): csr input\ntensor B(${K},${J}): dcsc input\ntensor C(${I},${J}): dcsr output\n` +
          `s0: C(i,j) = A(i,k) * B(k,j)\ngroup g = s0 order ${o.split('').join(',')}`,
      );
      const res = evaluateProgram(prog, { A: fromDense([I, K], A, prog.tensors.A.format), B: fromDense([K, J], B, prog.tensors.B.format) });
      expect(Array.from(toDense(res.C))).toEqual(ref);
    }
  });

  it.each(['dense', 'csr', 'dcsr', 'csc', 'coo'])('SpMV with A:%s', (fa) => {
    const prog = parseProgram(`tensor A(${I},${K}): ${fa} input\ntensor x(${K}): sparse input\ntensor y(${I}): dense output\ns: y(i) = A(i,k) * x(k)`);
    const out = evaluateProgram(prog, { A: fromDense([I, K], A, prog.tensors.A.format), x: fromDense([K], x, prog.tensors.x.format) });
    const ref = Array.from({ length: I }, (_, i) => x.reduce((acc, xv, k) => acc + A[i * K + k] * xv, 0));
    expect(Array.from(toDense(out.y))).toEqual(ref);
  });

  it.each(['dcsr', 'csr', 'coo', 'bcsr-2'])('SDDMM with the sampling matrix in %s', (fs) => {
    const S = randomDense(rng, I * J, 0.4);
    const U = randomDense(rng, I * K, 1);
    const V = randomDense(rng, K * J, 1);
    const prog = parseProgram(
      `tensor S(${I},${J}): ${fs} input\ntensor U(${I},${K}): dense input\ntensor V(${K},${J}): dense input\n` +
        `tensor Y(${I},${J}): dcsr output\ns: Y(i,j) = S(i,j) * U(i,k) * V(k,j)`,
    );
    const out = evaluateProgram(prog, {
      S: fromDense([I, J], S, prog.tensors.S.format),
      U: fromDense([I, K], U, prog.tensors.U.format),
      V: fromDense([K, J], V, prog.tensors.V.format),
    });
    const ref = new Array(I * J).fill(0);
    for (let i = 0; i < I; i++) for (let j = 0; j < J; j++) for (let k = 0; k < K; k++) ref[i * J + j] += S[i * J + j] * U[i * K + k] * V[k * J + j];
    expect(Array.from(toDense(out.Y))).toEqual(ref);
    // The sampled output only stores where S (blocked: S's tiles) is stored.
    if (fs !== 'bcsr-2') expect(out.Y.vals.length).toBe(S.filter((v) => v !== 0).length);
  });

  it.each([
    ['add', (a: number, b: number) => a + b],
    ['mul', (a: number, b: number) => a * b],
    ['sub', (a: number, b: number) => a - b],
  ])('element-wise %s in every pair of formats', (op, f) => {
    const P = randomDense(rng, I * J, 0.5);
    const Q = randomDense(rng, I * J, 0.5);
    const sym = { add: '+', mul: '*', sub: '-' }[op as string];
    for (const fa of formats2) {
      for (const fb of ['dense', 'csr', 'dcsc', 'coo']) {
        const prog = parseProgram(`tensor P(${I},${J}): ${fa} input\ntensor Q(${I},${J}): ${fb} input\ntensor R(${I},${J}): coo output\ns: R(i,j) = P(i,j) ${sym} Q(i,j)`);
        const out = evaluateProgram(prog, { P: fromDense([I, J], P, prog.tensors.P.format), Q: fromDense([I, J], Q, prog.tensors.Q.format) });
        expect(Array.from(toDense(out.R))).toEqual(P.map((p, k) => f(p, Q[k]) + 0));
      }
    }
  });

  it('MTTKRP and TTV on a 3-tensor in several formats', () => {
    const [n0, n1, n2, R] = [3, 4, 5, 2];
    const T = randomDense(rng, n0 * n1 * n2, 0.3);
    const Bm = randomDense(rng, n1 * R, 1);
    const Cm = randomDense(rng, n2 * R, 1);
    const v = randomDense(rng, n2, 0.8);
    for (const ft of ['dense', 'coo', 'ccc', 'dcc', 'csc:2,0,1', 'dcd:1,2,0', 'ccc@2']) {
      const prog = parseProgram(
        `tensor T(${n0},${n1},${n2}): ${ft} input\ntensor B(${n1},${R}): dense input\ntensor C(${n2},${R}): csr input\ntensor v(${n2}): sparse input\n` +
          `tensor M(${n0},${R}): dense output\ntensor Y(${n0},${n1}): dcsr output\n` +
          `mttkrp: M(i,r) = T(i,j,k) * B(j,r) * C(k,r)\nttv: Y(i,j) = T(i,j,k) * v(k)`,
      );
      const out = evaluateProgram(prog, {
        T: fromDense([n0, n1, n2], T, prog.tensors.T.format),
        B: fromDense([n1, R], Bm, prog.tensors.B.format),
        C: fromDense([n2, R], Cm, prog.tensors.C.format),
        v: fromDense([n2], v, prog.tensors.v.format),
      });
      const M = new Array(n0 * R).fill(0);
      const Y = new Array(n0 * n1).fill(0);
      for (let i = 0; i < n0; i++)
        for (let j = 0; j < n1; j++)
          for (let k = 0; k < n2; k++) {
            const t = T[(i * n1 + j) * n2 + k];
            for (let r = 0; r < R; r++) M[i * R + r] += t * Bm[j * R + r] * Cm[k * R + r];
            Y[i * n1 + j] += t * v[k];
          }
      expect(Array.from(toDense(out.M))).toEqual(M);
      expect(Array.from(toDense(out.Y))).toEqual(Y);
    }
  });

  it('row softmax from max / sub / exp / sum / div statements (dense and masked)', () => {
    const N = 4;
    const M = 6;
    const Sd = Array.from({ length: N * M }, (_, k) => Math.sin(k) * 3);
    const src = (fmt: string): string =>
      [
        `tensor S(${N},${M}): ${fmt} input`,
        `tensor mx(${N}): dense intermediate`,
        `tensor D(${N},${M}): ${fmt} intermediate`,
        `tensor Ex(${N},${M}): ${fmt} intermediate`,
        `tensor den(${N}): dense intermediate`,
        `tensor P(${N},${M}): ${fmt} output`,
        's0: mx(i) = max(j, S(i,j))',
        's1: D(i,j) = S(i,j) - mx(i)',
        's2: Ex(i,j) = exp(D(i,j))',
        's3: den(i) = sum(j, Ex(i,j))',
        's4: P(i,j) = Ex(i,j) / den(i)',
      ].join('\n');
    const dense = evaluateProgram(parseProgram(src('dense')), { S: fromDense([N, M], Sd, parseFormat('dense', 2)) });
    const ref = new Array(N * M).fill(0);
    for (let i = 0; i < N; i++) {
      const row = Sd.slice(i * M, i * M + M);
      const m = Math.max(...row);
      const den = row.reduce((a, s) => a + Math.exp(s - m), 0);
      row.forEach((s, j) => (ref[i * M + j] = Math.exp(s - m) / den));
    }
    expectClose(toDense(dense.P), ref);
    // Masked (sparse S): the softmax runs over each row's stored entries only.
    const mask = (i: number, j: number): boolean => (i + 2 * j) % 3 !== 0;
    const coords: number[][] = [[], []];
    const vals: number[] = [];
    for (let i = 0; i < N; i++)
      for (let j = 0; j < M; j++)
        if (mask(i, j)) {
          coords[0].push(i);
          coords[1].push(j);
          vals.push(Sd[i * M + j]);
        }
    const sparse = evaluateProgram(parseProgram(src('dcsr')), { S: fromCoo([N, M], coords, vals, parseFormat('dcsr', 2)) });
    const mref = new Array(N * M).fill(0);
    for (let i = 0; i < N; i++) {
      const js = [...Array(M).keys()].filter((j) => mask(i, j));
      const m = Math.max(...js.map((j) => Sd[i * M + j]));
      const den = js.reduce((a, j) => a + Math.exp(Sd[i * M + j] - m), 0);
      for (const j of js) mref[i * M + j] = Math.exp(Sd[i * M + j] - m) / den;
    }
    expectClose(toDense(sparse.P), mref);
    expect(sparse.P.vals.length).toBe(vals.length);
  });
});

describe('presence semantics (ast.ts examples)', () => {
  const A = fromCoo([2, 3], [[0, 1], [1, 2]], [0.5, -1], parseFormat('csr', 2));

  it('exp of a sparse operand is computed only where stored; relu keeps stored zeros stored', () => {
    const p = parseProgram('tensor A(2,3): csr input\ntensor E(2,3): dcsr output\ntensor R(2,3): coo output\ns0: E(i,j) = exp(A(i,j))\ns1: R(i,j) = relu(A(i,j))');
    const out = evaluateProgram(p, { A });
    expect(Array.from(toDense(out.E))).toEqual([0, Math.exp(0.5), 0, 0, 0, Math.exp(-1)]);
    expect(Array.from(toDense(out.R))).toEqual([0, 0.5, 0, 0, 0, 0]);
    expect(out.R.vals.length).toBe(2); // relu(-1) = 0 is still a present (stored) point
  });

  it('S(i,j) - M(i) broadcasts only over the stored j of S', () => {
    const p = parseProgram('tensor S(2,3): csr input\ntensor M(2): dense input\ntensor D(2,3): dense output\ns: D(i,j) = S(i,j) - M(i)');
    const out = evaluateProgram(p, { S: A, M: fromDense([2], [10, 20], parseFormat('dense', 1)) });
    expect(Array.from(toDense(out.D))).toEqual([0, 0.5 - 10, 0, 0, 0, -1 - 20]);
  });

  it('a union reads a missing operand as 0 and a constant is neutral', () => {
    const p = parseProgram(
      'tensor a(4): sparse input\ntensor b(4): sparse input\ntensor u(4): dense output\ntensor c(4): sparse output\ntensor m(4): dense output\n' +
        's0: u(i) = a(i) + b(i)\ns1: c(i) = a(i) + 1\ns2: m(i) = max(a(i), b(i))',
    );
    const a = fromCoo([4], [[0, 1]], [2, -3], parseFormat('sparse', 1));
    const b = fromCoo([4], [[1, 2]], [5, -7], parseFormat('sparse', 1));
    const out = evaluateProgram(p, { a, b });
    expect(Array.from(toDense(out.u))).toEqual([2, 2, -7, 0]);
    expect(Array.from(toDense(out.c))).toEqual([3, -2, 0, 0]);
    expect(out.c.vals.length).toBe(2);
    expect(Array.from(toDense(out.m))).toEqual([2, 5, 0, 0]); // max(0 (missing), -7) = 0
  });

  it('a reduction is present iff any of its points is', () => {
    const p = parseProgram('tensor A(3,3): dcsr input\ntensor r(3): sparse output\ns: r(i) = sum(j, A(i,j)) * 2');
    const t = fromCoo([3, 3], [[0, 2, 2], [1, 0, 2]], [1, 0, 4], parseFormat('dcsr', 2));
    const out = evaluateProgram(p, { A: t });
    expect(Array.from(toDense(out.r))).toEqual([2, 0, 8]);
    expect(Array.from(toCoo(out.r).coords[0])).toEqual([0, 2]);
  });

  it('top-level Einstein sums wrap the whole right-hand side; explicit sum() nests', () => {
    const p = parseProgram(
      'tensor A(2,3): csr input\ntensor y(2): dense output\ntensor z(2): dense output\n' +
        's0: y(i) = relu(A(i,j))\ns1: z(i) = relu(sum(j, A(i,j)))',
    );
    const B = fromDense([2, 3], [1, -3, 1, 0, 0, 2], parseFormat('csr', 2));
    const out = evaluateProgram(p, { A: B });
    expect(Array.from(toDense(out.y))).toEqual([2, 2]); // relu(1) + relu(-3) + relu(1), relu(2)
    expect(Array.from(toDense(out.z))).toEqual([0, 2]); // relu(1 - 3 + 1), relu(2)
  });

  it('evaluateStatement accepts data in any format and uses the declared one for presence', () => {
    const p = parseProgram('tensor A(2,3): dense input\ntensor E(2,3): dense output\ns0: E(i,j) = exp(A(i,j))');
    const out = evaluateStatement(p, p.statements[0], { A });
    expect(Array.from(toDense(out))).toEqual([1, Math.exp(0.5), 1, 1, 1, Math.exp(-1)]);
  });

  it('rejects missing and mis-shaped inputs', () => {
    const p = parseProgram('tensor A(2,3): csr input\ntensor E(2,3): dense output\ns0: E(i,j) = exp(A(i,j))');
    expect(() => evaluateProgram(p, {})).toThrow(/no data bound to input tensor A/);
    expect(() => evaluateProgram(p, { A: fromDense([3, 2], [1, 2, 3, 4, 5, 6], parseFormat('csr', 2)) })).toThrow(
      /data for A has shape \[3,2\], but A is declared \[2,3\]/,
    );
  });
});

describe('property: the pruned evaluator agrees with the naive dense-loop oracle on random statements', () => {
  const tensors: Record<string, { idx: string[]; shape: number[] }> = {
    A: { idx: ['i', 'k'], shape: [3, 4] },
    B: { idx: ['k', 'j'], shape: [4, 2] },
    C: { idx: ['i', 'j'], shape: [3, 2] },
    u: { idx: ['i'], shape: [3] },
    w: { idx: ['k'], shape: [4] },
  };
  const names = Object.keys(tensors);
  const fmt2 = ['dense', 'csr', 'dcsc', 'coo', 'dcsr'];
  const fmt1 = ['dense', 'sparse'];
  const leaf: fc.Arbitrary<Expr> = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...names).map((t): Expr => ({ kind: 'access', tensor: t, indices: tensors[t].idx })) },
    { weight: 1, arbitrary: fc.integer({ min: -2, max: 3 }).map((v): Expr => ({ kind: 'const', value: v })) },
  );
  const expr = fc.letrec<{ e: Expr }>((tie) => ({
    e: fc.oneof(
      { depthSize: 'small' },
      leaf,
      fc.tuple(fc.constantFrom('add', 'sub', 'mul', 'max', 'min'), tie('e'), tie('e')).map(([op, lhs, rhs]): Expr => ({ kind: 'binary', op: op as 'add', lhs, rhs })),
      fc.tuple(fc.constantFrom('exp', 'relu', 'neg', 'abs', 'square', 'tanh'), tie('e')).map(([op, arg]): Expr => ({ kind: 'unary', op: op as 'exp', arg })),
      fc.tuple(fc.constantFrom('sum', 'max'), fc.constantFrom(['k'], ['j'], ['i'], ['j', 'k']), tie('e')).map(
        ([op, indices, arg]): Expr => ({ kind: 'reduce', op: op as 'sum', indices: [...indices], arg }),
      ),
    ),
  }));
  const scenario = fc.record({
    e: expr.e,
    formats: fc.tuple(...names.map((n) => fc.constantFrom(...(tensors[n].idx.length === 2 ? fmt2 : fmt1)))),
    seed: fc.integer({ min: 1, max: 1e6 }),
    outFormat: fc.constantFrom('dense', 'coo'),
  });

  it('values and stored output points match', () => {
    let checked = 0;
    fc.assert(
      fc.property(scenario, ({ e, formats, seed, outFormat }) => {
        // Keep only well-formed statements: reductions over variables their argument uses, and no
        // variable both reduced and free. The output takes the free variables in a fixed order.
        const decls: string[] = names.map((n, ix) => `tensor ${n}(${tensors[n].shape.join(',')}): ${formats[ix]} input`);
        const free = [...freeOf(e)].sort();
        if (free.length === 0) return true;
        const ext: Record<string, number> = { i: 3, j: 2, k: 4 };
        const stmt: Statement = { name: 's', lhs: { tensor: 'X', indices: free }, rhs: e };
        const prog: TensorProgram = {
          name: 'rand',
          tensors: {},
          statements: [stmt],
          outputs: ['X'],
        };
        const parsed = parseProgram([...decls, `tensor X(${free.map((v) => ext[v]).join(',')}): ${outFormat === 'coo' && free.length === 1 ? 'sparse' : outFormat} output`].join('\n'));
        prog.tensors = parsed.tensors;
        try {
          // Programs the verifier rejects (e.g. a variable reduced and also used freely) are skipped.
          verifyProgram(prog);
        } catch {
          return true;
        }
        const rng = lcg(seed);
        const env: TensorBindings = {};
        for (const n of names) {
          const shape = tensors[n].shape;
          env[n] = fromDense(shape, randomDense(rng, shape.reduce((a, b) => a * b, 1), 0.5), prog.tensors[n].format, n);
        }
        const out = evaluateProgram(prog, env).X;
        const oracle = naiveStatement(prog, stmt, env);
        expectClose(toDense(out), oracle.dense);
        if (outFormat === 'coo') expect([...storedSet(out)].sort((a, b) => a - b)).toEqual([...oracle.present].sort((a, b) => a - b));
        checked++;
        return true;
      }),
      { seed: 2024, numRuns: 250 },
    );
    expect(checked).toBeGreaterThan(100);
  });
});

describe('scale', () => {
  it('accumulates outputs larger than the flat-array limit in a hash map', () => {
    const n = 5000; // 25 M output elements
    const A = fromCoo([n, n], [[4999, 0, 2500], [1, 4999, 2500]], [1, -2, 0.5], parseFormat('dcsr', 2));
    const p = parseProgram(`tensor A(${n},${n}): dcsr input\ntensor E(${n},${n}): dcsr output\ns: E(i,j) = exp(A(i,j)) * 2`);
    const out = evaluateProgram(p, { A }).E;
    const coo = toCoo(out);
    expect(Array.from(coo.coords[0])).toEqual([0, 2500, 4999]);
    expect(Array.from(coo.coords[1])).toEqual([4999, 2500, 1]);
    expectClose(coo.vals, [2 * Math.exp(-2), 2 * Math.exp(0.5), 2 * Math.exp(1)]);
  });

  it('evaluates a GCN-like layer on a sparse 300x300 graph by visiting stored entries only', () => {
    const n = 300;
    const rng = lcg(5);
    const coords: number[][] = [[], []];
    for (let e = 0; e < 1200; e++) {
      coords[0].push(Math.floor(rng() * n));
      coords[1].push(Math.floor(rng() * n));
    }
    const A = fromCoo([n, n], coords, new Array(1200).fill(1), parseFormat('dcsr', 2));
    const X = fromDense([n, 8], randomDense(rng, n * 8, 1), parseFormat('dense', 2));
    const p = parseProgram(`tensor A(${n},${n}): dcsr input\ntensor X(${n},8): dense input\ntensor Y(${n},8): dense output\ns: Y(i,j) = A(i,k) * X(k,j)`);
    const out = evaluateProgram(p, { A, X });
    const Ad = toDense(A);
    const Xd = toDense(X);
    const ref = new Float64Array(n * 8);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) if (Ad[i * n + k]) for (let j = 0; j < 8; j++) ref[i * 8 + j] += Ad[i * n + k] * Xd[k * 8 + j];
    expectClose(toDense(out.Y), ref);
  });
});

describe('output accumulators', () => {
  it('the hash-map path (outputs above the dense limit) is sharded and sums and orders like the dense path', () => {
    // Limits shrunk so that 50 elements take the map path with shards of at most 4 keys.
    const size = 50;
    const dense = outputAccumulator(size);
    const sharded = outputAccumulator(size, 10, 4);
    const adds: Array<[number, number]> = [[49, 1], [3, 2], [17, -1], [3, 0.5], [0, 4], [48, 2], [17, 1], [25, 3], [7, 7], [33, 1]];
    for (const [lin, v] of adds) {
      dense.add(lin, v);
      sharded.add(lin, v);
    }
    const a = dense.entries();
    const b = sharded.entries();
    expect(Array.from(b.lins)).toEqual([0, 3, 7, 17, 25, 33, 48, 49]);
    expect(Array.from(b.lins)).toEqual(Array.from(a.lins));
    expect(Array.from(b.vals)).toEqual(Array.from(a.vals));
    expect(Array.from(b.vals)).toEqual([4, 2.5, 7, 0, 3, 1, 2, 1]);
  });
});
