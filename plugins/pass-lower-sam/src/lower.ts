import { FuseFlowError } from '@fuseflow/kernel';
import {
  BINARY_FNS,
  effectiveGroups,
  enumerateLoopOrders,
  inlineGroup,
  UNARY_FNS,
  verifyDataflowGraph,
  type AluOp,
  type BinaryOp,
  type DataflowGraph,
  type DfTensorInfo,
  type Expr,
  type FusionGroup,
  type IndexVar,
  type NodeAttrs,
  type ReduceOp,
  type Statement,
  type TensorDecl,
  type TensorFormat,
  type TensorProgram,
  type UnaryOp,
} from '@fuseflow/ir';
import { LGraph, type H } from './lgraph';
import { SharedLGraph, type IntermediatesMode } from './share';

/** Options of the lowering (the pass plugin's options plus per-call overrides). */
export interface LowerOptions {
  /** use `locate` instead of co-iterating a dense level against a sparse one (reference 2.6). */
  locate?: boolean;
  /**
   * insert crd_drop nodes so that output coordinates whose fibers turned out empty are not written
   * (as SAM does after intersections). Values are exact either way.
   */
  exactPresence?: boolean;
  /** loop order (outermost first); default: the group's loopOrder, else the first valid order. */
  loopOrder?: IndexVar[];
  /** fusion group name (for messages and graph.group). */
  group?: string;
  /** parallel specs to apply (default: program.schedule.parallel entries for this group). */
  parallel?: Array<{ index: IndexVar; factor: number }>;
  /** block size (default: program.schedule.blocking.size). */
  blockSize?: number;
  /**
   * move products into sums (sum(k, a) * b -> sum(k, a * b)): 'auto' (default) only when the nested
   * form cannot be streamed in the loop order, 'always', or 'never'.
   */
  distribute?: 'auto' | 'always' | 'never';
  /** tensors blocked (default: schedule.blocking.tensors, else every tensor of the graph). */
  blockedTensors?: string[];
  /**
   * a value a fused group uses several times: 'share' (default) computes each identical stream
   * once and broadcasts it (see share.ts), 'recompute' emits one subgraph per use as inlined.
   * Default: the group's `intermediates`.
   */
  intermediates?: IntermediatesMode;
}

function fail(group: string, msg: string, suggestion?: string): never {
  throw new FuseFlowError('FF_INPUT_INVALID', `lower-sam: group '${group}': ${msg}`, suggestion ? { suggestion } : {});
}

/** A fused form the stream model cannot express in the chosen loop order (distribution may help). */
class StructureError extends FuseFlowError {}

function failStructure(group: string, msg: string, suggestion?: string): never {
  throw new StructureError('FF_INPUT_INVALID', `lower-sam: group '${group}': ${msg}`, suggestion ? { suggestion } : {});
}

// ---------------------------------------------------------------------------------------------
// Expression tree with lowering state.

interface Base {
  id: number;
  /** free index variables. */
  free: Set<IndexVar>;
  /** stream levels of this node's value (subset of the loop order, in loop order). */
  levels: IndexVar[];
  /** an inlined dense intermediate: present at every point (markDensePresence). */
  densePresence?: boolean;
}
interface AccessX extends Base {
  kind: 'access';
  tensor: string;
  indices: IndexVar[];
  decl: TensorDecl;
  /** index variable of each storage level, outermost first. */
  levelVars: IndexVar[];
  ref?: H;
  /** whether the current ref stream is all zeros (root, possibly repeated): locate is exact then. */
  zeroRef: boolean;
  /** the current ref stream came out of a union, so it may hold Empty refs (= empty fibers below). */
  refMayBeEmpty: boolean;
  scanned: number;
}
interface ConstX extends Base {
  kind: 'const';
  value: number;
}
interface UnaryX extends Base {
  kind: 'unary';
  op: UnaryOp;
  arg: X;
}
interface BinaryX extends Base {
  kind: 'binary';
  op: BinaryOp;
  lhs: X;
  rhs: X;
  /** block mode: the tile variables of both operands and of the result (see assignTiles). */
  tile?: TileSpec;
}

/**
 * Block mode: every value token is a dense row-major tile over some index variables (N per
 * variable; an input's tile is over its indices in mode order). A binary ALU gets `attrs.tile`
 * naming its operands' and its result's variables; a variable missing from `out` is summed inside
 * the tile (a tile matmul / matvec). `tile` is not in @fuseflow/ir's NodeAttrs yet; backend-rda-sim
 * reads it as plain data.
 */
interface TileSpec {
  a: IndexVar[];
  b: IndexVar[];
  out: IndexVar[];
}
interface ReduceX extends Base {
  kind: 'reduce';
  op: ReduceOp;
  K: IndexVar[];
  arg: X;
  /** loop position of the outermost reduced variable. */
  first: number;
  out?: Bundle;
  /** block mode: the body's tile variables and the kept ones, when it reduces inside the tiles. */
  tile?: TileSpec;
}
type X = AccessX | ConstX | UnaryX | BinaryX | ReduceX;

interface CrdInfo {
  h: H;
  /** fibers of this crd stream may be empty (drives crd_drop insertion). */
  mayEmpty: boolean;
  /**
   * a fiber under an existing parent coordinate may be empty (stricter than mayEmpty: a compressed
   * level stored under a compressed level of the same tensor never has empty fibers).
   */
  holes: boolean;
}

/** A value stream over `levels` with the crd stream of each level. */
interface Bundle {
  levels: IndexVar[];
  val?: H;
  constant?: number;
  crd: Map<IndexVar, CrdInfo>;
  /**
   * the value stream may hold reduce placeholders: `reduce` emits one value per stop token, and
   * an empty fiber above its innermost level (`[]`) has the same tokens as one coordinate over an
   * empty innermost fiber (`[[]]`), so it gets an Empty value the crd streams do not have.
   * Consumers that see a crd (spacc, joiners) or another operand (binary ALUs) drop it; the value
   * writer cannot, so `run` realigns the value against the innermost output crd first.
   */
  phantom?: boolean;
}

type Leaf = { kind: 'acc'; x: AccessX } | { kind: 'comp'; r: ReduceX };
type Part = { type: 'leaf'; leaf: Leaf } | { type: 'intersect' | 'union'; parts: Part[] };
interface Member {
  leaf: Leaf;
  payload: H;
  /** the payload passed a union (it may be Empty where the operand lacks the coordinate). */
  viaUnion: boolean;
}
interface Materialized {
  crd: H;
  members: Member[];
  mayEmpty: boolean;
  holes: boolean;
  /** a computed multi-level result that cannot be joined with anything else at this level. */
  rigid: boolean;
}

const UNARY_ALU: Record<UnaryOp, AluOp> = {
  exp: 'exp', relu: 'relu', neg: 'neg', sqrt: 'sqrt', rsqrt: 'rsqrt', log: 'log',
  sigmoid: 'sigmoid', tanh: 'tanh', abs: 'abs', square: 'square',
};
const UNION_OPS: ReadonlySet<BinaryOp> = new Set(['add', 'sub', 'max', 'min']);

function subset(a: Set<IndexVar>, b: Set<IndexVar>): boolean {
  for (const v of a) if (!b.has(v)) return false;
  return true;
}

