import type { BinaryOp, Expr, Statement, TensorProgram, UnaryOp } from './ast';
import type { SparseTensorData, TensorFormat } from '../tensor/types';
import type { TensorBindings } from '../stages';
import { inputError } from '../tensor/errors';
import { formatName, isDenseFormat } from '../tensor/format';
import { convert, elementIndex, fromCoo, fromDense, rowMajorStrides, type ElementIndex } from '../tensor/storage';
import { readsOf, statementVars } from './expr-utils';
import { printStatement } from './print';
import { verifyProgram } from './verify';
import { LinMap } from '../tensor/lin-map';
import { BINARY_FNS, INTERSECTING_OPS, UNARY_FNS } from './ops';

/*
 * The reference evaluator: the definition of a TensorProgram's meaning (see the semantics comment
 * in ast.ts). It visits the points of each statement one by one and evaluates the expression tree
 * at each point, tracking presence per index variable as a bit mask. To stay usable on graph-size
 * inputs it does not visit every dense point: before binding an index variable it asks the
 * expression which coordinates could possibly be present (stored coordinates of sparse operands,
 * intersected for mul/div, united for add/sub/max/min). That pruning is only an over-approximation;
 * the per-point presence test below decides, so the pruning cannot change results — the tests
 * check this against a plain dense loop over every point.
 */

const UNARY = UNARY_FNS;
const BINARY = BINARY_FNS;

const INTERSECTING = INTERSECTING_OPS;

/** Candidate coordinates of one variable: every coordinate, none constrained (neutral), or a sorted list. */
const ALL = 'all' as const;
const NEUTRAL = 'neutral' as const;
type Candidates = typeof ALL | typeof NEUTRAL | Int32Array;
const EMPTY = new Int32Array(0);

/** Stored coordinates of one variable of an access, keyed by the coordinates of its bound modes. */
interface CoordIndex {
  boundModes: number[];
  index: Map<number, Int32Array>;
}

type Node =
  | { kind: 'access'; free: number; value: number; tensor: string; data: ElementIndex; varIds: number[]; cache: Map<number, CoordIndex> }
  | { kind: 'const'; free: number; value: number; c: number }
  | { kind: 'unary'; free: number; value: number; f: (x: number) => number; arg: Node }
  | { kind: 'binary'; free: number; value: number; op: BinaryOp; f: (a: number, b: number) => number; lhs: Node; rhs: Node }
  | { kind: 'reduce'; free: number; value: number; op: 'sum' | 'max'; varIds: number[]; arg: Node; memo: Map<string, [number, number]> };

function intersect(a: Int32Array, b: Int32Array): Int32Array {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] < b[j]) i++;
    else if (a[i] > b[j]) j++;
    else {
      out.push(a[i]);
      i++;
      j++;
    }
  }
  return Int32Array.from(out);
}

function union(a: Int32Array, b: Int32Array): Int32Array {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else if (i >= a.length || b[j] < a[i]) out.push(b[j++]);
    else {
      out.push(a[i]);
      i++;
      j++;
    }
  }
  return Int32Array.from(out);
}

/** Evaluates one statement of a verified program over the tensors in `env`. */
class StatementEvaluator {
  private readonly varIds = new Map<string, number>();
  private readonly extents: number[] = [];
  /** current coordinate of every index variable (valid for the variables in `bound`). */
  private point!: Int32Array;
  private bound = 0;
  private readonly root: Node;

  constructor(
    private readonly p: TensorProgram,
    private readonly s: Statement,
    private readonly env: Map<string, ElementIndex>,
  ) {
    this.root = this.compile(s.rhs);
    this.point = new Int32Array(this.extents.length);
  }

  private idOf(v: string, extent: number): number {
    let id = this.varIds.get(v);
    if (id === undefined) {
      id = this.extents.length;
      if (id >= 30) throw inputError(`statement ${this.s.name}: more than 30 index variables are not supported`);
      this.varIds.set(v, id);
      this.extents.push(extent);
    }
    return id;
  }

