import type { BinaryOp, UnaryOp } from './ast';
import type { AluOp, NodeAttrs } from '../dataflow/graph';

/*
 * The meaning of every arithmetic operation, written once: the reference evaluators, constant
 * folding, the simulator's ALUs and the test interpreters all read these tables, so a value can
 * only differ between them through presence or order, never through what an op computes.
 * max/min are written as comparisons (not Math.max) so that NaN and -0 behave the same everywhere.
 */

export const UNARY_FNS: Readonly<Record<UnaryOp, (x: number) => number>> = {
  exp: Math.exp,
  relu: (x) => (x > 0 ? x : 0),
  neg: (x) => -x,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  log: Math.log,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: Math.tanh,
  abs: Math.abs,
  square: (x) => x * x,
};

export const BINARY_FNS: Readonly<Record<BinaryOp, (a: number, b: number) => number>> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: (a, b) => (a > b ? a : b),
  min: (a, b) => (a < b ? a : b),
};

/** ALU ops with a constant operand `s` (the node's `scalar` attribute). */
export type ScalarOp = Extract<AluOp, `scalar_${string}`>;

/**
 * Each scalar op bound to its constant: one closure literal per op, so the simulator's hot call
 * sites stay monomorphic (a shared `(x) => f(x, s)` wrapper took 1.3x the CPU of per-op closures
 * simulating exp(B*0.5)+1 on 600x600 in one A/B run; bound per op it is 1.03x, within noise).
 */
export const SCALAR_FNS: Readonly<Record<ScalarOp, (s: number) => (x: number) => number>> = {
  scalar_add: (s) => (x) => x + s,
  scalar_mul: (s) => (x) => x * s,
  scalar_div: (s) => (x) => x / s,
  scalar_max: (s) => (x) => (x > s ? x : s),
  scalar_rsub: (s) => (x) => s - x,
  scalar_rdiv: (s) => (x) => s / x,
};

const has = <K extends string>(table: Readonly<Record<K, unknown>>, op: string): op is K => Object.prototype.hasOwnProperty.call(table, op);

/**
 * The one-operand function of an ALU op (a unary op, or a scalar op bound to `s`), or undefined
 * when the op takes two streams.
 */
export function aluUnary(op: string, s: number): ((x: number) => number) | undefined {
  if (has(UNARY_FNS, op)) return UNARY_FNS[op];
  if (has(SCALAR_FNS, op)) return SCALAR_FNS[op](s);
  return undefined;
}

/** The two-operand function of an ALU op, or undefined when it is not binary. */
export function aluBinary(op: string): ((a: number, b: number) => number) | undefined {
  return has(BINARY_FNS, op) ? BINARY_FNS[op] : undefined;
}

/** Binary ops whose result is absent where either operand is (the rest are absent only where both are). */
export const INTERSECTING_OPS: ReadonlySet<string> = new Set<BinaryOp>(['mul', 'div']);

export type EmptyPolicy = NonNullable<NodeAttrs['empty']>;

/**
 * Presence policy of a binary ALU node: its `empty` attribute, else the reference semantics of its
 * op (intersect for mul/div, union otherwise). The simulator and the test interpreter both ask here.
 */
export function aluEmptyPolicy(attrs: Pick<NodeAttrs, 'alu' | 'empty'>): EmptyPolicy {
  return attrs.empty ?? (attrs.alu !== undefined && INTERSECTING_OPS.has(attrs.alu) ? 'intersect' : 'union');
}