/** Renames bound variables that shadow or repeat another variable's name: `k` -> `k_2`. */
function uniquifyBound(e: Expr, taken: Set<IndexVar>, aliases: Map<IndexVar, IndexVar[]>, rename: Map<IndexVar, IndexVar> = new Map()): Expr {
  switch (e.kind) {
    case 'access':
      return { ...e, indices: e.indices.map((v) => rename.get(v) ?? v) };
    case 'const':
      return e;
    case 'unary':
      return { ...e, arg: uniquifyBound(e.arg, taken, aliases, rename) };
    case 'binary':
      return { ...e, lhs: uniquifyBound(e.lhs, taken, aliases, rename), rhs: uniquifyBound(e.rhs, taken, aliases, rename) };
    case 'reduce': {
      const inner = new Map(rename);
      const indices = e.indices.map((v) => {
        let name = v;
        if (taken.has(v)) {
          let n = 2;
          while (taken.has(`${v}_${n}`)) n++;
          name = `${v}_${n}`;
          const list = aliases.get(v) ?? [];
          list.push(name);
          aliases.set(v, list);
        }
        taken.add(name);
        inner.set(v, name);
        return name;
      });
      return { ...e, indices, arg: uniquifyBound(e.arg, taken, aliases, inner) };
    }
  }
}

function foldConstants(e: Expr): Expr {
  switch (e.kind) {
    case 'access':
    case 'const':
      return e;
    case 'unary': {
      const a = foldConstants(e.arg);
      if (a.kind === 'const') {
        return { kind: 'const', value: UNARY_FNS[e.op](a.value) };
      }
      return { ...e, arg: a };
    }
    case 'binary': {
      const l = foldConstants(e.lhs);
      const r = foldConstants(e.rhs);
      if (l.kind === 'const' && r.kind === 'const') {
        return { kind: 'const', value: BINARY_FNS[e.op](l.value, r.value) };
      }
      return { ...e, lhs: l, rhs: r };
    }
    case 'reduce':
      return { ...e, arg: foldConstants(e.arg) };
  }
}

function exprVars(e: Expr, out: Set<IndexVar> = new Set()): Set<IndexVar> {
  if (e.kind === 'access') e.indices.forEach((v) => out.add(v));
  else if (e.kind === 'unary') exprVars(e.arg, out);
  else if (e.kind === 'binary') {
    exprVars(e.lhs, out);
    exprVars(e.rhs, out);
  } else if (e.kind === 'reduce') {
    e.indices.forEach((v) => out.add(v));
    exprVars(e.arg, out);
  }
  return out;
}

/**
 * Moves products and quotients into sums (sum(K, e) * f -> sum(K, e * f), f free of K) and merges
 * directly nested sums. Exact for presence (a product intersects) and equal in value up to rounding;
 * it recomputes f once per reduced point, which is what lets every loop order be streamed.
 */
export function distributeReductions(e: Expr): Expr {
  switch (e.kind) {
    case 'access':
    case 'const':
      return e;
    case 'unary':
      return { ...e, arg: distributeReductions(e.arg) };
    case 'reduce': {
      const arg = distributeReductions(e.arg);
      if (e.op === 'sum' && arg.kind === 'reduce' && arg.op === 'sum') return { ...e, indices: [...e.indices, ...arg.indices], arg: arg.arg };
      return { ...e, arg };
    }
    case 'binary': {
      const lhs = distributeReductions(e.lhs);
      const rhs = distributeReductions(e.rhs);
      if (e.op === 'mul' || e.op === 'div') {
        if (lhs.kind === 'reduce' && lhs.op === 'sum') {
          return distributeReductions({ kind: 'reduce', op: 'sum', indices: lhs.indices, arg: { kind: 'binary', op: e.op, lhs: lhs.arg, rhs } });
        }
        if (e.op === 'mul' && rhs.kind === 'reduce' && rhs.op === 'sum') {
          return distributeReductions({ kind: 'reduce', op: 'sum', indices: rhs.indices, arg: { kind: 'binary', op: 'mul', lhs, rhs: rhs.arg } });
        }
      }
      return { ...e, lhs, rhs };
    }
  }
}

/** The statement in the form the lowering works on: bound variables unique, constants folded. */
export interface NormalizedStatement {
  stmt: Statement;
  /** original name -> renamed copies of a bound variable that shadowed it. */
  aliases: Map<IndexVar, IndexVar[]>;
}

/** Makes every reduce-bound variable name unique and folds constant subexpressions. */
export function normalizeStatement(stmt: Statement): NormalizedStatement {
  const aliases = new Map<IndexVar, IndexVar[]>();
  const taken = new Set<IndexVar>([...stmt.lhs.indices]);
  // free variables of the right-hand side are taken first so that a nested sum(j, ..) under a free j is renamed.
  const collectFree = (e: Expr, bound: Set<IndexVar>): void => {
    if (e.kind === 'access') e.indices.forEach((v) => !bound.has(v) && taken.add(v));
    else if (e.kind === 'unary') collectFree(e.arg, bound);
    else if (e.kind === 'binary') {
      collectFree(e.lhs, bound);
      collectFree(e.rhs, bound);
    } else if (e.kind === 'reduce') collectFree(e.arg, new Set([...bound, ...e.indices]));
  };
  collectFree(stmt.rhs, new Set());
  const rhs = foldConstants(uniquifyBound(stmt.rhs, taken, aliases));
  return { stmt: { ...stmt, rhs }, aliases };
}

// ---------------------------------------------------------------------------------------------

/** Index variables of a normalized statement in the order D's loop-order enumeration uses. */
function allVars(stmt: Statement): IndexVar[] {
  const out: IndexVar[] = [...stmt.lhs.indices];
  for (const v of exprVars(stmt.rhs)) if (!out.includes(v)) out.push(v);
  return out;
}

/** Expands a user loop order over original names to the normalized statement's variables. */
function expandOrder(order: IndexVar[], norm: NormalizedStatement, group: string): IndexVar[] {
  const vars = allVars(norm.stmt);
  const out: IndexVar[] = [];
  for (const v of order) {
    if (vars.includes(v) && !out.includes(v)) out.push(v);
    for (const a of norm.aliases.get(v) ?? []) if (!out.includes(a)) out.push(a);
  }
  const unknown = order.filter((v) => !vars.includes(v) && !norm.aliases.has(v));
  if (unknown.length > 0) fail(group, `loop order [${order.join(',')}] names unknown index variable(s) ${unknown.join(', ')}; the statement's variables are ${vars.join(', ')}`);
  const missing = vars.filter((v) => !out.includes(v));
  if (missing.length > 0) fail(group, `loop order [${order.join(',')}] misses index variable(s) ${missing.join(', ')}`);
  return out;
}

class StatementLowering {
  readonly g: LGraph;
  private nextId = 1;
  private readonly pos = new Map<IndexVar, number>();
  private readonly domainCrd = new Map<string, CrdInfo>();
  /** sources of the writer-level domains (for parallelization): level -> streams at that level. */
  readonly writerSources = new Map<IndexVar, H[]>();
  private readonly writer: ConstX;
  readonly outLevels: IndexVar[];
  private readonly root: X;
  private readonly blocked: boolean;

