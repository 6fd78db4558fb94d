import { makeRng, type Rng } from './rng';
import { tf } from './tf';

/**
 * Heteroscedastic surrogate (codesign-reference 2.1), one or several inputs (BOSHCODE: CNN and
 * accelerator embeddings), each through its own branch, concatenated, then a head.
 *  - teacher: predicts the mean loss; dropout 0.3 gives epistemic samples (MC dropout);
 *  - student: deterministic net trained to the std of `mcSamples` teacher passes = sigma_ep;
 *  - aleatoric net: outputs mean and log-variance, trained on the Gaussian NLL = sigma_al.
 * Deviations from the reference (documented in README): the aleatoric net is a
 * mean + log-variance MLP instead of an NPN (same NLL objective, no moment propagation);
 * training is full-batch Adam for a fixed number of epochs instead of per-sample steps with
 * early stopping (the data sets are tens of points; full batches are deterministic and fast);
 * the student is also fitted on a few unevaluated candidates so sigma_ep is informative
 * away from the data.
 */
export interface SurrogateOptions {
  epochs: number;
  learningRate: number;
  dropout: number;
  mcSamples: number;
  branchWidth: number;
  hidden: number;
}

export const DEFAULT_SURROGATE: SurrogateOptions = { epochs: 300, learningRate: 0.005, dropout: 0.3, mcSamples: 10, branchWidth: 32, hidden: 32 };

type Act = 'sigmoid' | 'softplus' | 'none';

/** Small MLP on tf variables with explicit, seeded initialisation and dropout masks. */
class Mlp {
  readonly vars: tf.Variable[] = [];
  private readonly branches: Array<Array<[tf.Variable, tf.Variable]>>;
  private readonly head: Array<[tf.Variable, tf.Variable]>;

  constructor(
    readonly dims: number[],
    readonly o: SurrogateOptions,
    readonly outputs: number,
    readonly outAct: Act,
    readonly dropout: number,
    rng: Rng,
  ) {
    const layer = (fin: number, fout: number): [tf.Variable, tf.Variable] => {
      const scale = Math.sqrt(2 / (fin + fout));
      const w = tf.variable(tf.tensor2d(Float32Array.from({ length: fin * fout }, () => rng.normal() * scale), [fin, fout]));
      const b = tf.variable(tf.zeros([fout]));
      this.vars.push(w, b);
      return [w, b];
    };
    this.branches = dims.map((d) => [layer(d, o.branchWidth), layer(o.branchWidth, o.branchWidth)]);
    const cat = o.branchWidth * dims.length;
    this.head = [layer(cat, o.hidden), layer(o.hidden, outputs)];
  }

  /** Forward pass; `masks` (one per dropout site) turn on dropout, undefined = deterministic. */
  forward(xs: tf.Tensor2D[], masks?: tf.Tensor2D[]): tf.Tensor2D {
    const drop = (h: tf.Tensor2D, i: number) => (masks ? (tf.mul(h, masks[i]) as tf.Tensor2D) : h);
    const hs = xs.map((x, i) => {
      let h = x;
      for (const [w, b] of this.branches[i]) h = tf.softplus(tf.add(tf.matMul(h, w), b)) as tf.Tensor2D;
      return h;
    });
    let h = drop(hs.length === 1 ? hs[0] : (tf.concat(hs, 1) as tf.Tensor2D), 0);
    h = drop(tf.softplus(tf.add(tf.matMul(h, this.head[0][0]), this.head[0][1])) as tf.Tensor2D, 1);
    const out = tf.add(tf.matMul(h, this.head[1][0]), this.head[1][1]) as tf.Tensor2D;
    if (this.outAct === 'sigmoid') return tf.sigmoid(out);
    if (this.outAct === 'softplus') return tf.softplus(out);
    return out;
  }

  /** Inverted-dropout masks for `n` rows, drawn from rng. */
  masks(n: number, rng: Rng): tf.Tensor2D[] {
    const keep = 1 - this.dropout;
    const mk = (width: number) => tf.tensor2d(Float32Array.from({ length: n * width }, () => (rng() < keep ? 1 / keep : 0)), [n, width]);
    return [mk(this.o.branchWidth * this.dims.length), mk(this.o.hidden)];
  }

  /** Starts the output layer at the given pre-activation (e.g. logit of the mean target). */
  setOutputBias(values: number[]): void {
    this.head[1][1].assign(tf.tensor1d(values));
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
  }
}

/** Splits a [n, sum(dims)] tensor into one slice per input. */
export function splitInputs(x: tf.Tensor2D, dims: number[]): tf.Tensor2D[] {
  return dims.length === 1 ? [x] : (tf.split(x, dims, 1) as tf.Tensor2D[]);
}

export interface Prediction {
  mu: number;
  sigmaEp: number;
  sigmaAl: number;
}

export class Surrogate {
  readonly o: SurrogateOptions;
  private teacher?: Mlp;
  private student?: Mlp;
  private aleatoric?: Mlp;

  /** `dims`: embedding length of each input (inputs are expected scaled to [0, 1]). */
  constructor(readonly dims: number[], options: Partial<SurrogateOptions> = {}, readonly seed = 1) {
    this.o = { ...DEFAULT_SURROGATE, ...options };
  }

