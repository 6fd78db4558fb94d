import type { AluOp, NodeAttrs } from '@fuseflow/ir';
import { binaryFn } from './ops';

/** Value tiles of block mode: tokens carry handles into this store (-1 = the zero tile). */
export class TileStore {
  tiles: Float64Array[] = [];
  constructor(readonly n: number) {}
  /** tile `h`; -1 is the zero tile of `len` elements (N x N unless told). */
  get(h: number, len = this.n * this.n): Float64Array {
    return h < 0 ? new Float64Array(len) : this.tiles[h];
  }
  add(t: Float64Array): number {
    this.tiles.push(t);
    return this.tiles.length - 1;
  }
}

/**
 * Index variables of the tiles of a block-mode binary ALU (NodeAttrs `tile`, set by pass-lower-sam):
 * each tile is dense row-major over its variables (N per variable); `out` lists the result's.
 * A variable of a or b missing from `out` is contracted (summed inside the tile; 'mul' only).
 */
export interface TileSpec {
  a: string[];
  b: string[];
  out: string[];
}

/**
 * Node attributes in block mode. `tile` is not (yet) part of NodeAttrs in @fuseflow/ir; the
 * lowering writes it as plain data next to `matmul`.
 */
export type BlockAttrs = NodeAttrs & { tile?: TileSpec };

export function showTileSpec(t: TileSpec): string {
  return `${t.a.join('.')},${t.b.join('.')}->${t.out.join('.')}`;
}

/** Strides (elements) of each variable of `out` plus the contracted ones, per operand. */
export interface TilePlan {
  /** loop extent per variable (N); out variables first, row-major, then the contracted ones. */
  nOut: number;
  loops: number;
  strideA: Int32Array;
  strideB: Int32Array;
  lenA: number;
  lenB: number;
  /** a shape the plain N x N kernels handle: 1 element-wise (same variables, same order), 2 row-major matmul. */
  plain: 0 | 1 | 2;
}

export function tilePlan(spec: TileSpec, n: number): TilePlan {
  const contracted = [...new Set([...spec.a, ...spec.b])].filter((v) => !spec.out.includes(v));
  const vars = [...spec.out, ...contracted];
  const stride = (vs: string[]): Int32Array => Int32Array.from(vars.map((v) => (vs.includes(v) ? n ** (vs.length - 1 - vs.indexOf(v)) : 0)));
  const [a, b, o] = [spec.a.join(), spec.b.join(), spec.out.join()];
  const ewise = spec.out.length === 2 && a === o && b === o;
  const mm = spec.a.length === 2 && spec.b.length === 2 && contracted.length === 1 && spec.a[1] === contracted[0] && spec.b[0] === contracted[0] && o === [spec.a[0], spec.b[1]].join();
  const plain = ewise ? 1 : mm ? 2 : 0;
  return { nOut: n ** spec.out.length, loops: vars.length, strideA: stride(spec.a), strideB: stride(spec.b), lenA: n ** spec.a.length, lenB: n ** spec.b.length, plain };
}

/**
 * Block-mode reduce over variables inside the tile (NodeAttrs `tile` on a reduce: `a` the body's
 * tile variables, `out` the kept ones, e.g. a row max {a: [i,j], out: [i]}): for each input
 * element, the output element it folds into. The primitive folds each tile this way first, then
 * across the tiles of the fiber as usual.
 */
export interface TileReducePlan {
  into: Int32Array;
  lenOut: number;
}

export function tileReducePlan(spec: TileSpec, n: number): TileReducePlan {
  const lenIn = n ** spec.a.length;
  const into = new Int32Array(lenIn);
  const strideOut = spec.a.map((v) => (spec.out.includes(v) ? n ** (spec.out.length - 1 - spec.out.indexOf(v)) : 0));
  for (let q = 0; q < lenIn; q++) {
    let r = q;
    let o = 0;
    for (let d = spec.a.length - 1; d >= 0; d--) {
      o += (r % n) * strideOut[d];
      r = Math.floor(r / n);
    }
    into[q] = o;
  }
  return { into, lenOut: n ** spec.out.length };
}

/** Folds one tile over its reduced variables (sum, or max). */
export function tileReduce(plan: TileReducePlan, src: Float64Array, isMax: boolean): Float64Array {
  const out = new Float64Array(plan.lenOut).fill(isMax ? -Infinity : 0);
  const into = plan.into;
  for (let q = 0; q < into.length; q++) {
    const o = into[q];
    out[o] = isMax ? (src[q] > out[o] ? src[q] : out[o]) : out[o] + src[q];
  }
  return out;
}

/** A binary op over tiles with named variables: broadcast element-wise, summing contracted variables (mul). */
export function tileEinsum(op: AluOp, plan: TilePlan, a: Float64Array, b: Float64Array, n: number): Float64Array {
  if (plan.plain !== 0) return tileBinary(op, plan.plain === 2, a, b, n);
  const out = new Float64Array(plan.nOut);
  const f = binaryFn(op);
  const k = plan.loops;
  const idx = new Int32Array(k);
  const total = n ** k;
  const per = total / plan.nOut; // contracted combinations per output element (vars: out first)
  for (let q = 0; q < total; q++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < k; d++) {
      ia += idx[d] * plan.strideA[d];
      ib += idx[d] * plan.strideB[d];
    }
    const o = Math.floor(q / per);
    if (per === 1) out[o] = f(a[ia], b[ib]);
    else out[o] += a[ia] * b[ib];
    for (let d = k - 1; d >= 0; d--) {
      if (++idx[d] < n) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Tile arithmetic of block mode without a tile spec: N x N element-wise or (matmul) row-major matrix product. */
export function tileBinary(op: AluOp, matmul: boolean, a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  if (op === 'mul' && matmul) {
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) {
        const x = a[i * n + k];
        if (x === 0) continue;
        for (let j = 0; j < n; j++) out[i * n + j] += x * b[k * n + j];
      }
    return out;
  }
  const f = binaryFn(op);
  for (let i = 0; i < n * n; i++) out[i] = f(a[i], b[i]);
  return out;
}
