import type { BinaryOp, Expr, Statement, TensorDecl, TensorProgram, TensorRole, UnaryOp } from '../../program/ast';

/** Terse AST builders for tests: acc('A','ik') is A(i,k). */
export const acc = (tensor: string, idx: string): Expr => ({ kind: 'access', tensor, indices: idx.split('') });
export const bin = (op: BinaryOp, lhs: Expr, rhs: Expr): Expr => ({ kind: 'binary', op, lhs, rhs });
export const mul = (a: Expr, b: Expr): Expr => bin('mul', a, b);
export const add = (a: Expr, b: Expr): Expr => bin('add', a, b);
export const un = (op: UnaryOp, arg: Expr): Expr => ({ kind: 'unary', op, arg });
export const stmt = (name: string, tensor: string, idx: string, rhs: Expr): Statement => ({ name, lhs: { tensor, indices: idx.split('') }, rhs });

export function decl(name: string, shape: number[], role: TensorRole, fmt: 'dense' | 'csr' | 'dcsr' | 'csc' = 'dense'): TensorDecl {
  const r = shape.length;
  const levels =
    fmt === 'dense' ? Array(r).fill('dense') : fmt === 'csr' || fmt === 'csc' ? ['dense', ...Array(r - 1).fill('compressed')] : Array(r).fill('compressed');
  const modeOrder = fmt === 'csc' ? [...Array(r).keys()].reverse() : [...Array(r).keys()];
  return { name, shape, role, format: { levels, modeOrder } };
}

/** 2-layer GCN: Z = A relu(A X W1 + b1) W2, one statement per op (unfused form). */
export function gcnProgram(n = 5, f = 4, h = 3, c = 2, fmtA: 'dcsr' | 'csr' = 'dcsr'): TensorProgram {
  return {
    name: 'gcn',
    tensors: {
      A: decl('A', [n, n], 'input', fmtA),
      X: decl('X', [n, f], 'input'),
      W1: decl('W1', [f, h], 'input', 'dcsr'),
      b1: decl('b1', [h], 'input'),
      W2: decl('W2', [h, c], 'input', 'dcsr'),
      T1: decl('T1', [n, f], 'intermediate'),
      T2: decl('T2', [n, h], 'intermediate'),
      H: decl('H', [n, h], 'intermediate'),
      T3: decl('T3', [n, h], 'intermediate'),
      Z: decl('Z', [n, c], 'output'),
    },
    statements: [
      stmt('adj1', 'T1', 'if', mul(acc('A', 'ik'), acc('X', 'kf'))),
      stmt('lin1', 'T2', 'ih', mul(acc('T1', 'if'), acc('W1', 'fh'))),
      stmt('relu1', 'H', 'ih', un('relu', add(acc('T2', 'ih'), acc('b1', 'h')))),
      stmt('adj2', 'T3', 'ih', mul(acc('A', 'ik'), acc('H', 'kh'))),
      stmt('lin2', 'Z', 'ic', mul(acc('T3', 'ih'), acc('W2', 'hc'))),
    ],
    outputs: ['Z'],
  };
}