  constructor(
    private readonly stmt: Statement,
    private readonly program: TensorProgram,
    readonly order: IndexVar[],
    private readonly opts: Required<Pick<LowerOptions, 'locate' | 'exactPresence'>> & { group: string; blockSize?: number; formats: Record<string, TensorFormat>; intermediates?: IntermediatesMode },
  ) {
    this.g = opts.intermediates === 'recompute' ? new LGraph() : new SharedLGraph();
    order.forEach((v, i) => this.pos.set(v, i));
    this.blocked = opts.blockSize !== undefined;
    const rhsFree = new Set<IndexVar>();
    const collect = (e: Expr, bound: Set<IndexVar>): void => {
      if (e.kind === 'access') e.indices.forEach((v) => !bound.has(v) && rhsFree.add(v));
      else if (e.kind === 'unary') collect(e.arg, bound);
      else if (e.kind === 'binary') {
        collect(e.lhs, bound);
        collect(e.rhs, bound);
      } else if (e.kind === 'reduce') collect(e.arg, new Set([...bound, ...e.indices]));
    };
    collect(stmt.rhs, new Set());
    const lhs = stmt.lhs.indices;
    if (new Set(lhs).size !== lhs.length) fail(opts.group, `output ${stmt.lhs.tensor}(${lhs.join(',')}) repeats an index variable`);
    for (const v of lhs) {
      if (!rhsFree.has(v)) fail(opts.group, `output index '${v}' of ${stmt.lhs.tensor} does not appear on the right-hand side (broadcasting an output is not supported)`);
    }
    const sums = [...rhsFree].filter((v) => !lhs.includes(v));
    let rhs: Expr = stmt.rhs;
    if (sums.length > 0) rhs = { kind: 'reduce', op: 'sum', indices: sums, arg: rhs };
    if (this.blocked) rhs = reassociateForTiles(rhs, new Set());
    this.root = this.build(rhs);
    if (this.root.kind === 'const') fail(opts.group, `the right-hand side is a constant (${this.root.value}); nothing to stream`);
    if (this.blocked) {
      const t = this.assignTiles(this.root, new Set(), lhs);
      if (t.join() !== lhs.join()) {
        fail(
          opts.group,
          `block mode: the value tiles of ${stmt.lhs.tensor}(${lhs.join(',')}) come out over (${t.join(',')}), but ${stmt.lhs.tensor} stores its tiles over (${lhs.join(',')})`,
          'only a binary operation can reorder a tile; compute the value without blocking or change the output index order',
        );
      }
    }
    this.outLevels = this.sortByPos(lhs);
    this.writer = { kind: 'const', id: 0, free: new Set(lhs), levels: this.outLevels, value: 0 };
    this.assignLevels(this.root, this.outLevels);
  }

  private sortByPos(vs: Iterable<IndexVar>): IndexVar[] {
    return [...vs].sort((a, b) => this.pos.get(a)! - this.pos.get(b)!);
  }

  /**
   * Block mode: the tile variables of `n`'s value, setting BinaryX.tile. `contractible` = variables a
   * product may sum inside its tile: those of the enclosing sum reduction that no other factor of
   * the product chain uses (sum_k f*g = (sum_k f)*g when g does not use k). `want` = the order the
   * consumer needs (the output's mode order at the root).
   */
  private assignTiles(n: X, contractible: Set<IndexVar>, want?: IndexVar[]): IndexVar[] {
    switch (n.kind) {
      case 'const':
        return [];
      case 'access':
        return [...n.indices];
      case 'unary':
        return this.assignTiles(n.arg, new Set(), want);
      case 'binary': {
        const mul = n.op === 'mul';
        const ctx = (other: X): Set<IndexVar> => (mul ? new Set([...contractible].filter((v) => !other.free.has(v))) : new Set());
        const a = this.assignTiles(n.lhs, ctx(n.rhs));
        const b = this.assignTiles(n.rhs, ctx(n.lhs));
        const kept = [...new Set([...a, ...b])].filter((v) => !(mul && contractible.has(v)));
        const out = want && want.length === kept.length && want.every((v) => kept.includes(v)) ? [...want] : kept;
        n.tile = { a, b, out };
        return out;
      }
      case 'reduce': {
        const t = this.assignTiles(n.arg, n.op === 'sum' ? new Set(n.K) : new Set(), want);
        const inside = t.filter((v) => n.K.includes(v));
        if (inside.length === 0) return t;
        // a row max / row sum of a blocked softmax: the reduce folds each tile over these
        // variables, then combines the fiber's tiles (the reference's ADDSUM block reduce)
        const kept = t.filter((v) => !n.K.includes(v));
        n.tile = { a: t, b: [], out: kept };
        return kept;
      }
    }
  }

  private build(e: Expr): X {
    const x = this.buildNode(e);
    if ((e as Marked)[DENSE_PRESENCE]) x.densePresence = true;
    return x;
  }

  private buildNode(e: Expr): X {
    const id = this.nextId++;
    switch (e.kind) {
      case 'const':
        return { kind: 'const', id, free: new Set(), levels: [], value: e.value };
      case 'access': {
        const decl = this.program.tensors[e.tensor];
        if (!decl) fail(this.opts.group, `tensor '${e.tensor}' is not declared`);
        const fmt = this.opts.formats[e.tensor] ?? decl.format;
        if (fmt.modeOrder.length !== e.indices.length) {
          fail(this.opts.group, `'${e.tensor}' has ${fmt.modeOrder.length} modes but is accessed as ${e.tensor}(${e.indices.join(',')})`);
        }
        if (new Set(e.indices).size !== e.indices.length) fail(this.opts.group, `access ${e.tensor}(${e.indices.join(',')}) repeats an index variable (diagonals are not supported)`);
        const levelVars = fmt.modeOrder.map((m) => e.indices[m]);
        for (let l = 0; l + 1 < levelVars.length; l++) {
          if (this.pos.get(levelVars[l])! > this.pos.get(levelVars[l + 1])!) {
            fail(
              this.opts.group,
              `loop order [${this.order.join(',')}] visits '${levelVars[l + 1]}' before '${levelVars[l]}', but ${e.tensor}(${e.indices.join(',')}) stores level ${l} ('${levelVars[l]}') above level ${l + 1}`,
              `choose a loop order with ${levelVars.join(' before ')}, or store ${e.tensor} in another mode order`,
            );
          }
        }
        return { kind: 'access', id, free: new Set(e.indices), levels: [], tensor: e.tensor, indices: [...e.indices], decl: { ...decl, format: fmt }, levelVars, zeroRef: true, refMayBeEmpty: false, scanned: 0 };
      }
      case 'unary': {
        const arg = this.build(e.arg);
        return { kind: 'unary', id, free: new Set(arg.free), levels: [], op: e.op, arg };
      }
      case 'binary': {
        const lhs = this.build(e.lhs);
        const rhs = this.build(e.rhs);
        if (UNION_OPS.has(e.op) && lhs.kind !== 'const' && rhs.kind !== 'const' && !subset(lhs.free, rhs.free) && !subset(rhs.free, lhs.free)) {
          // The reference tracks presence per index variable; with incomparable index sets a
          // half-present sum can still make its parent present, which a value/Empty stream cannot carry.
          fail(
            this.opts.group,
            `'${e.op}' of operands with incomparable index sets (${[...lhs.free].join(',')} vs ${[...rhs.free].join(',')}) has per-index presence that SAM streams cannot represent`,
            'broadcast one operand explicitly (e.g. multiply by a dense all-ones tensor) or split the statement',
          );
        }
        return { kind: 'binary', id, free: new Set([...lhs.free, ...rhs.free]), levels: [], op: e.op, lhs, rhs };
      }
      case 'reduce': {
        const arg = this.build(e.arg);
        const K = e.indices.filter((v) => arg.free.has(v));
        const unused = e.indices.filter((v) => !arg.free.has(v));
        if (unused.length > 0) fail(this.opts.group, `reduction over '${unused.join(',')}' does not use that index`);
        const free = new Set([...arg.free].filter((v) => !K.includes(v)));
        const first = Math.min(...K.map((v) => this.pos.get(v)!));
        return { kind: 'reduce', id, free, levels: [], op: e.op, K, arg, first };
      }
    }
  }

