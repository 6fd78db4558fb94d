import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import { accessesOf, evaluateStatement, isDenseFormat, type Expr, type Statement, type SparseTensorData, type TensorBindings, type TensorProgram } from '@fuseflow/ir';
import { sliceTensor, unitRows } from './sampler';
import { contractProduct } from './contract';

/** A statement's value: products of two operands by the typed-array contraction, the rest by the reference evaluator. */
function evaluate(p: TensorProgram, s: Statement, env: TensorBindings): SparseTensorData {
  return contractProduct(p, s, env) ?? evaluateStatement(p, s, env);
}

function reducesVar(e: Expr, v: string): boolean {
  switch (e.kind) {
    case 'reduce':
      return e.indices.includes(v) || reducesVar(e.arg, v);
    case 'binary':
      return reducesVar(e.lhs, v) || reducesVar(e.rhs, v);
    case 'unary':
      return reducesVar(e.arg, v);
    default:
      return false;
  }
}

/**
 * Reference values for a sampled run, computed on demand: a tensor's rows for some units are
 * evaluated on the matching rows of its operands (only the sample's work) wherever every access of
 * an operand is indexed by the same variable on one mode; other operands (read along another
 * index, e.g. T1(k,h) under A(i,k)) are evaluated in full once and cached. The sampled path thus
 * never evaluates the last statement of a chain in full, and a one-statement program not at all.
 */
export class SampledReference {
  private readonly full = new Map<string, SparseTensorData>();
  private readonly writer = new Map<string, Statement>();

  constructor(
    private readonly program: TensorProgram,
    private readonly data: TensorBindings,
  ) {
    for (const s of program.statements) this.writer.set(s.lhs.tensor, s);
  }

  /** The whole tensor (bound input, or intermediate evaluated from its statement). */
  fullOf(name: string): SparseTensorData {
    const done = this.full.get(name);
    if (done) return done;
    const s = this.writer.get(name);
    let t: SparseTensorData | undefined;
    if (!s) {
      t = this.data[name];
      if (!t) throw new FuseFlowError('FF_INPUT_INVALID', `program ${this.program.name}: no data bound to tensor '${name}'`);
    } else {
      const env: TensorBindings = {};
      for (const a of accessesOf(s.rhs)) env[a.tensor] ??= this.fullOf(a.tensor);
      t = evaluate(this.program, s, env);
    }
    this.full.set(name, t);
    return t;
  }

  /** Rows `units` (unit height h) of tensor `name` along `mode`, renumbered in the units' order. */
  rowsOf(name: string, mode: number, units: readonly number[], h: number): SparseTensorData {
    const s = this.writer.get(name);
    const decl = this.program.tensors[name];
    if (!s || !decl) {
      // A bound input, brought to its declared format as the evaluator does (dense data loses its
      // zeros in a sparse format, sparse data keeps its stored zeros).
      const t = this.fullOf(name);
      return sliceTensor(t, mode, units, h, decl?.format ?? t.format, !!decl && isDenseFormat(t.format) && !isDenseFormat(decl.format));
    }
    const cached = this.full.get(name);
    if (cached) return sliceTensor(cached, mode, units, h, decl.format);
    const v = s.lhs.indices[mode];
    const whole = (): SparseTensorData => sliceTensor(this.fullOf(name), mode, units, h, decl.format);
    if (s.lhs.indices.filter((x) => x === v).length !== 1 || reducesVar(s.rhs, v)) return whole();
    // Per operand: the one mode v indexes in every access, null when no access uses v.
    const modes = new Map<string, number | null>();
    for (const a of accessesOf(s.rhs)) {
      const at = a.indices.filter((x) => x === v).length > 1 ? -2 : a.indices.indexOf(v);
      const m = at === -1 ? null : at;
      const prev = modes.get(a.tensor);
      if (at === -2 || (prev !== undefined && prev !== m)) return whole();
      modes.set(a.tensor, m);
    }
    const env: TensorBindings = {};
    const tensors = { ...this.program.tensors };
    for (const [t, m] of modes) {
      if (m === null) {
        env[t] = this.fullOf(t);
        continue;
      }
      env[t] = this.rowsOf(t, m, units, h);
      tensors[t] = { ...tensors[t], shape: env[t].shape.slice() };
    }
    const shape = decl.shape.slice();
    shape[mode] = unitRows(decl.shape[mode], units, h);
    tensors[name] = { ...decl, shape };
    return evaluate({ ...this.program, tensors }, s, env);
  }
}