  private compile(e: Expr): Node {
    switch (e.kind) {
      case 'access': {
        const decl = this.p.tensors[e.tensor];
        const data = this.env.get(e.tensor);
        if (!data) throw inputError(`statement ${this.s.name}: no data for tensor ${e.tensor}`);
        const varIds = e.indices.map((v, m) => this.idOf(v, decl.shape[m]));
        const free = varIds.reduce((acc, id) => acc | (1 << id), 0);
        return { kind: 'access', free, value: 0, tensor: e.tensor, data, varIds, cache: new Map() };
      }
      case 'const':
        return { kind: 'const', free: 0, value: e.value, c: e.value };
      case 'unary': {
        const arg = this.compile(e.arg);
        return { kind: 'unary', free: arg.free, value: 0, f: UNARY[e.op], arg };
      }
      case 'binary': {
        const lhs = this.compile(e.lhs);
        const rhs = this.compile(e.rhs);
        return { kind: 'binary', free: lhs.free | rhs.free, value: 0, op: e.op, f: BINARY[e.op], lhs, rhs };
      }
      case 'reduce': {
        const arg = this.compile(e.arg);
        const varIds = e.indices.map((v) => this.varIds.get(v)!);
        const bits = varIds.reduce((acc, id) => acc | (1 << id), 0);
        return { kind: 'reduce', free: arg.free & ~bits, value: 0, op: e.op, varIds, arg, memo: new Map() };
      }
    }
  }

  /** Coordinates of variable `v` at which `n` could be present, given the variables bound so far. */
  private candidates(n: Node, v: number): Candidates {
    const bit = 1 << v;
    if ((n.free & bit) === 0) return NEUTRAL;
    switch (n.kind) {
      case 'const':
        return NEUTRAL;
      case 'unary':
      case 'reduce':
        return this.candidates(n.arg, v);
      case 'access':
        return n.data.allPresent ? ALL : this.storedCoords(n, v);
      case 'binary': {
        const a = this.candidates(n.lhs, v);
        const b = this.candidates(n.rhs, v);
        if (a === NEUTRAL) return b;
        if (b === NEUTRAL) return a;
        if (INTERSECTING.has(n.op)) {
          if (a === ALL) return b;
          if (b === ALL) return a;
          return intersect(a, b);
        }
        if (a === ALL || b === ALL) return ALL;
        return union(a, b);
      }
    }
  }

  /** Sorted coordinates of `v` among the stored elements that match the currently bound variables. */
  private storedCoords(n: Extract<Node, { kind: 'access' }>, v: number): Int32Array {
    const cacheKey = (this.bound & n.free) * 32 + v;
    let entry = n.cache.get(cacheKey);
    if (!entry) entry = this.buildCoordIndex(n, v);
    n.cache.set(cacheKey, entry);
    let key = 0;
    for (const m of entry.boundModes) key = key * n.data.shape[m] + this.point[n.varIds[m]];
    return entry.index.get(key) ?? EMPTY;
  }

  /**
   * Groups the stored elements of an access by the coordinates of its currently bound modes:
   * key (bound coordinates, row-major) -> sorted distinct coordinates of `v`. Built once per pattern.
   */
  private buildCoordIndex(n: Extract<Node, { kind: 'access' }>, v: number): CoordIndex {
    const boundModes = n.varIds.map((id, m) => ((this.bound >> id) & 1 ? m : -1)).filter((m) => m >= 0);
    const shape = n.data.shape;
    const { coords } = n.data.coo();
    const vMode = n.varIds.indexOf(v);
    const lists = new Map<number, number[]>();
    const count = coords.length > 0 ? coords[0].length : 0;
    for (let k = 0; k < count; k++) {
      // A repeated variable (A(i,i)) only matches elements whose coordinates agree.
      let consistent = true;
      for (let m = 0; m < n.varIds.length && consistent; m++) {
        const first = n.varIds.indexOf(n.varIds[m]);
        if (coords[m][k] !== coords[first][k]) consistent = false;
      }
      if (!consistent) continue;
      let key = 0;
      for (const m of boundModes) key = key * shape[m] + coords[m][k];
      let list = lists.get(key);
      if (!list) lists.set(key, (list = []));
      list.push(coords[vMode][k]);
    }
    const index = new Map<number, Int32Array>();
    for (const [key, list] of lists) index.set(key, Int32Array.from(new Set(list)).sort());
    return { boundModes, index };
  }

  /** Binds `vars[depth..]` to every candidate coordinate in turn and calls `visit` at each full point. */
  private enumerate(vars: number[], depth: number, scope: Node, visit: () => void): void {
    if (depth === vars.length) {
      visit();
      return;
    }
    const v = vars[depth];
    const c = this.candidates(scope, v);
    const saved = this.bound;
    this.bound |= 1 << v;
    if (c === ALL || c === NEUTRAL) {
      for (let x = 0; x < this.extents[v]; x++) {
        this.point[v] = x;
        this.enumerate(vars, depth + 1, scope, visit);
      }
    } else {
      for (let k = 0; k < c.length; k++) {
        this.point[v] = c[k];
        this.enumerate(vars, depth + 1, scope, visit);
      }
    }
    this.bound = saved;
  }