  /** Assigns stream levels top-down (see README: a reduction is recomputed inside every loop above its first reduced index). */
  private assignLevels(n: X, P: IndexVar[]): void {
    switch (n.kind) {
      case 'const':
      case 'access':
        n.levels = P;
        return;
      case 'unary':
        n.levels = P;
        this.assignLevels(n.arg, P);
        return;
      case 'binary':
        n.levels = P;
        this.assignLevels(n.lhs, P);
        this.assignLevels(n.rhs, P);
        return;
      case 'reduce': {
        const mx = Math.max(-1, ...[...n.free].map((v) => this.pos.get(v)!));
        for (const v of P) {
          if (n.free.has(v)) continue;
          const p = this.pos.get(v)!;
          if (p > n.first && p < mx) {
            const inner = [...n.free].filter((w) => this.pos.get(w)! > p);
            failStructure(
              this.opts.group,
              `loop order [${this.order.join(',')}] puts '${v}' inside the reduction over '${n.K.join(',')}' but above '${inner.join(',')}' of the reduced expression, which does not use '${v}': the reduced stream cannot be re-nested`,
              `move '${v}' above '${this.order[n.first]}' or below '${inner.join(',')}'`,
            );
          }
        }
        n.levels = P.filter((v) => n.free.has(v) || this.pos.get(v)! < n.first);
        this.assignLevels(n.arg, this.sortByPos([...n.levels, ...n.K]));
        return;
      }
    }
  }

  private crdOf(n: X | ConstX, v: IndexVar): CrdInfo {
    const c = this.domainCrd.get(`${n.id}|${v}`);
    if (!c) throw new Error(`internal: no crd for node ${n.id} at level ${v}`);
    return c;
  }

  private depthOf(levels: IndexVar[], v: IndexVar): number {
    return levels.indexOf(v) + 1;
  }

  // --- iteration -----------------------------------------------------------------------------

  /** Builds the joint iteration of level `v` for the domain rooted at `top`. */
  private processLevel(top: X | ConstX, v: IndexVar): void {
    const nodes: Array<X | ConstX> = [];
    const neutral: AccessX[] = [];
    const visit = (n: X | ConstX): Part | null => {
      nodes.push(n);
      switch (n.kind) {
        case 'access':
          if (n.levelVars.includes(v)) return { type: 'leaf', leaf: { kind: 'acc', x: n } };
          neutral.push(n);
          return null;
        case 'const':
          if (n === this.writer) return visit(this.root);
          return null;
        case 'unary':
          return n.arg.levels.includes(v) ? visit(n.arg) : null;
        case 'binary': {
          const a = n.lhs.levels.includes(v) ? visit(n.lhs) : null;
          const b = n.rhs.levels.includes(v) ? visit(n.rhs) : null;
          let t: 'intersect' | 'union' = 'intersect';
          if (UNION_OPS.has(n.op)) t = this.unionPolicy(n) === 'intersect' ? 'intersect' : 'union';
          return this.combine(a, b, t);
        }
        case 'reduce':
          if (this.pos.get(v)! < n.first) return visit(n.arg);
          this.lowerReduce(n);
          return { type: 'leaf', leaf: { kind: 'comp', r: n } };
      }
    };
    const part = visit(top);
    if (!part) throw new Error(`internal: level ${v} has no operand`);
    const depth = this.depthOf(top.levels, v);
    const m = this.materialize(part, v, depth);
    if (m.rigid && part.type !== 'leaf') failStructure(this.opts.group, `level '${v}': a fused reduction's multi-level result cannot be co-iterated with other operands`);
    for (const mem of m.members) {
      if (mem.leaf.kind === 'acc') {
        mem.leaf.x.ref = mem.payload;
        mem.leaf.x.refMayBeEmpty = mem.viaUnion;
      } else mem.leaf.r.out!.val = mem.payload;
    }
    const sources: H[] = [m.crd, ...m.members.map((x) => x.payload)];
    for (const a of neutral) {
      a.ref = this.repeat(a.ref ?? this.rootRef(a), m.crd, `${a.tensor}`, v, depth);
      sources.push(a.ref);
    }
    const info: CrdInfo = { h: m.crd, mayEmpty: m.mayEmpty, holes: m.holes };
    for (const n of nodes) this.domainCrd.set(`${n.id}|${v}`, info);
    if (top === this.writer) this.writerSources.set(v, sources);
  }

  private repeat(input: H, crd: H, what: string, v: IndexVar, depth: number): H {
    const sig = this.g.add('repsig', `repsig_${v}`, { index: v }, { crd }, { repsig: { kind: 'repsig', depth } });
    const kind = this.g.info(input).kind;
    const r = this.g.add('repeat', `repeat_${what}_${v}`, { index: v }, { in: input, repsig: { node: sig, port: 'repsig' } }, { out: { kind, depth } });
    return { node: r, port: 'out' };
  }

  private unionPolicy(n: BinaryX): 'union' | 'intersect' | 'left' | 'right' {
    // Reference semantics: an operand without some variable is neutral for it, so the presence of
    // the other operand alone decides; with incomparable variable sets both must be present.
    const a = n.lhs.free;
    const b = n.rhs.free;
    if (subset(a, b) && subset(b, a)) return 'union';
    // a dense intermediate stores every point, so it is present where its own sum had no term
    if (subset(b, a)) return n.lhs.densePresence ? 'union' : 'left';
    if (subset(a, b)) return n.rhs.densePresence ? 'union' : 'right';
    return 'intersect';
  }

  private combine(a: Part | null, b: Part | null, t: 'intersect' | 'union'): Part | null {
    if (!a) return b;
    if (!b) return a;
    const parts = [...(a.type === t ? a.parts : [a]), ...(b.type === t ? b.parts : [b])];
    return { type: t, parts };
  }

  private scan(x: AccessX, v: IndexVar, depth: number): Materialized {
    const level = x.levelVars.indexOf(v);
    // A singleton level (COO) scans like a compressed one: the scanner above it emits each
    // coordinate once with its run's first position, and the singleton scanner walks the run.
    const format = x.decl.format.levels[level] === 'dense' ? 'dense' : 'compressed';
    if (!x.ref) x.ref = this.rootRef(x);
    const id = this.g.add(
      'level_scan',
      `scan_${x.tensor}_${v}`,
      { tensor: x.tensor, level, mode: x.decl.format.modeOrder[level], format, index: v },
      { ref: x.ref },
      { ref: { kind: 'ref', depth }, crd: { kind: 'crd', depth } },
    );
    // a stored compressed fiber under a compressed parent level is never empty, unless the parent
    // ref is an absent operand's Empty ref (after a union).
    const parentCompressed = level > 0 && x.decl.format.levels[level - 1] !== 'dense';
    const holes = format === 'compressed' && !(parentCompressed && !x.refMayBeEmpty);
    x.zeroRef = false;
    x.refMayBeEmpty = false;
    x.scanned++;
    return { crd: { node: id, port: 'crd' }, members: [{ leaf: { kind: 'acc', x }, payload: { node: id, port: 'ref' }, viaUnion: false }], mayEmpty: format === 'compressed', holes, rigid: false };
  }

