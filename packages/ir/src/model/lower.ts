import type { Expr, IndexVar, Statement, TensorDecl, TensorProgram } from '../program/ast';
import type { TensorBindings } from '../stages';
import { RESERVED_NAMES } from '../program/expr-utils';
import { parseFormat } from '../tensor/format';
import { convert, fromDense } from '../tensor/storage';
import type { LevelFormat, SparseTensorData, TensorFormat } from '../tensor/types';
import { ModelGraphError } from './errors';
import { evaluateOp, transposeTensor } from './evaluate';
import type { ModelGraph, ModelOp } from './graph';
import { normAxis } from './shapes';
import { type ModelTensor, shapeSize } from './tensor';

/** Options of `modelToProgram`. */
export interface ModelToProgramOptions {
  /** program name (default: the model's name). */
  name?: string;
  /** data of the model inputs: dense tensors or stored sparse tensors (converted to the format). */
  inputs?: Record<string, ModelTensor | SparseTensorData>;
  /**
   * format spec per input/weight name (overrides the ModelValue's `format`; default dense); for a
   * computed value, its storage mode order (and level formats when it is dense).
   */
  formats?: Record<string, string>;
}

/** Result of lowering: the program and the data bound to its input tensors. */
export interface LoweredModel {
  program: TensorProgram;
  data: TensorBindings;
}

/**
 * How a model value is seen in the program: a program tensor whose modes are the model value's
 * axes in the order `axes` says. `axes[d]` is the program mode holding model axis d, or null for
 * an axis of size 1 that is not stored (broadcast, keepdims, batch 1). Transposes and size-1
 * reshapes change only the view, never emit a statement.
 */
interface View {
  tensor: string;
  axes: Array<number | null>;
}

/** A value known at compile time (weights, constants and ops on them only). */
type Known = { kind: 'const'; t: ModelTensor } | { kind: 'view'; v: View };

const OUT_VARS: Record<number, IndexVar[]> = {
  0: [],
  1: ['i'],
  2: ['i', 'j'],
  3: ['b', 'i', 'j'],
  4: ['a', 'b', 'i', 'j'],
  5: ['a', 'b', 'c', 'i', 'j'],
};