  /**
   * Evaluates `n` at the current point. Returns the mask of its free variables with respect to
   * which it is present and leaves its value in `n.value` (0 unless present for all of them).
   */
  private evaluate(n: Node): number {
    let mask: number;
    switch (n.kind) {
      case 'const':
        n.value = n.c;
        return 0;
      case 'access': {
        let lin = 0;
        const strides = n.data.strides;
        for (let m = 0; m < n.varIds.length; m++) lin += this.point[n.varIds[m]] * strides[m];
        const present = n.data.present(lin);
        n.value = present ? n.data.value(lin) : 0;
        return present ? n.free : 0;
      }
      case 'unary':
        mask = this.evaluate(n.arg);
        n.value = n.f(n.arg.value);
        break;
      case 'binary': {
        const ml = this.evaluate(n.lhs);
        const mr = this.evaluate(n.rhs);
        const both = n.lhs.free & n.rhs.free;
        const shared = INTERSECTING.has(n.op) ? ml & mr & both : (ml | mr) & both;
        mask = shared | (ml & ~n.rhs.free) | (mr & ~n.lhs.free);
        // An absent operand already carries the value 0 ("a missing operand of a union reads as 0").
        n.value = n.f(n.lhs.value, n.rhs.value);
        break;
      }
      case 'reduce':
        mask = this.evaluateReduce(n);
        break;
    }
    if (mask !== n.free) n.value = 0;
    return mask;
  }

  private evaluateReduce(n: Extract<Node, { kind: 'reduce' }>): number {
    const outerIds: number[] = [];
    for (let id = 0; id < this.extents.length; id++) if ((n.free >> id) & 1) outerIds.push(id);
    const key = outerIds.map((id) => this.point[id]).join(',');
    const hit = n.memo.get(key);
    if (hit) {
      n.value = hit[1];
      return hit[0];
    }
    const own = n.varIds.reduce((acc, id) => acc | (1 << id), 0);
    let mask = 0;
    let acc = n.op === 'sum' ? 0 : -Infinity;
    let any = false;
    const saved = this.bound;
    this.enumerate(n.varIds, 0, n.arg, () => {
      const m = this.evaluate(n.arg);
      // A reduction point takes part when its argument is present w.r.t. every reduced variable.
      if ((m & own) !== own) return;
      any = true;
      mask |= m & n.free;
      acc = n.op === 'sum' ? acc + n.arg.value : Math.max(acc, n.arg.value);
    });
    this.bound = saved;
    const value = any ? acc : 0;
    n.value = value;
    n.memo.set(key, [mask, value]);
    return mask;
  }

  /** Enumeration order: the variables of sparse operands in their storage order first. */
  private variableOrder(vars: string[]): number[] {
    const order: number[] = [];
    const add = (v: string): void => {
      const id = this.varIds.get(v)!;
      if (vars.includes(v) && !order.includes(id)) order.push(id);
    };
    const accesses: Array<Extract<Node, { kind: 'access' }>> = [];
    const walk = (n: Node): void => {
      if (n.kind === 'access') accesses.push(n);
      else if (n.kind === 'unary' || n.kind === 'reduce') walk(n.arg);
      else if (n.kind === 'binary') {
        walk(n.lhs);
        walk(n.rhs);
      }
    };
    walk(this.root);
    const names = [...this.varIds.keys()];
    for (const a of [...accesses.filter((x) => !x.data.allPresent), ...accesses.filter((x) => x.data.allPresent)]) {
      const fmt = this.p.tensors[a.tensor].format;
      for (const m of fmt.modeOrder) add(names[a.varIds[m]]);
    }
    for (const v of vars) add(v);
    return order;
  }

  /** Runs the statement, adding each present point's value into `out` at its output coordinates. */
  run(out: OutputAccumulator): void {
    const vars = statementVars(this.s);
    const order = this.variableOrder(vars);
    const decl = this.p.tensors[this.s.lhs.tensor];
    const strides = rowMajorStrides(decl.shape);
    const lhsIds = this.s.lhs.indices.map((v) => this.varIds.get(v)!);
    const full = this.root.free;
    this.bound = 0;
    this.enumerate(order, 0, this.root, () => {
      // A point takes part only if the root is present with respect to every index variable.
      if (this.evaluate(this.root) !== full) return;
      let lin = 0;
      for (let m = 0; m < lhsIds.length; m++) lin += this.point[lhsIds[m]] * strides[m];
      out.add(lin, this.root.value);
    });
  }
}

