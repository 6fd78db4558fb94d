import type { Expr, Statement, TensorDecl, TensorProgram } from './ast';
import { formatName } from '../tensor/format';

const PREC_ADD = 1;
const PREC_MUL = 2;
const PREC_UNARY = 3;
const PREC_ATOM = 4;

function printConst(v: number): string {
  // String() gives the shortest text that parses back to the same double.
  return Object.is(v, -0) ? '-0' : String(v);
}

function prec(e: Expr): number {
  if (e.kind === 'binary') {
    if (e.op === 'add' || e.op === 'sub') return PREC_ADD;
    if (e.op === 'mul' || e.op === 'div') return PREC_MUL;
    return PREC_ATOM;
  }
  if (e.kind === 'unary' && e.op === 'neg') return PREC_UNARY;
  if (e.kind === 'const' && (e.value < 0 || Object.is(e.value, -0))) return PREC_UNARY;
  return PREC_ATOM;
}

/** Prints an expression in the text syntax parseExpr reads (minimal parentheses, same tree back). */
export function printExpr(e: Expr, minPrec = 0): string {
  let s: string;
  switch (e.kind) {
    case 'access':
      s = `${e.tensor}(${e.indices.join(',')})`;
      break;
    case 'const':
      s = printConst(e.value);
      break;
    case 'unary':
      if (e.op === 'neg') {
        // `-2` would read back as a constant, so a negated constant keeps its parentheses.
        const arg = e.arg.kind === 'const' ? `(${printExpr(e.arg)})` : printExpr(e.arg, PREC_UNARY);
        s = `-${arg}`;
      } else {
        s = `${e.op}(${printExpr(e.arg)})`;
      }
      break;
    case 'binary':
      if (e.op === 'max' || e.op === 'min') {
        s = `${e.op}(${printExpr(e.lhs)}, ${printExpr(e.rhs)})`;
      } else {
        const p = prec(e);
        const sym = { add: '+', sub: '-', mul: '*', div: '/' }[e.op];
        // Left-associative: the right operand needs parentheses at equal precedence.
        s = `${printExpr(e.lhs, p)} ${sym} ${printExpr(e.rhs, p + 1)}`;
      }
      break;
    case 'reduce':
      s = `${e.op}(${e.indices.join(' ')}, ${printExpr(e.arg)})`;
      break;
  }
  return prec(e) < minPrec ? `(${s})` : s;
}

/** `name: T(i,j) = expr` */
export function printStatement(s: Statement): string {
  return `${s.name}: ${s.lhs.tensor}(${s.lhs.indices.join(',')}) = ${printExpr(s.rhs)}`;
}

/** `tensor A(2708,2708): dcsr input` */
export function printTensorDecl(t: TensorDecl): string {
  return `tensor ${t.name}(${t.shape.join(',')}): ${formatName(t.format)} ${t.role}`;
}

/** The text form of a program; parseProgram(printProgram(p)) gives p back. */
export function printProgram(p: TensorProgram): string {
  const out: string[] = [`program ${p.name}`];
  for (const t of Object.values(p.tensors)) out.push(printTensorDecl(t));
  for (const s of p.statements) out.push(printStatement(s));
  for (const g of p.groups ?? []) {
    out.push(`group ${g.name} = ${g.statements.join(', ')}${g.loopOrder ? ` order ${g.loopOrder.join(',')}` : ''}${g.kernel ? ` kernel ${g.kernel}` : ''}`);
  }
  const sch = p.schedule;
  if (sch?.blocking) {
    const names = sch.blocking.tensors && sch.blocking.tensors.length > 0 ? ` ${sch.blocking.tensors.join(', ')}` : '';
    out.push(`schedule block ${sch.blocking.size}${names}`);
  }
  for (const par of sch?.parallel ?? []) {
    out.push(`schedule parallel ${par.index} ${par.factor}${par.group !== undefined ? ` in ${par.group}` : ''}`);
  }
  const derived = Object.values(p.tensors)
    .filter((t) => t.role === 'output')
    .map((t) => t.name);
  if (p.outputs.length !== derived.length || p.outputs.some((o, i) => o !== derived[i])) {
    out.push(`outputs ${p.outputs.join(', ')}`);
  }
  return out.join('\n') + '\n';
}
