import { convert, formatName, fromCoo, fromDense, isDenseFormat, toCoo, type Expr, type SparseTensorData, type Statement, type TensorBindings, type TensorProgram } from '@fuseflow/ir';

type Access = Extract<Expr, { kind: 'access' }>;

/** Output elements up to which the contraction accumulates into a dense array (about 1.6 GB at the limit). */
const MAX_DENSE_OUT = 1 << 27;

/** The two accesses of `A(..) * B(..)` (summed over the indices the left side lacks), or undefined. */
function productOf(s: Statement): [Access, Access] | undefined {
  let e = s.rhs;
  if (e.kind === 'reduce') {
    if (e.op !== 'sum') return undefined;
    e = e.arg;
  }
  if (e.kind !== 'binary' || e.op !== 'mul' || e.lhs.kind !== 'access' || e.rhs.kind !== 'access') return undefined;
  return [e.lhs, e.rhs];
}

/**
 * `C(..) = A(..) * B(..)` with every right-side index not on the left summed: the dense
 * projections, attention products and FFN of a GPT-3 layer, each 10^8-10^9 products that the
 * reference evaluator visits point by point (52 CPU-s for one 12-head projection at sequence 1024,
 * a few seconds here). Same semantics: an output element is present iff at least one product is
 * (both operands present, in their declared formats), and its value is the sum of the products
 * (in another order, so it may differ in the last bits). Returns undefined for any other statement
 * shape (the caller evaluates those with evaluateStatement).
 */
export function contractProduct(p: TensorProgram, s: Statement, env: TensorBindings): SparseTensorData | undefined {
  const pair = productOf(s);
  if (!pair) return undefined;
  const [a, b] = pair;
  const out = s.lhs.indices;
  const decl = p.tensors[s.lhs.tensor];
  if (!decl || decl.format.blockShape || new Set(out).size !== out.length) return undefined;
  for (const x of [a, b]) {
    if (new Set(x.indices).size !== x.indices.length) return undefined;
    const d = p.tensors[x.tensor];
    if (!d || d.format.blockShape || !env[x.tensor] || env[x.tensor].format.blockShape) return undefined;
  }
  if (s.rhs.kind === 'reduce') {
    // an explicit sum must name exactly the indices the left side lacks
    const summed = [...new Set([...a.indices, ...b.indices])].filter((v) => !out.includes(v));
    if (summed.length !== s.rhs.indices.length || summed.some((v) => !(s.rhs as { indices: string[] }).indices.includes(v))) return undefined;
  }
  if (out.some((v) => !a.indices.includes(v) && !b.indices.includes(v))) return undefined;
  const size = decl.shape.reduce((x, y) => x * y, 1);
  if (size > MAX_DENSE_OUT) return undefined;
  const dataOf = (x: Access): SparseTensorData => {
    const t = env[x.tensor];
    const want = p.tensors[x.tensor].format;
    return formatName(t.format) === formatName(want) ? t : convert(t, want, { keepZeros: !isDenseFormat(t.format) });
  };
  const A = toCoo(dataOf(a));
  const B = toCoo(dataOf(b));
  const extent = (x: Access, v: string): number => p.tensors[x.tensor].shape[x.indices.indexOf(v)];
  // B's entries grouped by the coordinates of the indices both operands share.
  const shared = a.indices.filter((v) => b.indices.includes(v));
  let keys = 1;
  for (const v of shared) keys *= extent(b, v);
  if (keys > MAX_DENSE_OUT) return undefined;
  const keyOf = (x: Access, coo: { coords: Int32Array[] }, k: number): number => {
    let key = 0;
    for (const v of shared) key = key * extent(x, v) + coo.coords[x.indices.indexOf(v)][k];
    return key;
  };
  const nb = B.vals.length;
  const start = new Int32Array(keys + 1);
  const bKey = new Int32Array(nb);
  for (let k = 0; k < nb; k++) start[(bKey[k] = keyOf(b, B, k)) + 1]++;
  for (let q = 0; q < keys; q++) start[q + 1] += start[q];
  const fill = start.slice(0, keys);
  const order = new Int32Array(nb);
  for (let k = 0; k < nb; k++) order[fill[bKey[k]]++] = k;
  // Each output index takes its coordinate from A where A has it, else from B.
  const strides = new Array<number>(out.length);
  for (let m = out.length - 1, st = 1; m >= 0; m--) {
    strides[m] = st;
    st *= decl.shape[m];
  }
  const linPart = (x: Access, coo: { coords: Int32Array[] }, fromA: boolean): Float64Array => {
    const n = coo.coords[0]?.length ?? 0;
    const lin = new Float64Array(n);
    out.forEach((v, m) => {
      const at = x.indices.indexOf(v);
      if (at < 0 || (!fromA && a.indices.includes(v))) return;
      const c = coo.coords[at];
      for (let k = 0; k < n; k++) lin[k] += c[k] * strides[m];
    });
    return lin;
  };
  const aLin = linPart(a, A, true);
  const bLin = linPart(b, B, false);
  const bOrdLin = new Float64Array(nb);
  const bOrdVal = new Float64Array(nb);
  for (let q = 0; q < nb; q++) {
    bOrdLin[q] = bLin[order[q]];
    bOrdVal[q] = B.vals[order[q]];
  }
  const sum = new Float64Array(size);
  const present = new Uint8Array(size);
  const na = A.vals.length;
  for (let k = 0; k < na; k++) {
    const key = keyOf(a, A, k);
    const lo = start[key];
    const hi = start[key + 1];
    if (lo === hi) continue;
    const va = A.vals[k];
    const base = aLin[k];
    for (let q = lo; q < hi; q++) {
      const lin = base + bOrdLin[q];
      sum[lin] += va * bOrdVal[q];
      present[lin] = 1;
    }
  }
  if (isDenseFormat(decl.format)) return fromDense(decl.shape, sum, decl.format, s.lhs.tensor);
  let n = 0;
  for (let q = 0; q < size; q++) n += present[q];
  const coords = decl.shape.map(() => new Int32Array(n));
  const vals = new Float64Array(n);
  for (let q = 0, w = 0; q < size; q++) {
    if (!present[q]) continue;
    let r = q;
    for (let m = 0; m < out.length; m++) {
      coords[m][w] = Math.floor(r / strides[m]);
      r -= coords[m][w] * strides[m];
    }
    vals[w++] = sum[q];
  }
  return fromCoo(decl.shape, coords, vals, decl.format, s.lhs.tensor);
}