  private rootRef(x: AccessX): H {
    const args = ['root', `root_${x.tensor}`, { tensor: x.tensor }, {}, { ref: { kind: 'ref', depth: 0 } }] as const;
    // Copies of one access share their root; reads of a tensor along the outermost loop and along
    // another index do not (rda-sim's sampler slices the rows of the former only).
    const id = this.g instanceof SharedLGraph ? this.g.addSalted(x.levelVars[0] === this.order[0] ? 'outer' : 'inner', ...args) : this.g.add(...args);
    return { node: id, port: 'ref' };
  }

  private materialize(p: Part, v: IndexVar, depth: number): Materialized {
    if (p.type === 'leaf') {
      if (p.leaf.kind === 'acc') return this.scan(p.leaf.x, v, depth);
      const r = p.leaf.r;
      const out = r.out!;
      const c = out.crd.get(v)!;
      const last = out.levels[out.levels.length - 1] === v;
      return { crd: c.h, members: last ? [{ leaf: p.leaf, payload: out.val!, viaUnion: false }] : [], mayEmpty: true, holes: true, rigid: !last };
    }
    let parts = p.parts;
    const located: AccessX[] = [];
    if (p.type === 'intersect' && this.opts.locate) {
      const isLocatable = (q: Part): boolean =>
        q.type === 'leaf' && q.leaf.kind === 'acc' && q.leaf.x.zeroRef && q.leaf.x.decl.format.levels[q.leaf.x.levelVars.indexOf(v)] === 'dense';
      const dense = parts.filter(isLocatable);
      const others = parts.filter((q) => !isLocatable(q));
      if (dense.length > 0 && others.length > 0) {
        located.push(...dense.map((q) => (q as { leaf: { x: AccessX } }).leaf.x));
        parts = others;
      }
    }
    let res = this.join(p.type, parts.map((q) => this.materialize(q, v, depth)), v, depth);
    if (located.length > 0 && !res.members.some((m) => this.g.info(m.payload).kind === 'ref')) {
      // no sparse ref stream to locate against (only computed values): co-iterate after all.
      res = this.join('intersect', [res, ...located.map((d) => this.scan(d, v, depth))], v, depth);
      located.length = 0;
    }
    for (const d of located) {
      // iterate the sparse side and random-access the dense level (its parent ref is 0, so ref = crd).
      const anchor = res.members.find((m) => this.g.info(m.payload).kind === 'ref')!;
      const id = this.g.add(
        'locate',
        `locate_${d.tensor}_${v}`,
        { tensor: d.tensor, level: d.levelVars.indexOf(v), mode: d.decl.format.modeOrder[d.levelVars.indexOf(v)], index: v },
        { crd: res.crd, ref: anchor.payload },
        { ref1: { kind: 'ref', depth }, ref2: { kind: this.g.info(anchor.payload).kind, depth }, crd: { kind: 'crd', depth } },
      );
      anchor.payload = { node: id, port: 'ref2' };
      d.zeroRef = false;
      d.scanned++;
      res = { crd: { node: id, port: 'crd' }, members: [...res.members, { leaf: { kind: 'acc', x: d }, payload: { node: id, port: 'ref1' }, viaUnion: false }], mayEmpty: res.mayEmpty, holes: res.holes, rigid: false };
    }
    return res;
  }

  private join(type: 'intersect' | 'union', ms: Materialized[], v: IndexVar, depth: number): Materialized {
    if (ms.some((m) => m.rigid) && ms.length > 1) failStructure(this.opts.group, `level '${v}': a fused reduction's multi-level result cannot be co-iterated with other operands`);
    if (ms.length === 1) return ms[0];
    const inputs: Record<string, H> = {};
    const outs: Record<string, { kind: 'crd' | 'ref' | 'val'; depth: number }> = { crd: { kind: 'crd', depth } };
    const members: Member[] = [];
    let k = 0;
    // Copies of one operand (the uses of a shared intermediate) arrive with the very same crd and
    // payload streams: they enter once and share the output port (A ∪ A = A ∩ A = A), so that
    // everything below the joiner stays identical and merges too.
    const sharedPort = new Map<string, string>();
    for (const m of ms) {
      for (const mem of m.members) {
        const key = `${m.crd.node}.${m.crd.port}|${mem.payload.node}.${mem.payload.port}`;
        const dup = this.g instanceof SharedLGraph ? sharedPort.get(key) : undefined;
        if (dup !== undefined) {
          members.push({ leaf: mem.leaf, payload: { node: -1, port: dup }, viaUnion: mem.viaUnion || type === 'union' });
          continue;
        }
        sharedPort.set(key, `ref${k}`);
        inputs[`crd${k}`] = m.crd;
        inputs[`ref${k}`] = mem.payload;
        outs[`ref${k}`] = { kind: this.g.info(mem.payload).kind as 'ref' | 'val', depth };
        members.push({ leaf: mem.leaf, payload: { node: -1, port: `ref${k}` }, viaUnion: mem.viaUnion || type === 'union' });
        k++;
      }
    }
    if (k === 1 && ms.every((m) => m.members.length > 0)) {
      // every operand was a copy of the same one: no joiner needed
      const only = ms[0];
      const first = only.members[0];
      return { crd: only.crd, members: members.map((mem) => ({ leaf: mem.leaf, payload: first.payload, viaUnion: first.viaUnion })), mayEmpty: only.mayEmpty, holes: only.holes, rigid: false };
    }
    const id = this.g.add(type, `${type}_${v}`, { index: v, arity: k }, inputs, outs);
    for (const mem of members) mem.payload = { node: id, port: mem.payload.port };
    const mayEmpty = type === 'intersect' ? ms.some((m) => m.mayEmpty) : ms.every((m) => m.mayEmpty);
    // an intersection of non-empty fibers can still be empty
    const holes = type === 'intersect' ? true : ms.every((m) => m.holes);
    return { crd: { node: id, port: 'crd' }, members, mayEmpty, holes, rigid: false };
  }

  private processRegion(top: X | ConstX, levels: IndexVar[]): void {
    for (const v of levels) this.processLevel(top, v);
  }

  // --- values --------------------------------------------------------------------------------

