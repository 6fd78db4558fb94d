import type { Expr, IndexVar, Statement, TensorDecl, TensorProgram } from '../../program/ast';

/**
 * Tiny dense oracle used by the fusion tests (independent of the real evaluator): absent = 0,
 * so it agrees with the sparse semantics for zero-preserving programs (sum reductions, mul/add/sub,
 * relu/neg/square/abs). Tensors are row-major Float64Arrays in mode order.
 */
export type DenseEnv = Record<string, Float64Array>;

export function varDims(program: TensorProgram, stmt: Statement): Map<IndexVar, number> {
  const dims = new Map<IndexVar, number>();
  const visit = (t: string, idx: IndexVar[]): void =>
    idx.forEach((v, m) => {
      const d = program.tensors[t].shape[m];
      const prev = dims.get(v);
      if (prev !== undefined && prev !== d) throw new Error(`dim mismatch for ${v}: ${prev} vs ${d}`);
      dims.set(v, d);
    });
  visit(stmt.lhs.tensor, stmt.lhs.indices);
  const walk = (e: Expr): void => {
    if (e.kind === 'access') visit(e.tensor, e.indices);
    else if (e.kind === 'binary') (walk(e.lhs), walk(e.rhs));
    else if (e.kind === 'unary' || e.kind === 'reduce') walk(e.arg);
  };
  walk(stmt.rhs);
  return dims;
}

function offset(decl: TensorDecl, idx: number[]): number {
  let o = 0;
  for (let m = 0; m < idx.length; m++) o = o * decl.shape[m] + idx[m];
  return o;
}

function forAll(vars: IndexVar[], dims: Map<IndexVar, number>, env: Map<IndexVar, number>, body: () => void): void {
  const rec = (k: number): void => {
    if (k === vars.length) return body();
    for (let x = 0; x < dims.get(vars[k])!; x++) {
      env.set(vars[k], x);
      rec(k + 1);
    }
    env.delete(vars[k]);
  };
  rec(0);
}

const UN: Record<string, (x: number) => number> = {
  relu: (x) => Math.max(0, x),
  neg: (x) => -x,
  square: (x) => x * x,
  abs: Math.abs,
};
const BIN: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
};

function evalExpr(p: TensorProgram, data: DenseEnv, e: Expr, dims: Map<IndexVar, number>, env: Map<IndexVar, number>): number {
  switch (e.kind) {
    case 'access':
      return data[e.tensor][offset(p.tensors[e.tensor], e.indices.map((v) => env.get(v)!))];
    case 'const':
      return e.value;
    case 'binary':
      return BIN[e.op](evalExpr(p, data, e.lhs, dims, env), evalExpr(p, data, e.rhs, dims, env));
    case 'unary':
      return UN[e.op](evalExpr(p, data, e.arg, dims, env));
    case 'reduce': {
      if (e.op !== 'sum') throw new Error('dense oracle: sum only');
      let acc = 0;
      const saved = new Map(env);
      forAll(e.indices, dims, env, () => (acc += evalExpr(p, data, e.arg, dims, env)));
      saved.forEach((v, k) => env.set(k, v));
      return acc;
    }
  }
}

/** Evaluate every statement in order; returns the environment extended with all results. */
export function denseEvaluate(p: TensorProgram, inputs: DenseEnv): DenseEnv {
  const data: DenseEnv = { ...inputs };
  for (const s of p.statements) {
    const dims = varDims(p, s);
    const decl = p.tensors[s.lhs.tensor];
    const out = new Float64Array(decl.shape.reduce((a, b) => a * b, 1));
    const sums = [...dims.keys()].filter((v) => !s.lhs.indices.includes(v) && freeIn(s.rhs).has(v));
    const env = new Map<IndexVar, number>();
    forAll(s.lhs.indices, dims, env, () => {
      let acc = 0;
      forAll(sums, dims, env, () => (acc += evalExpr(p, data, s.rhs, dims, env)));
      out[offset(decl, s.lhs.indices.map((v) => env.get(v)!))] = acc;
    });
    data[s.lhs.tensor] = out;
  }
  return data;
}

function freeIn(e: Expr): Set<IndexVar> {
  switch (e.kind) {
    case 'access':
      return new Set(e.indices);
    case 'const':
      return new Set();
    case 'binary':
      return new Set([...freeIn(e.lhs), ...freeIn(e.rhs)]);
    case 'unary':
      return freeIn(e.arg);
    case 'reduce':
      return new Set([...freeIn(e.arg)].filter((v) => !e.indices.includes(v)));
  }
}
