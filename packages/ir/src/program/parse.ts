import type { BinaryOp, Expr, FusionGroup, Schedule, Statement, TensorDecl, TensorProgram, TensorRole, UnaryOp } from './ast';
import { inputError } from '../tensor/errors';
import { parseFormat } from '../tensor/format';
import { UNARY_OPS } from './expr-utils';

type TokKind = 'ident' | 'number' | 'punct' | 'eol';
interface Token {
  kind: TokKind;
  text: string;
  /** 1-based column in the source line. */
  col: number;
}

const PUNCT = new Set(['(', ')', ',', ':', '=', '+', '-', '*', '/', ';', '@']);
const NUMBER_RE = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Splits one source line into tokens; `#` and `//` start comments. */
function tokenize(line: string, lineNo: number): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#' || (c === '/' && line[i + 1] === '/')) break;
    const rest = line.slice(i);
    const num = NUMBER_RE.exec(rest);
    if (num) {
      out.push({ kind: 'number', text: num[0], col: i + 1 });
      i += num[0].length;
      continue;
    }
    const id = IDENT_RE.exec(rest);
    if (id) {
      out.push({ kind: 'ident', text: id[0], col: i + 1 });
      i += id[0].length;
      continue;
    }
    if (PUNCT.has(c)) {
      out.push({ kind: 'punct', text: c, col: i + 1 });
      i++;
      continue;
    }
    throw inputError(`line ${lineNo}, column ${i + 1}: unexpected character '${c}'`);
  }
  out.push({ kind: 'eol', text: 'end of line', col: line.length + 1 });
  return out;
}

/** Recursive-descent parser over the tokens of one line. */
class LineParser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly lineNo: number,
  ) {}

  peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }
  next(): Token {
    const t = this.peek();
    if (t.kind !== 'eol') this.i++;
    return t;
  }
  fail(expected: string, t: Token = this.peek()): never {
    const found = t.kind === 'eol' ? 'end of line' : `'${t.text}'`;
    throw inputError(`line ${this.lineNo}, column ${t.col}: expected ${expected}, found ${found}`);
  }
  isPunct(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'punct' && t.text === p;
  }
  expectPunct(p: string, what = `'${p}'`): Token {
    if (!this.isPunct(p)) this.fail(what);
    return this.next();
  }
  ident(what: string): string {
    const t = this.peek();
    if (t.kind !== 'ident') this.fail(what);
    return this.next().text;
  }
  keyword(word: string): void {
    const t = this.peek();
    if (t.kind !== 'ident' || t.text !== word) this.fail(`'${word}'`);
    this.next();
  }
  integer(what: string): number {
    const t = this.peek();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) this.fail(what);
    return Number(this.next().text);
  }
  end(): void {
    if (this.peek().kind !== 'eol') this.fail('end of line');
  }
  atEnd(): boolean {
    return this.peek().kind === 'eol';
  }

  /** `(i, j)` -> ['i', 'j']; `()` for scalars. */
  indexList(tensor: string): string[] {
    this.expectPunct('(', `'(' after tensor ${tensor}`);
    const out: string[] = [];
    if (this.isPunct(')')) {
      this.next();
      return out;
    }
    for (;;) {
      out.push(this.ident(`an index variable in ${tensor}(...)`));
      if (this.isPunct(',')) {
        this.next();
        continue;
      }
      this.expectPunct(')', `',' or ')' after the indices of ${tensor}`);
      return out;
    }
  }

  expr(): Expr {
    let lhs = this.term();
    while (this.isPunct('+') || this.isPunct('-')) {
      const op: BinaryOp = this.next().text === '+' ? 'add' : 'sub';
      lhs = { kind: 'binary', op, lhs, rhs: this.term() };
    }
    return lhs;
  }
  term(): Expr {
    let lhs = this.unary();
    while (this.isPunct('*') || this.isPunct('/')) {
      const op: BinaryOp = this.next().text === '*' ? 'mul' : 'div';
      lhs = { kind: 'binary', op, lhs, rhs: this.unary() };
    }
    return lhs;
  }
  unary(): Expr {
    if (this.isPunct('-')) {
      this.next();
      const t = this.peek();
      if (t.kind === 'number') {
        this.next();
        return { kind: 'const', value: -Number(t.text) };
      }
      return { kind: 'unary', op: 'neg', arg: this.unary() };
    }
    return this.primary();
  }
  primary(): Expr {
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      return { kind: 'const', value: Number(t.text) };
    }
    if (this.isPunct('(')) {
      this.next();
      const e = this.expr();
      this.expectPunct(')', "')' closing the parenthesis");
      return e;
    }
    if (t.kind !== 'ident') this.fail('a tensor access, number, function or "("');
    const name = this.next().text;
    if (!this.isPunct('(')) this.fail(`'(' after '${name}'`);
    if ((UNARY_OPS as readonly string[]).includes(name)) {
      this.next();
      const arg = this.expr();
      this.expectPunct(')', `')' closing ${name}(...)`);
      return { kind: 'unary', op: name as UnaryOp, arg };
    }
    if (name === 'sum' || name === 'max' || name === 'min' || name === 'div') {
      this.next();
      // A reduction's first argument is a bare list of index variables: `sum(k l, e)`.
      const isReduce = (name === 'sum' || name === 'max') && this.peek().kind === 'ident' && !this.isPunct('(', 1);
      if (isReduce) {
        const indices: string[] = [];
        while (this.peek().kind === 'ident' && !this.isPunct('(', 1)) indices.push(this.next().text);
        this.expectPunct(',', `',' after the index variables of ${name}(...)`);
        const arg = this.expr();
        this.expectPunct(')', `')' closing ${name}(...)`);
        return { kind: 'reduce', op: name as 'sum' | 'max', indices, arg };
      }
      if (name === 'sum') this.fail('index variables as the first argument of sum(k, e)');
      const a = this.expr();
      this.expectPunct(',', `',' between the two arguments of ${name}(a, b)`);
      const b = this.expr();
      this.expectPunct(')', `')' closing ${name}(a, b)`);
      return { kind: 'binary', op: name as BinaryOp, lhs: a, rhs: b };
    }
    this.i--; // re-read the name as a tensor access
    const tensor = this.next().text;
    return { kind: 'access', tensor, indices: this.indexList(tensor) };
  }

  /** `[name:] T(i,j) = expr` */
  statement(defaultName: string): Statement {
    let name = defaultName;
    if (this.peek().kind === 'ident' && this.isPunct(':', 1)) {
      name = this.next().text;
      this.next();
    }
    const tensor = this.ident('the output tensor of a statement');
    const indices = this.indexList(tensor);
    this.expectPunct('=', `'=' after ${tensor}(${indices.join(',')})`);
    const rhs = this.expr();
    this.end();
    return { name, lhs: { tensor, indices }, rhs };
  }
}

