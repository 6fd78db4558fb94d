import type { TensorFormat } from '../tensor/types';

/**
 * TensorProgram: index-notation statements, e.g. `T0(i,j) = A(i,k) * B(k,j)`.
 *
 * Semantics (the reference evaluator is the definition):
 * - Index variables on the right-hand side that are not on the left are summed at the top level
 *   of the statement (Einstein convention); `sum(k, e)` / `max(k, e)` reduce explicitly inside.
 * - Sparse iteration: an access is *present* at a point iff the element is stored (dense-format
 *   tensors are present everywhere). For each index variable v, an access without v and a
 *   constant are neutral. mul/div intersect the non-neutral operands' presence; add/sub/max/min
 *   union it; unary ops keep their argument's presence. A point takes part in the computation only
 *   if, for every index variable v, the root expression is present with respect to v. A missing
 *   operand of a union reads as 0. A reduction is present iff any of its points is.
 *   Outside the present points the output is zero (not stored).
 * - Precisely (as evaluateProgram implements it): a reduction point takes part iff the argument is
 *   present w.r.t. every reduced variable there; the reduction is present w.r.t. an outer variable
 *   v iff the argument is present w.r.t. v at some taking-part point; its value is the sum / max of
 *   the argument over the taking-part points (an argument absent w.r.t. any variable reads as 0).
 *   Present output points are stored, even where their value is 0 (e.g. relu of a negative).
 */
export type IndexVar = string;

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';
export type UnaryOp = 'exp' | 'relu' | 'neg' | 'sqrt' | 'rsqrt' | 'log' | 'sigmoid' | 'tanh' | 'abs' | 'square';
export type ReduceOp = 'sum' | 'max';

export type Expr =
  | { kind: 'access'; tensor: string; indices: IndexVar[] }
  | { kind: 'const'; value: number }
  | { kind: 'binary'; op: BinaryOp; lhs: Expr; rhs: Expr }
  | { kind: 'unary'; op: UnaryOp; arg: Expr }
  | { kind: 'reduce'; op: ReduceOp; indices: IndexVar[]; arg: Expr };

export type TensorRole = 'input' | 'intermediate' | 'output';

export interface TensorDecl {
  name: string;
  /** element shape in mode order. */
  shape: number[];
  format: TensorFormat;
  role: TensorRole;
}

export interface Statement {
  /** statement name, unique in the program (used by fusion groups). */
  name: string;
  lhs: { tensor: string; indices: IndexVar[] };
  rhs: Expr;
}

export interface FusionGroup {
  name: string;
  /** statement names, in program order. Intermediates produced and consumed inside stream. */
  statements: string[];
  /** dataflow (loop) order of the group's fused iteration space, outermost first. */
  loopOrder?: IndexVar[];
  /**
   * Groups with the same kernel are mapped onto the fabric together (as the reference's multi-output
   * kernels, e.g. LayerNorm + Q/K/V projections): a group starts when the groups of its kernel that
   * it reads have finished (their outputs buffered on chip), and independent groups run side by
   * side. A kernel's groups must be consecutive in execution order.
   */
  kernel?: string;
  /**
   * A value used by several consumers inside the group: computed once and broadcast wherever the
   * consumers iterate it with the same loop structure ('share', the default), or computed once per
   * use as plain inlining does ('recompute', for comparison). Lowering and estimator both read it.
   */
  intermediates?: 'share' | 'recompute';
}

export interface ParallelSpec {
  /** index variable (stream level) whose coordinates are dealt round-robin to lanes. */
  index: IndexVar;
  factor: number;
  /** restrict to one fusion group (default: every group that iterates `index`). */
  group?: string;
}

export interface Schedule {
  /** sparsity blocking: N x N tiles for the listed tensors (all sparse matrices if omitted). */
  blocking?: { size: number; tensors?: string[] };
  parallel?: ParallelSpec[];
}

export interface TensorProgram {
  name: string;
  tensors: Record<string, TensorDecl>;
  statements: Statement[];
  /** set by pass-fusion; absent means unfused (one group per statement). */
  groups?: FusionGroup[];
  schedule?: Schedule;
  /** names of the program's result tensors. */
  outputs: string[];
}