const access = (tensor: string, indices: IndexVar[]): Expr => ({ kind: 'access', tensor, indices });
const bin = (op: 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min', lhs: Expr, rhs: Expr): Expr => ({ kind: 'binary', op, lhs, rhs });
const cst = (value: number): Expr => ({ kind: 'const', value });

/** Identifier-safe name (program tensors and statements are identifiers in the text form). */
function ident(raw: string): string {
  let s = raw.replace(/^[/.:]+/, '').replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  if (!/^[A-Za-z]/.test(s)) s = `t${s}`;
  // names of functions in the program text form ('add', 'max', 'relu'...) cannot name tensors
  if (RESERVED_NAMES.has(s) || RESERVED_NAMES.has(s.toLowerCase())) s = `${s}_t`;
  return s;
}

/**
 * Which program modes of a tensor may be only partly stored: an access is "partial" w.r.t. an
 * index variable when its tensor is sparse and it uses that variable. Follows the presence rules
 * of the TensorProgram semantics (mul intersects, add unions, unary keeps, reduce projects).
 */
function partialVars(e: Expr, sparse: (t: string) => boolean): Set<IndexVar> {
  switch (e.kind) {
    case 'const':
      return new Set();
    case 'access':
      return sparse(e.tensor) ? new Set(e.indices) : new Set();
    case 'unary':
      return partialVars(e.arg, sparse);
    case 'reduce': {
      const s = partialVars(e.arg, sparse);
      for (const v of e.indices) s.delete(v);
      return s;
    }
    case 'binary': {
      const a = partialVars(e.lhs, sparse);
      const b = partialVars(e.rhs, sparse);
      if (e.op === 'mul' || e.op === 'div') return new Set([...a, ...b]);
      // union: partial w.r.t. v only if every operand that uses v is partial w.r.t. v.
      const ua = usedVars(e.lhs), ub = usedVars(e.rhs);
      const out = new Set<IndexVar>();
      for (const v of new Set([...ua, ...ub])) {
        if ((!ua.has(v) || a.has(v)) && (!ub.has(v) || b.has(v))) out.add(v);
      }
      return out;
    }
  }
}

function usedVars(e: Expr): Set<IndexVar> {
  switch (e.kind) {
    case 'const':
      return new Set();
    case 'access':
      return new Set(e.indices);
    case 'unary':
      return usedVars(e.arg);
    case 'reduce':
      return usedVars(e.arg);
    case 'binary':
      return new Set([...usedVars(e.lhs), ...usedVars(e.rhs)]);
  }
}

class Lowering {
  readonly tensors: Record<string, TensorDecl> = {};
  readonly statements: Statement[] = [];
  readonly data: TensorBindings = {};
  private readonly known = new Map<string, Known>();
  private readonly sparse = new Set<string>();
  /** tensors whose points may be unstored however they are stored (sparse inputs and what they reach). */
  private readonly structural = new Set<string>();
  private readonly onesByExtent = new Map<number, string>();
  private readonly constCache = new Map<string, string>();
  private readonly usedNames = new Set<string>();
  private readonly usedStatements = new Set<string>();
  private readonly consumers = new Map<string, ModelOp[]>();

  constructor(
    private readonly graph: ModelGraph,
    private readonly options: ModelToProgramOptions,
  ) {
    for (const op of graph.ops) for (const i of op.inputs) this.consumers.set(i, [...(this.consumers.get(i) ?? []), op]);
    this.mustBeDense = denseValues(graph);
  }

  /** values whose consumers would read an unstored point differently from a stored zero. */
  private readonly mustBeDense: Set<string>;

  private fresh(raw: string, used = this.usedNames): string {
    const base = ident(raw);
    let n = base;
    for (let k = 2; used.has(n); k++) n = `${base}_${k}`;
    used.add(n);
    return n;
  }

  /** derived constants (a folded transpose of W) take the format requested for their source. */
  private readonly formatAlias = new Map<string, string>();

  private formatSpec(name: string): string {
    const src = this.formatAlias.get(name);
    if (src) return this.formatSpec(src);
    return this.options.formats?.[name] ?? this.graph.values[name]?.format ?? 'dense';
  }

  private declare(name: string, shape: number[], format: TensorFormat, role: TensorDecl['role']): void {
    this.tensors[name] = { name, shape, format, role };
    if (format.levels.some((l) => l !== 'dense')) {
      this.sparse.add(name);
      if (role === 'input') this.structural.add(name);
    }
  }

  /** Binds a model input: its data converted to the requested format. */
  bindInput(name: string): void {
    const v = this.graph.values[name];
    const shape = v.shape;
    const kept = shape.map((d, i) => (d === 1 ? -1 : i)).filter((i) => i >= 0);
    const pshape = kept.map((i) => shape[i]);
    const tname = this.fresh(name);
    const spec = this.formatSpec(name);
    let format: TensorFormat;
    try {
      format = parseFormat(spec, pshape.length);
    } catch (e) {
      throw new ModelGraphError(`input '${name}' (shape [${shape.join(',')}]): ${(e as Error).message}`, name);
    }
    this.declare(tname, pshape, format, 'input');
    const given = this.options.inputs?.[name];
    if (given) {
      const gshape = given.shape;
      if (shapeSize(gshape) !== shapeSize(shape) || gshape.filter((d) => d !== 1).join(',') !== pshape.join(',')) {
        throw new ModelGraphError(`input '${name}': data has shape [${gshape.join(',')}] but the model expects [${shape.join(',')}]`, name);
      }
      // stored data is converted level by level, so a large graph is never densified
      if ('levels' in given) {
        const same = JSON.stringify(given.format) === JSON.stringify(format) && given.shape.join(',') === pshape.join(',');
        this.data[tname] = same ? { ...given, name: tname } : { ...convert({ ...given, shape: pshape }, format), name: tname };
      } else this.data[tname] = fromDense(pshape, given.data, format, tname);
    }
    this.known.set(name, { kind: 'view', v: { tensor: tname, axes: this.axesFor(shape) } });
  }

  private axesFor(shape: number[]): Array<number | null> {
    let m = 0;
    return shape.map((d) => (d === 1 ? null : m++));
  }

  bindWeight(name: string): void {
    const w = this.graph.weights[name];
    this.known.set(name, { kind: 'const', t: { shape: w.shape, data: w.data } });
  }

  /** The view of a value, materialising a constant as a program input tensor on first use. */
  private view(name: string): View {
    const k = this.known.get(name);
    if (!k) throw new ModelGraphError(`value '${name}' is used before it is computed (missing weight or input?)`, name);
    if (k.kind === 'view') return k.v;
    let tname = this.constCache.get(name);
    const pshape = k.t.shape.filter((d) => d !== 1);
    if (!tname) {
      tname = this.fresh(name);
      const spec = this.formatSpec(name);
      let format: TensorFormat;
      try {
        format = parseFormat(spec, pshape.length);
      } catch (e) {
        throw new ModelGraphError(`weight '${name}' (shape [${k.t.shape.join(',')}]): ${(e as Error).message}`, name);
      }
      this.declare(tname, pshape, format, 'input');
      this.data[tname] = fromDense(pshape, k.t.data, format, tname);
      this.constCache.set(name, tname);
    }
    return { tensor: tname, axes: this.axesFor(k.t.shape) };
  }

  private constScalar(name: string): number | undefined {
    const k = this.known.get(name);
    if (k?.kind === 'const' && shapeSize(k.t.shape) === 1) return k.t.data[0];
    return undefined;
  }

  /** Access expression of a value whose model axes are indexed by `vars` (null = broadcast). */
  private acc(name: string, vars: Array<IndexVar | null>): Expr {
    const s = this.constScalar(name);
    if (s !== undefined) return cst(s);
    const v = this.view(name);
    const shape = this.graph.values[name]?.shape ?? [];
    const idx: IndexVar[] = [];
    v.axes.forEach((m, d) => {
      if (m === null) return;
      const iv = vars[d];
      if (iv === null || iv === undefined) throw new ModelGraphError(`value '${name}': axis ${d} of size ${shape[d]} has no index variable`, name);
      idx[m] = iv;
    });
    return access(v.tensor, idx);
  }

  /** Emits `out = rhs` for a model value of `shape`; `vars` are the indices of its axes. */
  private emit(stmtName: string, valueName: string, shape: number[], vars: IndexVar[], rhs: Expr, final = true, forceDense = false): string {
    const tname = this.fresh(valueName);
    const axes = this.axesFor(shape);
    const lhsIdx: IndexVar[] = [];
    axes.forEach((m, d) => {
      if (m !== null) lhsIdx[m] = vars[d];
    });
    const partial = partialVars(rhs, (t) => this.sparse.has(t));
    const structurallyPartial = partialVars(rhs, (t) => this.structural.has(t)).size > 0;
    // A partly stored result stays sparse only where every reader treats "not stored" as 0.
    const isSparse = lhsIdx.some((v) => partial.has(v)) && !(final ? this.mustBeDense.has(valueName) : forceDense);
    const rank = lhsIdx.length;
    const format: TensorFormat = { levels: Array(rank).fill(isSparse ? 'compressed' : 'dense'), modeOrder: lhsIdx.map((_, i) => i) };
    // an op's internal values (softmax max/exp/sum, a bias add's product) follow its output's order
    const requested = this.options.formats?.[valueName] ?? (!final && this.opOutput ? this.options.formats?.[this.opOutput] : undefined);
    if (requested) {
      // The mode order is the caller's (a consumer may need the value stored in another order),
      // given over the model value's axes; size-1 axes are dropped from it. The levels stay
      // compressed where the value is partly stored, since "not stored" is part of its meaning for
      // readers (exp, division); a dense value takes the requested levels.
      let f: TensorFormat;
      try {
        f = parseFormat(requested, shape.length);
      } catch (e) {
        throw new ModelGraphError(`value '${valueName}' (shape [${shape.join(',')}]): ${(e as Error).message}`, valueName);
      }
      const kept = f.modeOrder.map((d, l) => ({ mode: axes[d], level: f.levels[l] })).filter((x): x is { mode: number; level: LevelFormat } => x.mode !== null);
      format.modeOrder = kept.map((x) => x.mode);
      if (!isSparse) format.levels = kept.map((x) => x.level);
    }
    const role = final && this.graph.outputs.includes(valueName) ? 'output' : 'intermediate';
    this.declare(tname, shape.filter((d) => d !== 1), format, role);
    if (structurallyPartial) this.structural.add(tname);
    this.statements.push({ name: this.fresh(stmtName, this.usedStatements), lhs: { tensor: tname, indices: lhsIdx }, rhs });
    if (final) this.known.set(valueName, { kind: 'view', v: { tensor: tname, axes } });
    return tname;
  }

  private outVars(rank: number): IndexVar[] {
    const v = OUT_VARS[rank];
    if (!v) throw new ModelGraphError(`rank ${rank} values are not supported by the program lowering (at most 5)`);
    return v;
  }

  /** Index variables of an operand of shape `shape` broadcast against output vars. */
  private bvars(shape: number[], out: IndexVar[], outShape: number[]): Array<IndexVar | null> {
    const off = outShape.length - shape.length;
    return shape.map((d, i) => (d === 1 && outShape[i + off] !== 1 ? null : out[i + off]));
  }

  /** output of the op being lowered: its requested format also orders the op's internal values. */
  private opOutput?: string;

  lowerOp(op: ModelOp): void {
    this.opOutput = op.outputs[0];
    const outName = op.outputs[0];
    const outShape = this.graph.values[outName].shape;
    const where = `op '${op.name}' (${op.op})`;
    const ins = op.inputs;
    // Ops on constants only are folded at compile time (weight transposes, scale computations).
    if (ins.every((i) => this.known.get(i)?.kind === 'const')) {
      const t = evaluateOp(op, ins.map((i) => (this.known.get(i) as { t: ModelTensor }).t));
      this.known.set(outName, { kind: 'const', t });
      if (['transpose', 'reshape', 'flatten', 'identity'].includes(op.op)) this.formatAlias.set(outName, ins[0]);
      return;
    }
    const shapeOf = (n: string): number[] => this.graph.values[n].shape;
    const vars = this.outVars(outShape.length);
    const sname = op.name;
    switch (op.op) {
      case 'identity':
        this.alias(outName, ins[0]);
        return;
      case 'matmul':
      case 'sparse_mm':
      case 'gemm': {
        const a = ins[0], b = ins[1];
        const transA = op.op === 'gemm' && Boolean(op.attrs.transA);
        const transB = op.op === 'gemm' && Boolean(op.attrs.transB);
        const k = 'k';
        // logical (post-transpose) index variables of an operand, plus the transpose to apply
        const mmVars = (shape: number[], trans: boolean, isA: boolean): { vars: Array<IndexVar | null>; perm?: number[] } => {
          const r = shape.length;
          const batch = this.bvars(shape.slice(0, -2), vars.slice(0, -2), outShape.slice(0, -2));
          const rowCol: IndexVar[] = isA ? [vars[vars.length - 2], k] : [k, vars[vars.length - 1]];
          return { vars: [...batch, ...rowCol], perm: trans ? [...Array(r - 2).keys(), r - 1, r - 2] : undefined };
        };
        const va = mmVars(shapeOf(a), transA, true);
        const vb = mmVars(shapeOf(b), transB, false);
        let rhs: Expr = bin('mul', this.accT(a, va.vars, va.perm), this.accT(b, vb.vars, vb.perm));
        const alpha = (op.attrs.alpha as number | undefined) ?? 1;
        if (alpha !== 1) rhs = bin('mul', rhs, cst(alpha));
        if (op.op === 'gemm' && ins[2]) {
          // the product feeds a broadcast bias add, which needs it stored everywhere
          const mm = this.emit(`${sname}_mul`, `${outName}_mm`, outShape, vars, rhs, false, true);
          const beta = (op.attrs.beta as number | undefined) ?? 1;
          let c = this.acc(ins[2], this.bvars(shapeOf(ins[2]), vars, outShape));
          if (beta !== 1) c = bin('mul', c, cst(beta));
          this.emit(`${sname}_bias`, outName, outShape, vars, this.exactUnion('add', access(mm, this.lhsOf(mm)), c, this.extents(vars, outShape)));
          return;
        }
        this.emit(sname, outName, outShape, vars, rhs);
        return;
      }
      case 'add':
      case 'sub':
      case 'mul':
      case 'div':
      case 'max': {
        const ea = this.acc(ins[0], this.bvars(shapeOf(ins[0]), vars, outShape));
        const eb = this.acc(ins[1], this.bvars(shapeOf(ins[1]), vars, outShape));
        const rhs = op.op === 'add' || op.op === 'sub' || op.op === 'max' ? this.exactUnion(op.op, ea, eb, this.extents(vars, outShape)) : bin(op.op as 'mul' | 'div', ea, eb);
        this.emit(sname, outName, outShape, vars, rhs);
        return;
      }
      case 'mask': {
        const fill = Number(op.attrs.fill ?? 0);
        const users = this.consumers.get(outName) ?? [];
        // Unstored points of the result read as 0 downstream; -inf fill is exact only when every
        // consumer is a softmax (exp(-inf) = 0, i.e. the point is excluded).
        if (!(fill === 0 || (fill === -Infinity && users.length > 0 && users.every((u) => u.op === 'softmax')))) {
          throw new ModelGraphError(`${where}: a mask with fill ${fill} can only be lowered when the fill is 0, or -inf feeding softmax`, op.name);
        }
        this.checkBinary(ins[1], where);
        const ea = this.acc(ins[0], vars);
        const em = this.acc(ins[1], this.bvars(shapeOf(ins[1]), vars, outShape));
        this.emit(sname, outName, outShape, vars, bin('mul', ea, em));
        return;
      }
      case 'relu':
      case 'exp':
      case 'neg':
      case 'sqrt':
      case 'square':
        this.emit(sname, outName, outShape, vars, { kind: 'unary', op: op.op, arg: this.acc(ins[0], vars) });
        return;
      case 'reduce_sum':
      case 'reduce_max':
      case 'reduce_mean': {
        const xs = shapeOf(ins[0]);
        const axes = ((op.attrs.axes as number[] | undefined) ?? xs.map((_, i) => i)).map((a) => normAxis(a, xs.length, `${where}: `));
        const keep = op.attrs.keepdims === undefined ? true : Boolean(op.attrs.keepdims);
        const red = ['k', 'l', 'm', 'n', 'o'];
        const xvars: Array<IndexVar | null> = [];
        const rvars: IndexVar[] = [];
        let o = 0;
        xs.forEach((d, i) => {
          if (axes.includes(i)) {
            if (keep) o++;
            if (d !== 1) {
              const v = red[rvars.length];
              rvars.push(v);
              xvars.push(v);
            } else xvars.push(null);
          } else xvars.push(vars[o++]);
        });
        const arg = this.acc(ins[0], xvars);
        let rhs: Expr = rvars.length ? { kind: 'reduce', op: op.op === 'reduce_max' ? 'max' : 'sum', indices: rvars, arg } : arg;
        if (op.op === 'reduce_mean') rhs = bin('mul', rhs, cst(1 / axes.reduce((c, a) => c * xs[a], 1)));
        this.emit(sname, outName, outShape, vars, rhs);
        return;
      }
      case 'softmax':
        this.softmax(op, outShape, vars);
        return;
      case 'layer_norm':
        this.layerNorm(op, outShape, vars);
        return;
      case 'transpose': {
        const src = this.known.get(ins[0]);
        const perm = (op.attrs.perm as number[] | undefined) ?? outShape.map((_, i) => outShape.length - 1 - i);
        if (src?.kind === 'view') this.known.set(outName, { kind: 'view', v: { tensor: src.v.tensor, axes: perm.map((p) => src.v.axes[p]) } });
        return;
      }
      case 'reshape':
      case 'flatten': {
        const src = this.known.get(ins[0]);
        const xs = shapeOf(ins[0]);
        if (src?.kind === 'view') {
          const kept = src.v.axes.filter((_, d) => xs[d] !== 1);
          const nonUnitIn = xs.filter((d) => d !== 1);
          const nonUnitOut = outShape.filter((d) => d !== 1);
          // Only size-1 axes may come or go: a split or merge of stored modes has no index notation.
          if (nonUnitIn.join(',') !== nonUnitOut.join(',')) {
            throw new ModelGraphError(
              `${where}: reshaping [${xs.join(',')}] to [${outShape.join(',')}] splits or merges stored modes, which index notation cannot express`,
              op.name,
              'fold the reshape into a weight (e.g. store per-head weights as [heads, d_model, d_head])',
            );
          }
          let k = 0;
          this.known.set(outName, { kind: 'view', v: { tensor: src.v.tensor, axes: outShape.map((d) => (d === 1 ? null : kept[k++])) } });
        }
        return;
      }
      default:
        {
          const cnn = op.op === 'conv2d' || op.op.endsWith('pool') || op.op === 'batch_norm';
          throw new ModelGraphError(
            `${where}: no TensorProgram lowering for op type '${op.op}'${cnn ? "; CNNs go to the systolic backend (frontend option emit: 'model')" : ''}`,
            op.name,
          );
        }
    }
  }

  /**
   * A union (add/sub/max) whose broadcast operand lacks an index that a possibly-unstored operand
   * has: `T(i,j) + b(j)` is unstored where T is, whereas PyTorch adds b there. Multiplying b by a
   * dense vector of ones over the missing index makes it present everywhere, which keeps the
   * meaning exact even after fusion inlines T (whose dense storage no longer helps then).
   */
  private exactUnion(op: 'add' | 'sub' | 'max', a: Expr, b: Expr, extents: Map<IndexVar, number>): Expr {
    const fix = (e: Expr, other: Expr): Expr => {
      const have = usedVars(e);
      const partial = partialVars(other, (t) => this.structural.has(t));
      let out = e;
      for (const [v, n] of extents) {
        if (have.has(v) || !partial.has(v)) continue;
        out = bin('mul', out, access(this.ones(n), [v]));
      }
      return out;
    };
    return bin(op, fix(a, b), fix(b, a));
  }

  private ones(n: number): string {
    let t = this.onesByExtent.get(n);
    if (!t) {
      t = this.fresh(`ones_${n}`);
      const format: TensorFormat = { levels: ['dense'], modeOrder: [0] };
      this.declare(t, [n], format, 'input');
      this.data[t] = fromDense([n], new Float64Array(n).fill(1), format, t);
      this.onesByExtent.set(n, t);
    }
    return t;
  }

  private extents(vars: IndexVar[], shape: number[]): Map<IndexVar, number> {
    const m = new Map<IndexVar, number>();
    vars.forEach((v, d) => shape[d] !== 1 && m.set(v, shape[d]));
    return m;
  }

  private lhsOf(tensor: string): IndexVar[] {
    const s = [...this.statements].reverse().find((st) => st.lhs.tensor === tensor);
    return s ? s.lhs.indices : [];
  }

  /** Access of a matmul operand; for a constant stored transposed, materialise the transpose. */
  private accT(name: string, vars: Array<IndexVar | null>, perm?: number[]): Expr {
    if (!perm) return this.acc(name, vars);
    const k = this.known.get(name);
    if (k?.kind === 'const') {
      // A transposed weight (Linear's W^T) is materialised transposed, so it is stored
      // concordantly in its requested format instead of being read against its level order.
      const lname = `${name}_T`;
      if (!this.known.has(lname)) {
        this.known.set(lname, { kind: 'const', t: transposeTensor(k.t, perm) });
        this.formatAlias.set(lname, name);
      }
      return this.acc(lname, vars);
    }
    // an activation: read it through a permuted view (no data movement)
    const v = this.view(name);
    const pv: View = { tensor: v.tensor, axes: perm.map((p) => v.axes[p]) };
    const idx: IndexVar[] = [];
    pv.axes.forEach((m, d) => {
      if (m !== null) idx[m] = vars[d] as IndexVar;
    });
    return access(pv.tensor, idx);
  }

  private checkBinary(name: string, where: string): void {
    const k = this.known.get(name);
    let values: ArrayLike<number> | undefined;
    if (k?.kind === 'const') values = k.t.data;
    else if (k?.kind === 'view' && this.data[k.v.tensor]) values = this.data[k.v.tensor].vals;
    if (!values) return;
    for (let i = 0; i < values.length; i++) {
      if (values[i] !== 0 && values[i] !== 1) {
        throw new ModelGraphError(`${where}: mask '${name}' must hold only 0 and 1 (found ${values[i]}), since the program multiplies by it`, name);
      }
    }
  }

  private alias(outName: string, src: string): void {
    const k = this.known.get(src);
    if (k) this.known.set(outName, k);
  }

  /** softmax(x) along an axis as max, exp(x - max), sum, divide (the artifact's decomposition). */
  private softmax(op: ModelOp, shape: number[], vars: IndexVar[]): void {
    const axis = normAxis((op.attrs.axis as number | undefined) ?? -1, shape.length);
    const x = op.inputs[0];
    const out = op.outputs[0];
    const red = 'k';
    const xvars = vars.map((v, i) => (i === axis ? red : v));
    const redShape = shape.map((d, i) => (i === axis ? 1 : d));
    const rvars = vars.map((v, i) => (i === axis ? 'k' : v));
    const mx = this.emit(`${op.name}_max`, `${out}_max`, redShape, rvars, { kind: 'reduce', op: 'max', indices: [red], arg: this.acc(x, xvars) }, false);
    const mxAcc = access(mx, this.lhsOf(mx));
    const ex = this.emit(`${op.name}_exp`, `${out}_exp`, shape, vars, { kind: 'unary', op: 'exp', arg: bin('sub', this.acc(x, vars), mxAcc) }, false);
    const sm = this.emit(`${op.name}_sum`, `${out}_sum`, redShape, rvars, { kind: 'reduce', op: 'sum', indices: [red], arg: access(ex, this.lhsOf(ex).map((v) => (v === vars[axis] ? red : v))) }, false);
    this.emit(`${op.name}_div`, out, shape, vars, bin('div', access(ex, this.lhsOf(ex)), access(sm, this.lhsOf(sm))));
  }

  /** layer_norm as mean, centre, variance, rsqrt(var + eps), scale and shift. */
  private layerNorm(op: ModelOp, shape: number[], vars: IndexVar[]): void {
    const axis = normAxis((op.attrs.axis as number | undefined) ?? -1, shape.length);
    const eps = (op.attrs.epsilon as number | undefined) ?? 1e-5;
    const [x, scale, bias] = op.inputs;
    const out = op.outputs[0];
    const normAxes = shape.map((_, i) => i).filter((i) => i >= axis);
    const count = normAxes.reduce((c, a) => c * shape[a], 1);
    const red = ['k', 'l', 'm', 'n'];
    let r = 0;
    const rv = vars.map((v, i) => (i >= axis && shape[i] !== 1 ? red[r++] : v));
    const rIdx = rv.filter((v, i) => i >= axis && shape[i] !== 1);
    const redShape = shape.map((d, i) => (i >= axis ? 1 : d));
    const outer = vars.filter((_, i) => i < axis && shape[i] !== 1);
    const mean = this.emit(`${op.name}_mean`, `${out}_mean`, redShape, vars, bin('mul', { kind: 'reduce', op: 'sum', indices: rIdx, arg: this.acc(x, rv) }, cst(1 / count)), false);
    const xc = this.emit(`${op.name}_centre`, `${out}_centre`, shape, vars, bin('sub', this.acc(x, vars), access(mean, outer)), false);
    const xcIdx = this.lhsOf(xc);
    const xcRed = xcIdx.map((v) => (vars.indexOf(v) >= axis ? rv[vars.indexOf(v)] : v));
    const variance = this.emit(`${op.name}_var`, `${out}_var`, redShape, vars, bin('mul', { kind: 'reduce', op: 'sum', indices: rIdx, arg: { kind: 'unary', op: 'square', arg: access(xc, xcRed) } }, cst(1 / count)), false);
    const rstd = this.emit(`${op.name}_rstd`, `${out}_rstd`, redShape, vars, { kind: 'unary', op: 'rsqrt', arg: bin('add', access(variance, outer), cst(eps)) }, false);
    let rhs: Expr = bin('mul', access(xc, xcIdx), access(rstd, outer));
    if (scale) rhs = bin('mul', rhs, this.acc(scale, this.bvars(this.graph.values[scale].shape, vars, shape)));
    if (bias) rhs = bin('add', rhs, this.acc(bias, this.bvars(this.graph.values[bias].shape, vars, shape)));
    this.emit(`${op.name}_norm`, out, shape, vars, rhs);
  }

  /** Model outputs that are not a plain program tensor (a view, an input, a constant) get a copy. */
  finishOutputs(): string[] {
    const outs: string[] = [];
    for (const o of this.graph.outputs) {
      const k = this.known.get(o);
      const shape = this.graph.values[o].shape;
      const vars = this.outVars(shape.length);
      const isPlain = k?.kind === 'view' && this.tensors[k.v.tensor]?.role === 'output' && k.v.axes.every((m, d) => m === null || m === this.axesFor(shape)[d]);
      if (isPlain) {
        outs.push(k.v.tensor);
        continue;
      }
      const t = this.emit(`${o}_out`, o, shape, vars, this.acc(o, vars));
      this.tensors[t].role = 'output';
      outs.push(t);
    }
    return outs;
  }
}

/** Ops that read an unstored point of an operand exactly as a stored 0 (sparse storage is exact). */
const ZERO_EXACT = new Set(['matmul', 'sparse_mm', 'gemm', 'mul', 'div', 'relu', 'neg', 'square', 'sqrt', 'reduce_sum', 'reduce_mean', 'mask']);
const VIEW_OPS = new Set(['transpose', 'reshape', 'flatten', 'identity']);

/**
 * Model values that must be stored dense when computed: the program semantics exclude unstored
 * points from unions with a broadcast operand (T(i,j) + b(j) is unstored where T is), from
 * softmax / layer_norm / exp / max, whereas PyTorch reads them as 0. A softmax over a
 * masked_fill(-inf) result is the exception: there, excluding the point is the meaning.
 */
function denseValues(graph: ModelGraph): Set<string> {
  const out = new Set<string>();
  const producer = new Map<string, ModelOp>();
  for (const op of graph.ops) producer.set(op.outputs[0], op);
  for (let k = graph.ops.length - 1; k >= 0; k--) {
    const op = graph.ops[k];
    const outShape = graph.values[op.outputs[0]]?.shape.join(',');
    for (const v of op.inputs) {
      let unsafe: boolean;
      if (VIEW_OPS.has(op.op)) unsafe = out.has(op.outputs[0]);
      else if (ZERO_EXACT.has(op.op)) unsafe = false;
      else if (op.op === 'add' || op.op === 'sub' || op.op === 'max') unsafe = op.inputs.some((i) => graph.values[i]?.shape.join(',') !== outShape);
      else if (op.op === 'softmax') {
        const p = producer.get(v);
        unsafe = !(p && p.op === 'mask' && Number(p.attrs.fill) === -Infinity);
      } else unsafe = true;
      if (unsafe) out.add(v);
    }
  }
  return out;
}

/**
 * Lowers a ModelGraph to a TensorProgram with the same meaning, and binds data: inputs from
 * `options.inputs`, weights from the graph, each stored in its requested format. Transposes and
 * size-1 reshapes become index renaming; ops on weights only are folded; softmax and layer_norm
 * are decomposed into reduce/elementwise statements; gemm becomes a product and a bias statement.
 */
export function modelToProgram(graph: ModelGraph, options: ModelToProgramOptions = {}): LoweredModel {
  const g: ModelGraph = { ...graph, values: { ...graph.values } };
  const low = new Lowering(g, { ...options, formats: { ...options.formats } });
  for (const n of graph.inputs) low.bindInput(n);
  for (const n of Object.keys(graph.weights)) low.bindWeight(n);
  for (const op of graph.ops) low.lowerOp(op);
  const outputs = low.finishOutputs();
  const program: TensorProgram = { name: ident(options.name ?? graph.name), tensors: low.tensors, statements: low.statements, outputs };
  return { program, data: low.data };
}