  private lowerReduce(r: ReduceX): void {
    if (r.out) return;
    const bodyLevels = r.arg.levels;
    this.processRegion(r.arg, bodyLevels.filter((v) => this.pos.get(v)! >= r.first));
    const b = this.valueOf(r.arg);
    if (b.constant !== undefined) throw new Error('internal: constant reduction body');
    let val = b.val!;
    const cur = [...b.levels];
    const crd = new Map(b.crd);
    let lastReduce = false;
    let inTile = this.blocked ? r.tile : undefined;
    for (const k of this.sortByPos(r.K).reverse()) {
      const idx = cur.indexOf(k);
      const below = cur.length - 1 - idx;
      const depth = cur.length - 1;
      const attrs: NodeAttrs = { index: k, reduce: r.op };
      // the first primitive folds the tiles; the later ones see already folded tiles
      if (inTile) {
        if (below !== 0) {
          failStructure(
            this.opts.group,
            `block mode: ${r.op}(${r.K.join(',')}) reduces inside its tiles (${inTile.a.join(',')} -> ${inTile.out.join(',')}) with '${cur.slice(idx + 1).join(',')}' kept below '${k}'; only the reduce primitive (reduced index innermost) folds tiles`,
            `choose a loop order with '${k}' innermost in the reduction's body`,
          );
        }
        attrs.tile = inTile;
        inTile = undefined;
      }
      lastReduce = below === 0;
      if (below === 0) {
        const id = this.g.add('reduce', `reduce_${k}`, attrs, { in: val }, { out: { kind: 'val', depth } });
        val = { node: id, port: 'out' };
      } else if (below === 1) {
        const inner = cur[idx + 1];
        const id = this.g.add('spacc1', `spacc1_${k}`, attrs, { inner_crd: crd.get(inner)!.h, outer_crd: crd.get(k)!.h, val }, { inner_crd: { kind: 'crd', depth }, val: { kind: 'val', depth } });
        crd.set(inner, { h: { node: id, port: 'inner_crd' }, mayEmpty: true, holes: true });
        val = { node: id, port: 'val' };
      } else if (below === 2) {
        const c0 = cur[idx + 2];
        const c1 = cur[idx + 1];
        const id = this.g.add(
          'spacc2',
          `spacc2_${k}`,
          attrs,
          { crd0: crd.get(c0)!.h, crd1: crd.get(c1)!.h, outer_crd: crd.get(k)!.h, val },
          { crd0: { kind: 'crd', depth }, crd1: { kind: 'crd', depth: depth - 1 }, val: { kind: 'val', depth } },
        );
        crd.set(c0, { h: { node: id, port: 'crd0' }, mayEmpty: true, holes: true });
        crd.set(c1, { h: { node: id, port: 'crd1' }, mayEmpty: true, holes: true });
        val = { node: id, port: 'val' };
      } else {
        failStructure(
          this.opts.group,
          `reducing '${k}' with ${below} kept levels below it (${cur.slice(idx + 1).join(',')}) needs a sparse accumulator of order ${below}; only spacc1/spacc2 exist`,
          `choose a loop order with '${k}' at most two levels above the innermost kept index`,
        );
      }
      cur.splice(idx, 1);
      crd.delete(k);
    }
    if (cur.join(',') !== r.levels.join(',')) throw new Error(`internal: reduction levels ${cur.join(',')} != ${r.levels.join(',')}`);
    // placeholders need an empty fiber below an existing coordinate (a wholly empty stream is
    // handled by the writers' assembler); a spacc's output is driven by its crds and has none.
    const phantom = lastReduce && cur.slice(1).some((v) => crd.get(v)!.holes);
    r.out = { levels: cur, val, crd, phantom };
  }

  private extend(b: Bundle, owner: X | ConstX): Bundle {
    if (b.constant !== undefined) return b;
    const target = owner.levels;
    if (b.levels.length === target.length) return b;
    let val = b.val!;
    const crd = new Map(b.crd);
    const maxPos = Math.max(-1, ...b.levels.map((v) => this.pos.get(v)!));
    for (const v of target) {
      if (b.levels.includes(v)) continue;
      if (this.pos.get(v)! < maxPos) throw new Error(`internal: cannot insert level ${v} above ${b.levels.join(',')}`);
      const c = this.crdOf(owner, v);
      val = this.repeat(val, c.h, 'val', v, this.depthOf(target, v));
      crd.set(v, c);
    }
    // no `phantom`: a repeat consumes a placeholder with the stop after it, as it would the stop alone
    return { levels: target, val, crd };
  }

  private valueOf(n: X): Bundle {
    const crdMap = (): Map<IndexVar, CrdInfo> => new Map(n.levels.map((v) => [v, this.crdOf(n, v)]));
    switch (n.kind) {
      case 'const':
        return { levels: [], constant: n.value, crd: new Map() };
      case 'access': {
        const depth = n.levels.length;
        const id = this.g.add('array', `array_${n.tensor}`, { tensor: n.tensor }, { ref: n.ref ?? this.rootRef(n) }, { val: { kind: 'val', depth } });
        return { levels: n.levels, val: { node: id, port: 'val' }, crd: crdMap() };
      }
      case 'unary': {
        const a = this.extend(this.valueOf(n.arg), n);
        const id = this.alu(UNARY_ALU[n.op], { a: a.val! }, n.levels.length);
        return { levels: n.levels, val: id, crd: crdMap(), phantom: a.phantom };
      }
      case 'binary': {
        const a = this.extend(this.valueOf(n.lhs), n);
        const b = this.extend(this.valueOf(n.rhs), n);
        const depth = n.levels.length;
        if (a.constant !== undefined || b.constant !== undefined) {
          return { levels: n.levels, val: this.scalarOp(n.op, a, b, depth), crd: crdMap(), phantom: a.phantom || b.phantom };
        }
        const attrs: NodeAttrs = { empty: n.op === 'mul' || n.op === 'div' ? 'intersect' : this.unionPolicy(n) };
        if (this.blocked && n.tile) {
          attrs.tile = n.tile;
          // timing: a product that sums inside its tiles runs as a tile matmul
          if (n.op === 'mul' && [...n.tile.a, ...n.tile.b].some((v) => !n.tile!.out.includes(v))) attrs.matmul = true;
        }
        const id = this.alu(n.op, { a: a.val!, b: b.val! }, depth, attrs);
        // the ALU drops a placeholder facing the other operand's stop; two placeholders pass
        return { levels: n.levels, val: id, crd: crdMap(), phantom: a.phantom === true && b.phantom === true };
      }
      case 'reduce':
        this.lowerReduce(n);
        return { ...n.out!, crd: new Map(n.levels.map((v) => [v, this.crdOf(n, v)])) };
    }
  }

  private alu(op: AluOp, inputs: Record<string, H>, depth: number, attrs: NodeAttrs = {}, scalar?: number): H {
    const id = this.g.add('alu', scalar !== undefined ? `alu_${op}_${scalar}` : `alu_${op}`, { alu: op, ...(scalar !== undefined ? { scalar } : {}), ...attrs }, inputs, { out: { kind: 'val', depth } });
    return { node: id, port: 'out' };
  }

  private scalarOp(op: BinaryOp, a: Bundle, b: Bundle, depth: number): H {
    const constLeft = a.constant !== undefined;
    const c = constLeft ? a.constant! : b.constant!;
    const x = constLeft ? b.val! : a.val!;
    switch (op) {
      case 'add':
        return this.alu('scalar_add', { a: x }, depth, {}, c);
      case 'mul':
        return this.alu('scalar_mul', { a: x }, depth, {}, c);
      case 'sub':
        return constLeft ? this.alu('scalar_rsub', { a: x }, depth, {}, c) : this.alu('scalar_add', { a: x }, depth, {}, -c);
      case 'div':
        return constLeft ? this.alu('scalar_rdiv', { a: x }, depth, {}, c) : this.alu('scalar_div', { a: x }, depth, {}, c);
      case 'max':
        return this.alu('scalar_max', { a: x }, depth, {}, c);
      case 'min': {
        // min(x, c) = -max(-x, -c)
        const neg = this.alu('neg', { a: x }, depth);
        return this.alu('neg', { a: this.alu('scalar_max', { a: neg }, depth, {}, -c) }, depth);
      }
    }
  }

  // --- writers -------------------------------------------------------------------------------

