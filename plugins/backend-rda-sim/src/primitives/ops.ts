import { FuseFlowError } from '@fuseflow/kernel';
import type { AluOp } from '@fuseflow/ir';

const SCALAR_BIN: Record<string, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  max: (a, b) => (a > b ? a : b),
  min: (a, b) => (a < b ? a : b),
};

/** Unary ALU ops; `s` is the node's scalar operand. */
export function unaryFn(op: AluOp, s: number): (x: number) => number {
  switch (op) {
    case 'exp':
      return Math.exp;
    case 'relu':
      return (x) => (x > 0 ? x : 0);
    case 'neg':
      return (x) => -x;
    case 'sqrt':
      return Math.sqrt;
    case 'rsqrt':
      return (x) => 1 / Math.sqrt(x);
    case 'log':
      return Math.log;
    case 'sigmoid':
      return (x) => 1 / (1 + Math.exp(-x));
    case 'tanh':
      return Math.tanh;
    case 'abs':
      return Math.abs;
    case 'square':
      return (x) => x * x;
    case 'scalar_add':
      return (x) => x + s;
    case 'scalar_mul':
      return (x) => x * s;
    case 'scalar_div':
      return (x) => x / s;
    case 'scalar_max':
      return (x) => (x > s ? x : s);
    case 'scalar_rsub':
      return (x) => s - x;
    case 'scalar_rdiv':
      return (x) => s / x;
    default:
      throw new FuseFlowError('FF_INPUT_INVALID', `ALU op '${op}' is not unary`);
  }
}

export function binaryFn(op: AluOp): (a: number, b: number) => number {
  const f = SCALAR_BIN[op];
  if (!f) throw new FuseFlowError('FF_INPUT_INVALID', `ALU op '${op}' is not binary`);
  return f;
}