/** Output values by row-major linear index, with the set of present (stored) points. */
export interface OutputAccumulator {
  add(lin: number, value: number): void;
  /** present linear indices in increasing order, with their summed values. */
  entries(): { lins: Float64Array; vals: Float64Array };
  /** all values row-major (absent = 0), when kept densely. */
  dense?(): Float64Array;
}

/**
 * Outputs up to this many elements accumulate in flat arrays instead of a hash map (9 bytes per
 * element: 600 MB at the limit; DBLP's A·X, 29 M elements, took 74 CPU-s in the sharded map).
 */
const DENSE_OUTPUT_LIMIT = 1 << 26;

/** Exported for tests, which shrink the limits to exercise the hash-map path. */
export function outputAccumulator(size: number, denseLimit = DENSE_OUTPUT_LIMIT, shardLimit?: number): OutputAccumulator {
  if (size <= denseLimit) {
    const sum = new Float64Array(size);
    const present = new Uint8Array(size);
    return {
      add(lin, value) {
        sum[lin] += value;
        present[lin] = 1;
      },
      entries() {
        let n = 0;
        for (let k = 0; k < size; k++) n += present[k];
        const lins = new Float64Array(n);
        const vals = new Float64Array(n);
        let w = 0;
        for (let k = 0; k < size; k++) {
          if (!present[k]) continue;
          lins[w] = k;
          vals[w++] = sum[k];
        }
        return { lins, vals };
      },
      dense: () => sum,
    };
  }
  const map = new LinMap(shardLimit);
  return {
    add(lin, value) {
      map.add(lin, value);
    },
    entries() {
      const lins = map.sortedKeys();
      return { lins, vals: Float64Array.from(lins, (lin) => map.get(lin)!) };
    },
  };
}

function toTensor(shape: number[], format: TensorFormat, out: OutputAccumulator, name: string): SparseTensorData {
  const dense = out.dense?.();
  // Every element of an all-dense output is stored anyway.
  if (dense && isDenseFormat(format) && !format.blockShape) return fromDense(shape, dense, format, name);
  const strides = rowMajorStrides(shape);
  const { lins, vals } = out.entries();
  const coords = shape.map((_, m) => Int32Array.from(lins, (lin) => Math.floor(lin / strides[m]) % shape[m]));
  return fromCoo(shape, coords, vals, format, name);
}

function sameFormat(a: TensorFormat, b: TensorFormat): boolean {
  return formatName(a) === formatName(b);
}

/** Brings bound data into the declared format; stored elements of sparse data stay stored. */
function asDeclared(p: TensorProgram, name: string, t: SparseTensorData): SparseTensorData {
  const decl = p.tensors[name];
  if (t.shape.length !== decl.shape.length || t.shape.some((n, m) => n !== decl.shape[m])) {
    throw inputError(`program ${p.name}: data for ${name} has shape [${t.shape.join(',')}], but ${name} is declared [${decl.shape.join(',')}]`);
  }
  if (sameFormat(t.format, decl.format)) return t;
  return convert(t, decl.format, { keepZeros: !isDenseFormat(t.format) });
}

/**
 * Evaluates one statement given the tensors it reads (any format; presence comes from the
 * declared formats). Returns the written tensor in its declared format; present points are stored.
 */
export function evaluateStatement(p: TensorProgram, s: Statement, env: TensorBindings): SparseTensorData {
  const indexes = new Map<string, ElementIndex>();
  for (const r of readsOf(s)) {
    const t = env[r];
    if (!t) throw inputError(`statement ${s.name} (${printStatement(s)}): no data bound to tensor ${r}`);
    indexes.set(r, elementIndex(asDeclared(p, r, t)));
  }
  const decl = p.tensors[s.lhs.tensor];
  const out = outputAccumulator(decl.shape.reduce((a, b) => a * b, 1));
  new StatementEvaluator(p, s, indexes).run(out);
  return toTensor(decl.shape, decl.format, out, s.lhs.tensor);
}

/**
 * The reference semantics of a program: runs its statements in order on the bound inputs and
 * returns every tensor written (intermediates and outputs), each in its declared format.
 */
export function evaluateProgram(p: TensorProgram, inputs: TensorBindings): TensorBindings {
  verifyProgram(p);
  const env: TensorBindings = {};
  for (const t of Object.values(p.tensors)) {
    if (t.role !== 'input') continue;
    const data = inputs[t.name];
    if (!data) throw inputError(`program ${p.name}: no data bound to input tensor ${t.name}`);
    env[t.name] = asDeclared(p, t.name, data);
  }
  const written: TensorBindings = {};
  for (const s of p.statements) {
    const out = evaluateStatement(p, s, env);
    env[s.lhs.tensor] = out;
    written[s.lhs.tensor] = out;
  }
  return written;
}