  /** Builds the whole statement graph (logical form). */
  run(): void {
    this.processRegion(this.writer, this.outLevels);
    const b = this.extend(this.valueOf(this.root), this.writer);
    const out = this.stmt.lhs;
    const crds = this.outLevels.map((v) => b.crd.get(v)!);
    const streams = crds.map((c) => c.h);
    let val = b.val!;
    if (b.phantom && this.outLevels.length > 0) {
      // val_write pairs values with coordinates by position only: realign the value stream
      // against the innermost output crd (a one-input union drops the reduce placeholders).
      const depth = this.outLevels.length;
      const id = this.g.add('union', `realign_${out.tensor}`, { index: this.outLevels[depth - 1], arity: 1 }, { crd0: streams[depth - 1], ref0: val }, { crd: { kind: 'crd', depth }, ref0: { kind: 'val', depth } });
      val = { node: id, port: 'ref0' };
    }
    if (this.opts.exactPresence) {
      // an outer coordinate is dropped when its fiber below may be empty (after an intersection, a
      // compressed scan, an accumulator or a drop one level further down).
      let droppedBelow = false;
      for (let l = streams.length - 2; l >= 0; l--) {
        if (!crds[l + 1].mayEmpty && !droppedBelow) continue;
        droppedBelow = true;
        const depth = l + 1;
        const id = this.g.add('crd_drop', `crd_drop_${this.outLevels[l]}`, { index: this.outLevels[l] }, { inner: streams[l + 1], outer: streams[l] }, { inner: { kind: 'crd', depth: depth + 1 }, outer: { kind: 'crd', depth } });
        streams[l + 1] = { node: id, port: 'inner' };
        streams[l] = { node: id, port: 'outer' };
      }
    }
    streams.forEach((h, l) => {
      const v = this.outLevels[l];
      this.g.add('crd_write', `write_${out.tensor}_${v}`, { tensor: out.tensor, level: l, mode: out.indices.indexOf(v), index: v, format: 'compressed' }, { crd: h }, {});
    });
    this.g.add('val_write', `write_${out.tensor}_vals`, { tensor: out.tensor }, { val }, {});
  }

  /** The loop depth of a writer level (for parallelization). */
  writerDepth(v: IndexVar): number {
    return this.outLevels.indexOf(v) + 1;
  }

  tensorsRead(): string[] {
    const out: string[] = [];
    const walk = (n: X): void => {
      if (n.kind === 'access') !out.includes(n.tensor) && out.push(n.tensor);
      else if (n.kind === 'unary' || n.kind === 'reduce') walk(n.arg);
      else if (n.kind === 'binary') {
        walk(n.lhs);
        walk(n.rhs);
      }
    };
    walk(this.root);
    return out;
  }
}

/** Loop order used for a statement: explicit, else the first valid topological order (output variables outermost). */
export function chooseLoopOrder(norm: NormalizedStatement, program: TensorProgram, group: string, explicit?: IndexVar[]): IndexVar[] {
  if (explicit && explicit.length > 0) return expandOrder(explicit, norm, group);
  const orders = enumerateLoopOrders(norm.stmt, program, 1);
  if (orders.length === 0) fail(group, 'no valid loop order');
  return orders[0];
}

/**
 * Block mode: regroups every product chain so that factors sharing a contracted variable meet
 * first (M(i,j)*Q(i,k)*K(j,k) summed over k becomes M*(Q*K)): each tile product then sums k inside
 * its tiles and no intermediate tile spans more variables than needed (M*Q would span i,j,k).
 * Exact in presence (products intersect) and equal up to rounding. `contractible` = variables of
 * the enclosing sum that the chain may sum.
 */
function reassociateForTiles(e: Expr, contractible: Set<IndexVar>): Expr {
  switch (e.kind) {
    case 'const':
    case 'access':
      return e;
    case 'unary':
      return { ...e, arg: reassociateForTiles(e.arg, new Set()) };
    case 'reduce':
      return { ...e, arg: reassociateForTiles(e.arg, e.op === 'sum' ? new Set(e.indices) : new Set()) };
    case 'binary': {
      if (e.op !== 'mul') return { ...e, lhs: reassociateForTiles(e.lhs, new Set()), rhs: reassociateForTiles(e.rhs, new Set()) };
      const factors: Expr[] = [];
      const flatten = (x: Expr): void => {
        if (x.kind === 'binary' && x.op === 'mul') {
          flatten(x.lhs);
          flatten(x.rhs);
        } else factors.push(reassociateForTiles(x, new Set()));
      };
      flatten(e);
      const items = factors.map((x) => ({ x, vars: new Set([...exprVars(x)].filter((v) => freeIn(x, v))) }));
      while (items.length > 1) {
        let best: [number, number, Set<IndexVar>] | null = null;
        for (let i = 0; i < items.length; i++) {
          for (let j = i + 1; j < items.length; j++) {
            const others = items.filter((_, q) => q !== i && q !== j);
            const vars = new Set([...items[i].vars, ...items[j].vars].filter((v) => !contractible.has(v) || others.some((o) => o.vars.has(v))));
            if (best === null || vars.size < best[2].size) best = [i, j, vars];
          }
        }
        const [i, j, vars] = best!;
        items[i] = { x: { kind: 'binary', op: 'mul', lhs: items[i].x, rhs: items[j].x }, vars: new Set([...items[i].vars, ...items[j].vars].filter((v) => vars.has(v) || !contractible.has(v))) };
        items.splice(j, 1);
      }
      return items[0].x;
    }
  }
}

function blockFormat(f: TensorFormat, size: number): TensorFormat {
  if (f.blockShape) return f;
  return { ...f, blockShape: f.modeOrder.map(() => size) };
}

/**
 * Lowers one index-notation statement (possibly a fused group's inlined statement) to a SAM
 * dataflow graph that computes exactly the reference semantics of ast.ts.
 */
