import type { Rng } from './rng';
import type { Surrogate } from './surrogate';
import { tf } from './tf';

/** GOBI settings (codesign-reference 2.3). */
export interface GobiOptions {
  /** max iterations (reference: 200). */
  iterations: number;
  /** AdaHessian learning rate in the [0, 1]-scaled embedding space. */
  learningRate: number;
  /** exploration constant of z = mu - k * sigma (reference: 0.5). */
  k: number;
  /** stop once |z - z_old| < tol for more than `patience` consecutive steps. */
  tol: number;
  patience: number;
  /** finite-difference step of the Hessian-vector product. */
  hvpEps: number;
}

export const DEFAULT_GOBI: GobiOptions = { iterations: 200, learningRate: 0.05, k: 0.5, tol: 1e-5, patience: 5, hvpEps: 1e-2 };

export interface GobiResult {
  /** optimised points, one row per start, each coordinate clamped to [0, 1]. */
  x: number[][];
  /** acquisition per row before and after. */
  zStart: number[];
  zEnd: number[];
  iterations: number;
}

/**
 * Gradient-based optimisation of the input (GOBI) with AdaHessian: the surrogate is frozen, the
 * embedding is the variable. The diagonal Hessian is Hutchinson's estimate D = |v * (H v)| with
 * Rademacher v; H v is a central difference of gradients, because tfjs 4.22's nested tf.grad
 * does not differentiate through a gradient correctly (checked: it disagrees with finite
 * differences). Rows (parallel starts) are independent, so one batched gradient serves all.
 * Cosine-annealed learning rate; every step is clamped to the box [0, 1]^D.
 */
export function gobi(s: Surrogate, starts: number[][], useAleatoric: boolean, rng: Rng, options: Partial<GobiOptions> = {}): GobiResult {
  const o = { ...DEFAULT_GOBI, ...options };
  const n = starts.length;
  const D = starts[0].length;
  const f = (x: tf.Tensor) => tf.sum(s.acquisitionTensor(x as tf.Tensor2D, o.k, useAleatoric));
  const gradFn = tf.grad(f);
  const evalZ = (x: Float32Array): Float32Array => tf.tidy(() => s.acquisitionTensor(tf.tensor2d(x, [n, D]), o.k, useAleatoric).dataSync() as Float32Array);
  const x = Float32Array.from(starts.flat().map((v) => Math.min(1, Math.max(0, v))));
  const m = new Float32Array(n * D);
  const v2 = new Float32Array(n * D);
  const b1 = 0.9;
  const b2 = 0.999;
  const eps = 1e-4;
  const zStart = Array.from(evalZ(x));
  let zOld = zStart.slice();
  let still = 0;
  let it = 0;
  for (; it < o.iterations; it++) {
    const { g, hd } = tf.tidy(() => {
      const xt = tf.tensor2d(x, [n, D]);
      const g = gradFn(xt);
      const vr = tf.tensor2d(Float32Array.from({ length: n * D }, () => (rng() < 0.5 ? -1 : 1)), [n, D]);
      const gp = gradFn(tf.add(xt, tf.mul(vr, o.hvpEps)) as tf.Tensor2D);
      const gm = gradFn(tf.sub(xt, tf.mul(vr, o.hvpEps)) as tf.Tensor2D);
      const hv = tf.div(tf.sub(gp, gm), 2 * o.hvpEps);
      return { g: g.dataSync() as Float32Array, hd: tf.abs(tf.mul(vr, hv)).dataSync() as Float32Array };
    });
    const lr = (o.learningRate * (1 + Math.cos((Math.PI * it) / o.iterations))) / 2;
    const c1 = 1 - b1 ** (it + 1);
    const c2 = 1 - b2 ** (it + 1);
    for (let i = 0; i < n * D; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v2[i] = b2 * v2[i] + (1 - b2) * hd[i] * hd[i];
      x[i] = Math.min(1, Math.max(0, x[i] - (lr * (m[i] / c1)) / (Math.sqrt(v2[i] / c2) + eps)));
    }
    const z = Array.from(evalZ(x));
    const delta = Math.max(...z.map((zi, i) => Math.abs(zi - zOld[i])));
    zOld = z;
    still = delta < o.tol ? still + 1 : 0;
    if (still > o.patience) {
      it++;
      break;
    }
  }
  const rows = [...Array(n).keys()].map((r) => Array.from(x.subarray(r * D, (r + 1) * D)));
  return { x: rows, zStart, zEnd: zOld, iterations: it };
}
