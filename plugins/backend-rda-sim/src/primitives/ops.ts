import { FuseFlowError } from '@fuseflow/kernel';
import { aluBinary, aluUnary, type AluOp } from '@fuseflow/ir';

/** Unary ALU ops; `s` is the node's scalar operand (the functions are @fuseflow/ir's op table). */
export function unaryFn(op: AluOp, s: number): (x: number) => number {
  const f = aluUnary(op, s);
  if (!f) throw new FuseFlowError('FF_INPUT_INVALID', `ALU op '${op}' is not unary`);
  return f;
}

export function binaryFn(op: AluOp): (a: number, b: number) => number {
  const f = aluBinary(op);
  if (!f) throw new FuseFlowError('FF_INPUT_INVALID', `ALU op '${op}' is not binary`);
  return f;
}