function lines(text: string): string[] {
  return text.split('\n');
}

/** Parses one expression, e.g. `relu(A(i,k) * B(k,j)) + b(j)`. */
export function parseExpr(text: string): Expr {
  const p = new LineParser(tokenize(text, 1), 1);
  const e = p.expr();
  p.end();
  return e;
}

/** Parses one statement, e.g. `s0: T0(i,j) = A(i,k) * B(k,j)` (name defaults to `s0`). */
export function parseStatement(text: string, defaultName = 's0'): Statement {
  return new LineParser(tokenize(text, 1), 1).statement(defaultName);
}

const ROLES: readonly TensorRole[] = ['input', 'intermediate', 'output'];

/**
 * Parses the text form of a TensorProgram (see README): `program`, `tensor`, statement, `group`,
 * `schedule` and `outputs` lines. Syntax errors name the line and column and what was expected;
 * semantic checks are verifyProgram's job.
 */
export function parseProgram(text: string): TensorProgram {
  let name: string | undefined;
  const tensors: Record<string, TensorDecl> = {};
  const statements: Statement[] = [];
  const groups: FusionGroup[] = [];
  const schedule: Schedule = {};
  let outputs: string[] | undefined;
  lines(text).forEach((line, idx) => {
    const lineNo = idx + 1;
    const toks = tokenize(line, lineNo);
    const p = new LineParser(toks, lineNo);
    if (p.atEnd()) return;
    const head = p.peek();
    const isKeyword = (w: string): boolean => head.kind === 'ident' && head.text === w && !p.isPunct('(', 1) && !p.isPunct(':', 1);
    if (isKeyword('program')) {
      p.next();
      if (name !== undefined) p.fail('a single program line', head);
      name = p.ident('a program name');
      p.end();
    } else if (isKeyword('tensor')) {
      p.next();
      const tname = p.ident('a tensor name');
      p.expectPunct('(', `'(' and the shape of tensor ${tname}`);
      const shape: number[] = [];
      if (!p.isPunct(')')) {
        for (;;) {
          shape.push(p.integer(`a positive integer extent in the shape of ${tname}`));
          if (p.isPunct(',')) {
            p.next();
            continue;
          }
          break;
        }
      }
      p.expectPunct(')', `',' or ')' in the shape of ${tname}`);
      p.expectPunct(':', `':' and a format after tensor ${tname}(...)`);
      // The format spec runs to the last word (the role); it may contain ':' and ','.
      const roleTok = toks[toks.length - 2];
      const fmtStart = p.peek();
      if (roleTok === undefined || roleTok.kind !== 'ident' || !ROLES.includes(roleTok.text as TensorRole) || roleTok === fmtStart) {
        const last = toks[toks.length - 2] ?? fmtStart;
        throw inputError(
          `line ${lineNo}, column ${last.col}: expected a format and then a role (input, intermediate or output) for tensor ${tname}`,
        );
      }
      const spec = line.slice(fmtStart.col - 1, roleTok.col - 1).trim();
      let format;
      try {
        format = parseFormat(spec, shape.length);
      } catch (e) {
        throw inputError(`line ${lineNo}, column ${fmtStart.col}: tensor ${tname}: ${(e as Error).message}`);
      }
      if (tensors[tname]) throw inputError(`line ${lineNo}, column ${head.col}: tensor ${tname} is declared twice`);
      tensors[tname] = { name: tname, shape, format, role: roleTok.text as TensorRole };
    } else if (isKeyword('group')) {
      p.next();
      const gname = p.ident('a group name');
      p.expectPunct('=', `'=' after group ${gname}`);
      const stmts: string[] = [p.ident(`a statement name in group ${gname}`)];
      while (p.isPunct(',')) {
        p.next();
        stmts.push(p.ident(`a statement name in group ${gname}`));
      }
      const g: FusionGroup = { name: gname, statements: stmts };
      if (!p.atEnd() && !(p.peek().kind === 'ident' && p.peek().text === 'kernel')) {
        p.keyword('order');
        const order = [p.ident(`an index variable in the loop order of ${gname}`)];
        while (p.isPunct(',')) {
          p.next();
          order.push(p.ident(`an index variable in the loop order of ${gname}`));
        }
        g.loopOrder = order;
      }
      if (!p.atEnd()) {
        p.keyword('kernel');
        g.kernel = p.ident(`a kernel name for group ${gname}`);
      }
      p.end();
      groups.push(g);
    } else if (isKeyword('schedule')) {
      p.next();
      for (;;) {
        const clauseTok = p.peek();
        const clause = p.ident("'block' or 'parallel'");
        if (clause === 'block') {
          const size = p.integer('a block size');
          const names: string[] = [];
          while (p.peek().kind === 'ident') {
            names.push(p.next().text);
            if (p.isPunct(',')) p.next();
          }
          schedule.blocking = names.length > 0 ? { size, tensors: names } : { size };
        } else if (clause === 'parallel') {
          const index = p.ident('the index variable to parallelize');
          const factor = p.integer(`a parallel factor for ${index}`);
          const spec: { index: string; factor: number; group?: string } = { index, factor };
          if (p.peek().kind === 'ident' && p.peek().text === 'in') {
            p.next();
            spec.group = p.ident('a group name after "in"');
          }
          (schedule.parallel ??= []).push(spec);
        } else {
          p.fail("'block' or 'parallel'", clauseTok);
        }
        if (p.isPunct(';')) {
          p.next();
          continue;
        }
        p.end();
        break;
      }
    } else if (isKeyword('outputs')) {
      p.next();
      outputs = [p.ident('an output tensor name')];
      while (p.isPunct(',')) {
        p.next();
        outputs.push(p.ident('an output tensor name'));
      }
      p.end();
    } else {
      if (head.kind !== 'ident') p.fail("'program', 'tensor', 'group', 'schedule', 'outputs' or a statement");
      statements.push(p.statement(`s${statements.length}`));
    }
  });
  const prog: TensorProgram = {
    name: name ?? 'program',
    tensors,
    statements,
    outputs: outputs ?? Object.values(tensors).filter((t) => t.role === 'output').map((t) => t.name),
  };
  if (groups.length > 0) prog.groups = groups;
  if (schedule.blocking || schedule.parallel) prog.schedule = schedule;
  return prog;
}