export function lowerStatement(stmt: Statement, program: TensorProgram, options: LowerOptions = {}): DataflowGraph {
  const group = options.group ?? stmt.name;
  const norm = normalizeStatement(stmt);
  const order = chooseLoopOrder(norm, program, group, options.loopOrder);
  const blockSize = options.blockSize ?? program.schedule?.blocking?.size;
  const formats: Record<string, TensorFormat> = {};
  const names = collectTensors(norm.stmt);
  if (blockSize !== undefined) {
    const which = options.blockedTensors ?? program.schedule?.blocking?.tensors;
    for (const t of names) {
      const decl = program.tensors[t];
      if (!decl) continue;
      if (which && !which.includes(t) && !decl.format.blockShape) {
        fail(group, `sparsity blocking covers ${which.join(', ')} but not '${t}'; every tensor of a blocked graph must be blocked with the same size`);
      }
      formats[t] = blockFormat(decl.format, blockSize);
    }
  }
  const lowOpts = { locate: options.locate ?? true, exactPresence: options.exactPresence ?? true, group, blockSize, formats, intermediates: options.intermediates ?? 'share' };
  const distribute = options.distribute ?? 'auto';
  const build = (s: Statement): StatementLowering => {
    const l = new StatementLowering(s, program, order, lowOpts);
    l.run();
    // lane clones are identical nodes on purpose
    if (l.g instanceof SharedLGraph) l.g.sharing = false;
    return l;
  };
  let low!: StatementLowering;
  const lowerAll = (): void => {
    const distributed = (): Statement => {
      // top-level Einstein sums become an explicit reduce so that they can absorb nested ones.
      const lhs = norm.stmt.lhs.indices;
      const sums = [...exprVars(norm.stmt.rhs)].filter((v) => !lhs.includes(v) && freeIn(norm.stmt.rhs, v));
      const rhs: Expr = sums.length > 0 ? { kind: 'reduce', op: 'sum', indices: sums, arg: norm.stmt.rhs } : norm.stmt.rhs;
      return { ...norm.stmt, rhs: distributeReductions(rhs) };
    };
    if (distribute === 'always') low = build(distributed());
    else {
      try {
        low = build(norm.stmt);
      } catch (e) {
        if (!(e instanceof StructureError) || distribute === 'never') throw e;
        try {
          low = build(distributed());
        } catch {
          throw e;
        }
      }
    }
    const parallel = options.parallel ?? (program.schedule?.parallel ?? []).filter((p) => p.group === undefined || p.group === group);
    // innermost first, so that an outer region contains (and clones) the inner lanes.
    const specs = [...parallel].filter((p) => p.factor > 1).sort((a, b) => order.indexOf(b.index) - order.indexOf(a.index));
    for (const p of specs) {
      if (!low.outLevels.includes(p.index)) {
        // a schedule entry without a group applies to the groups where it is an output index
        const scheduleWide = options.parallel === undefined && (p as { group?: string }).group === undefined;
        if (scheduleWide || (!order.includes(p.index) && options.parallel === undefined)) continue;
        fail(group, `cannot parallelize index '${p.index}': only output indices (${low.outLevels.join(', ')}) can be dealt to lanes (a reduced index would split its sums)`);
      }
      low.g.parallelize(low.writerSources.get(p.index)!, p.index, low.writerDepth(p.index), p.factor, group);
    }
  };
  try {
    lowerAll();
  } catch (e) {
    // Lanes deal the coordinates of one output level; a stream shared between the lanes' region
    // and a consumer outside it (e.g. the scores feeding both a row statistic and the elements of
    // a parallelized j) cannot be dealt, so such a group recomputes that value per consumer.
    if (!(e instanceof FuseFlowError) || lowOpts.intermediates !== 'share' || !(low?.g instanceof SharedLGraph) || low.g.merged === 0) throw e;
    lowOpts.intermediates = 'recompute';
    lowerAll();
  }
  const tensors: Record<string, DfTensorInfo> = {};
  for (const t of low.tensorsRead()) {
    const decl = program.tensors[t];
    tensors[t] = { name: t, shape: decl.shape, format: formats[t] ?? decl.format, role: decl.role === 'output' ? 'intermediate' : decl.role };
  }
  const outDecl = program.tensors[stmt.lhs.tensor];
  if (!outDecl) fail(group, `output tensor '${stmt.lhs.tensor}' is not declared`);
  tensors[outDecl.name] = { name: outDecl.name, shape: outDecl.shape, format: blockSize !== undefined ? blockFormat(outDecl.format, blockSize) : outDecl.format, role: outDecl.role === 'input' ? 'output' : outDecl.role };
  const graph = low.g.toDataflow(
    group,
    tensors,
    { tensor: stmt.lhs.tensor, shape: outDecl.shape, modeOrder: low.outLevels.map((v) => stmt.lhs.indices.indexOf(v)) },
    { group, ...(blockSize !== undefined ? { blockSize } : {}) },
  );
  verifyDataflowGraph(graph);
  return graph;
}

/** whether `v` occurs free in `e`. */
function freeIn(e: Expr, v: IndexVar): boolean {
  switch (e.kind) {
    case 'access':
      return e.indices.includes(v);
    case 'const':
      return false;
    case 'unary':
      return freeIn(e.arg, v);
    case 'binary':
      return freeIn(e.lhs, v) || freeIn(e.rhs, v);
    case 'reduce':
      return !e.indices.includes(v) && freeIn(e.arg, v);
  }
}

function collectTensors(stmt: Statement): string[] {
  const out: string[] = [];
  const walk = (e: Expr): void => {
    if (e.kind === 'access') !out.includes(e.tensor) && out.push(e.tensor);
    else if (e.kind === 'unary' || e.kind === 'reduce') walk(e.arg);
    else if (e.kind === 'binary') {
      walk(e.lhs);
      walk(e.rhs);
    }
  };
  walk(stmt.rhs);
  return out;
}

/** The statement a fusion group computes (inlined when it has several statements). */
export function groupStatement(program: TensorProgram, group: FusionGroup): Statement {
  if (group.statements.length === 1) {
    const s = program.statements.find((x) => x.name === group.statements[0]);
    if (!s) fail(group.name, `statement '${group.statements[0]}' does not exist`);
    return s;
  }
  const stmt = inlineGroup(program, group);
  markDensePresence(program, group, stmt);
  return stmt;
}

/**
 * Set on an inlined expression whose tensor is declared dense (every level dense): unfused, that
 * tensor stores every point (0 where its sum had no term), so an add with an operand over fewer
 * indices is present wherever that operand is. The lowering reads it as a union (unionPolicy).
 */
const DENSE_PRESENCE = Symbol('densePresence');
type Marked = Expr & { [DENSE_PRESENCE]?: true };

function isAllDense(decl: TensorDecl | undefined): boolean {
  return !!decl && decl.format.levels.length > 0 && decl.format.levels.every((l) => l === 'dense');
}

/**
 * Walks each group statement beside its inlined copy (inlineGroup keeps the consumer's tree and
 * puts the producer's right-hand side, under a sum of its summed variables, at each access) and
 * marks the copies of dense intermediates.
 */
function markDensePresence(program: TensorProgram, group: FusionGroup, inlined: Statement): void {
  const producers = new Map<string, Statement>();
  for (const name of group.statements) {
    const s = program.statements.find((x) => x.name === name);
    if (s) producers.set(s.lhs.tensor, s);
  }
  const walk = (orig: Expr, inl: Expr): void => {
    if (orig.kind === 'access') {
      const t = producers.get(orig.tensor);
      if (!t || t.lhs.tensor === inlined.lhs.tensor) return;
      if (isAllDense(program.tensors[orig.tensor])) (inl as Marked)[DENSE_PRESENCE] = true;
      const sums = [...exprVars(t.rhs)].filter((v) => !t.lhs.indices.includes(v) && freeIn(t.rhs, v));
      walk(t.rhs, sums.length > 0 && inl.kind === 'reduce' ? inl.arg : inl);
      return;
    }
    if (orig.kind !== inl.kind) return;
    if (orig.kind === 'unary' || orig.kind === 'reduce') walk(orig.arg, (inl as typeof orig).arg);
    else if (orig.kind === 'binary') {
      walk(orig.lhs, (inl as typeof orig).lhs);
      walk(orig.rhs, (inl as typeof orig).rhs);
    }
  };
  const out = group.statements.map((n) => program.statements.find((x) => x.name === n)).find((s) => s?.lhs.tensor === inlined.lhs.tensor);
  if (out) walk(out.rhs, inlined.rhs);
}

/** Lowers every fusion group of a program (one graph per group, in execution order). */
export function lowerProgram(program: TensorProgram, options: Omit<LowerOptions, 'loopOrder' | 'group'> = {}): DataflowGraph[] {
  return effectiveGroups(program).map((g) => {
    const stmt = groupStatement(program, g);
    const graph = lowerStatement(stmt, program, { ...options, group: g.name, loopOrder: g.loopOrder, intermediates: options.intermediates ?? g.intermediates });
    return g.kernel ? { ...graph, kernel: g.kernel } : graph;
  });
}