  private fit(net: Mlp, X: tf.Tensor2D, loss: (pred: tf.Tensor2D) => tf.Scalar, rng: Rng): void {
    const opt = tf.train.adam(this.o.learningRate);
    const xs = splitInputs(X, this.dims);
    for (let e = 0; e < this.o.epochs; e++) {
      tf.tidy(() => {
        const masks = net.dropout > 0 ? net.masks(X.shape[0], rng) : undefined;
        opt.minimize(() => loss(net.forward(xs, masks)), false, net.vars);
      });
    }
    opt.dispose();
    if (this.dims.length > 1) xs.forEach((x) => x.dispose());
  }

  /**
   * Trains teacher, student and aleatoric nets. X: rows of concatenated inputs, y: losses in [0, 1].
   * `extra`: unevaluated candidates where the student also learns the teacher's spread.
   */
  train(X: number[][], y: number[], extra: number[][] = []): void {
    this.dispose();
    const rng = makeRng(this.seed);
    const D = this.dims.reduce((a, b) => a + b, 0);
    this.teacher = new Mlp(this.dims, this.o, 1, 'sigmoid', this.o.dropout, rng);
    this.student = new Mlp(this.dims, this.o, 1, 'softplus', 0, rng);
    this.aleatoric = new Mlp(this.dims, this.o, 2, 'none', 0, rng);
    // Start each output near its target: with Adam, a sigmoid output that starts far away can
    // overshoot into saturation where its gradient vanishes.
    const ym = Math.min(0.99, Math.max(0.01, y.reduce((a, b) => a + b, 0) / Math.max(1, y.length)));
    this.teacher.setOutputBias([Math.log(ym / (1 - ym))]);
    this.student.setOutputBias([Math.log(Math.expm1(0.05))]);
    this.aleatoric.setOutputBias([ym, Math.log(0.01)]);
    const Xt = tf.tensor2d(X.flat(), [X.length, D]);
    const yt = tf.tensor2d(y, [y.length, 1]);
    this.fit(this.teacher, Xt, (p) => tf.mean(tf.square(tf.sub(p, yt))) as tf.Scalar, rng);
    // student target: spread of MC-dropout teacher passes (on data and a few unevaluated points)
    const S = [...X, ...extra];
    const St = tf.tensor2d(S.flat(), [S.length, D]);
    const std = tf.tidy(() => {
      const xs = splitInputs(St, this.dims);
      const passes = [...Array(this.o.mcSamples)].map(() => this.teacher!.forward(xs, this.teacher!.masks(S.length, rng)));
      return tf.moments(tf.stack(passes), 0).variance.sqrt() as tf.Tensor2D;
    });
    this.fit(this.student, St, (p) => tf.mean(tf.square(tf.sub(p, std))) as tf.Scalar, rng);
    this.fit(
      this.aleatoric,
      Xt,
      (p) => {
        const [mu, lv] = tf.split(p, 2, 1);
        const logVar = tf.clipByValue(lv, -12, 2);
        return tf.mean(tf.mul(0.5, tf.add(tf.div(tf.square(tf.sub(mu, yt)), tf.exp(logVar)), logVar))) as tf.Scalar;
      },
      rng,
    );
    tf.dispose([Xt, yt, St, std]);
  }

  get trained(): boolean {
    return !!this.teacher;
  }

  /** Acquisition z = mu - k * sigma as a differentiable tensor of shape [n] (for GOBI). */
  acquisitionTensor(x: tf.Tensor2D, k: number, useAleatoric: boolean): tf.Tensor1D {
    const xs = splitInputs(x, this.dims);
    const mu = this.teacher!.forward(xs);
    let sigma = this.student!.forward(xs);
    if (useAleatoric) sigma = tf.add(sigma, tf.exp(tf.mul(0.5, tf.clipByValue(tf.slice(this.aleatoric!.forward(xs), [0, 1], [-1, 1]), -12, 2)))) as tf.Tensor2D;
    return tf.reshape(tf.sub(mu, tf.mul(k, sigma)), [-1]) as tf.Tensor1D;
  }

  /** Acquisition z = mu - k * sigma for rows of concatenated inputs (lower is better). */
  acquisition(X: number[][], k: number, useAleatoric: boolean): number[] {
    const D = this.dims.reduce((a, b) => a + b, 0);
    return tf.tidy(() => Array.from(this.acquisitionTensor(tf.tensor2d(X.flat(), [X.length, D]), k, useAleatoric).dataSync()));
  }

  /** Mean, epistemic and aleatoric sigma for rows of concatenated inputs. */
  predict(X: number[][]): Prediction[] {
    if (!this.teacher) throw new Error('surrogate not trained');
    const D = this.dims.reduce((a, b) => a + b, 0);
    const out: Prediction[] = [];
    for (let s = 0; s < X.length; s += 4096) {
      const rows = X.slice(s, s + 4096);
      const [mu, ep, al] = tf.tidy(() => {
        const xs = splitInputs(tf.tensor2d(rows.flat(), [rows.length, D]), this.dims);
        const a = this.aleatoric!.forward(xs);
        return [this.teacher!.forward(xs).dataSync(), this.student!.forward(xs).dataSync(), tf.exp(tf.mul(0.5, tf.clipByValue(tf.slice(a, [0, 1], [-1, 1]), -12, 2))).dataSync()];
      });
      for (let i = 0; i < rows.length; i++) out.push({ mu: mu[i], sigmaEp: ep[i], sigmaAl: al[i] });
    }
    return out;
  }

  dispose(): void {
    this.teacher?.dispose();
    this.student?.dispose();
    this.aleatoric?.dispose();
    this.teacher = this.student = this.aleatoric = undefined;
  }
}
