import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import { deriveSeed, makeRng, sha256, type Rng } from './rng';
import { archHash, lowerArch, type CnnArch, type Plan, type PlanNode } from './space';
import { tf, tfReady } from './tf';

/** Accuracies in [0, 1]. */
export interface AccuracyResult {
  train?: number;
  val: number;
  test: number;
}

/** Anything that can tell how accurate an architecture is (trainer, GPU job, lookup table). */
export interface AccuracyEvaluator {
  evaluate(arch: CnnArch): Promise<AccuracyResult>;
}

// ---------------------------------------------------------------------------------------------
// Fashion-MNIST IDX files

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export interface ImageSet {
  images: Float32Array; // n x h x w, scaled to [0, 1]
  labels: Int32Array;
  n: number;
  h: number;
  w: number;
}

const idxCache = new Map<string, Buffer>();
function readIdx(file: string): Buffer {
  let buf = idxCache.get(file);
  if (!buf) {
    let raw: Buffer;
    try {
      raw = fs.readFileSync(file);
    } catch (e) {
      throw new FuseFlowError('FF_DATASET_MISSING', `cannot read ${file}: ${(e as Error).message}`, { suggestion: 'install the Debian package dataset-fashion-mnist, or set the evaluator option dataDir', cause: e });
    }
    buf = file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw;
    idxCache.set(file, buf);
  }
  return buf;
}

/**
 * Reads `count` examples starting at `offset` from an IDX image/label pair (gzip or plain);
 * `downsample` > 1 averages downsample x downsample pixel blocks (28x28 -> 14x14 with 2).
 */
export function readIdxImages(imagesFile: string, labelsFile: string, offset: number, count: number, downsample = 1): ImageSet {
  const img = readIdx(imagesFile);
  const lab = readIdx(labelsFile);
  if (img.readUInt32BE(0) !== 0x803) throw new FuseFlowError('FF_DATASET_INVALID', `${imagesFile}: not an IDX3 image file (magic 0x${img.readUInt32BE(0).toString(16)}, expected 0x803)`);
  if (lab.readUInt32BE(0) !== 0x801) throw new FuseFlowError('FF_DATASET_INVALID', `${labelsFile}: not an IDX1 label file (magic 0x${lab.readUInt32BE(0).toString(16)}, expected 0x801)`);
  const total = img.readUInt32BE(4);
  const h = img.readUInt32BE(8);
  const w = img.readUInt32BE(12);
  if (lab.readUInt32BE(4) !== total) throw new FuseFlowError('FF_DATASET_INVALID', `${labelsFile} has ${lab.readUInt32BE(4)} labels for ${total} images`);
  if (offset + count > total) throw new FuseFlowError('FF_DATASET_INVALID', `${imagesFile} has ${total} images; asked for ${count} from ${offset}`);
  const f = downsample;
  if (!Number.isInteger(f) || f < 1 || h % f || w % f) throw new FuseFlowError('FF_DATASET_INVALID', `downsample factor ${f} must be a positive integer dividing the image size ${h}x${w}`);
  const ho = h / f;
  const wo = w / f;
  const images = new Float32Array(count * ho * wo);
  for (let n = 0; n < count; n++) {
    const base = 16 + (offset + n) * h * w;
    for (let y = 0; y < ho; y++) {
      for (let x = 0; x < wo; x++) {
        let s = 0;
        for (let dy = 0; dy < f; dy++) for (let dx = 0; dx < f; dx++) s += img[base + (y * f + dy) * w + x * f + dx];
        images[(n * ho + y) * wo + x] = s / (255 * f * f);
      }
    }
  }
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) labels[i] = lab[8 + offset + i];
  return { images, labels, n: count, h: ho, w: wo };
}

// ---------------------------------------------------------------------------------------------
// tfjs trainer

export interface TrainerOptions {
  /** folder holding {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]. */
  dataDir: string;
  epochs: number;
  /** training images (the first N of the training file). */
  trainSize: number;
  /** validation images (the next N of the training file). */
  valSize: number;
  /** test images (the first N of the t10k file). */
  testSize: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  /** image side after downsampling the 28x28 originals by an integer factor (28, 14 or 7). */
  imageSize: number;
  /** JSON cache of results keyed by architecture hash and budget (absent: no disk cache). */
  cacheFile?: string;
  classes: number;
  /** told when the disk cache was corrupt (the bad parts are dropped and retrained). */
  onWarning?: (message: string) => void;
}

export const DEFAULT_TRAINER: TrainerOptions = { dataDir: FASHION_MNIST_DIR, epochs: 1, trainSize: 1000, valSize: 300, testSize: 300, batchSize: 32, learningRate: 0.005, seed: 1, classes: 10, imageSize: 14 };

interface BnState {
  gamma: tf.Variable;
  beta: tf.Variable;
  mean: tf.Tensor;
  variance: tf.Tensor;
}

/**
 * Stride-1 convolution as a sum of k*k shifted [N*H*W, Cin] x [Cin, Cout] matmuls. tfjs 4.22's
 * CPU conv2d backward pass is 30-80x slower than its forward pass (measured: 47 s for one
 * 32x28x28x16 3x3 layer); slice/pad/matMul have cheap gradients.
 */
export function shiftConv(x: tf.Tensor4D, w: tf.Tensor4D, pad: number): tf.Tensor4D {
  const [n, h, wd, cin] = x.shape;
  const k = w.shape[0];
  const cout = w.shape[3];
  const ho = h + 2 * pad - k + 1;
  const wo = wd + 2 * pad - k + 1;
  const xp = pad ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : x;
  let acc: tf.Tensor2D | undefined;
  for (let dy = 0; dy < k; dy++) {
    for (let dx = 0; dx < k; dx++) {
      const s = tf.reshape(tf.slice(xp, [0, dy, dx, 0], [n, ho, wo, cin]), [n * ho * wo, cin]) as tf.Tensor2D;
      const t = tf.matMul(s, tf.reshape(tf.slice(w, [dy, dx, 0, 0], [1, 1, cin, cout]), [cin, cout]) as tf.Tensor2D) as tf.Tensor2D;
      acc = acc ? (tf.add(acc, t) as tf.Tensor2D) : t;
    }
  }
  return tf.reshape(acc!, [n, ho, wo, cout]);
}

/** Depth-wise stride-1 convolution as a sum of shifted, per-channel scaled copies (w: [k, k, C, 1]). */
export function shiftDepthwise(x: tf.Tensor4D, w: tf.Tensor4D, pad: number): tf.Tensor4D {
  const [n, h, wd, c] = x.shape;
  const k = w.shape[0];
  const ho = h + 2 * pad - k + 1;
  const wo = wd + 2 * pad - k + 1;
  const xp = pad ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : x;
  let acc: tf.Tensor4D | undefined;
  for (let dy = 0; dy < k; dy++) {
    for (let dx = 0; dx < k; dx++) {
      const t = tf.mul(tf.slice(xp, [0, dy, dx, 0], [n, ho, wo, c]), tf.reshape(tf.slice(w, [dy, dx, 0, 0], [1, 1, c, 1]), [c])) as tf.Tensor4D;
      acc = acc ? (tf.add(acc, t) as tf.Tensor4D) : t;
    }
  }
  return acc!;
}

/**
 * Max/average pooling from slices, reshapes and elementwise folds (cheap gradients); tfjs's CPU
 * maxPool backward is slow like conv2d's.
 */
export function shiftPool(x: tf.Tensor4D, pool: 'max' | 'avg', k: number, stride: number, pad: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (stride === k && pad === 0) {
    // non-overlapping windows: crop, split each spatial axis into (blocks, k), reduce the k axes
    const ho = Math.floor(h / k);
    const wo = Math.floor(w / k);
    const crop = ho * k === h && wo * k === w ? x : tf.slice(x, [0, 0, 0, 0], [n, ho * k, wo * k, c]);
    const r = tf.reshape(crop, [n, ho, k, wo, k, c]);
    return (pool === 'max' ? tf.max(r, [2, 4]) : tf.mean(r, [2, 4])) as tf.Tensor4D;
  }
  if (stride !== 1) return pool === 'max' ? tf.maxPool(x, k, stride, pad ? 'same' : 'valid') : tf.avgPool(x, k, stride, pad ? 'same' : 'valid');
  const ho = h + 2 * pad - k + 1;
  const wo = w + 2 * pad - k + 1;
  const padded = (t: tf.Tensor4D, v: number) => (pad ? tf.pad(t, [[0, 0], [pad, pad], [pad, pad], [0, 0]], v) : t);
  const fold = (t: tf.Tensor4D, ch: number, batch: number, max: boolean) => {
    let acc: tf.Tensor4D | undefined;
    for (let dy = 0; dy < k; dy++) {
      for (let dx = 0; dx < k; dx++) {
        const s = tf.slice(t, [0, dy, dx, 0], [batch, ho, wo, ch]);
        acc = acc ? ((max ? tf.maximum(acc, s) : tf.add(acc, s)) as tf.Tensor4D) : s;
      }
    }
    return acc!;
  };
  if (pool === 'max') return fold(padded(x, -1e30), c, n, true);
  // average over the real (unpadded) pixels under each window, like tfjs 'same' pooling
  return tf.div(fold(padded(x, 0), c, n, false), fold(padded(tf.ones([1, h, w, 1]), 0), 1, 1, false));
}

/** A CNN from a Plan as tfjs variables (NHWC), with batch-norm running statistics. */
class TfCnn {
  readonly vars: tf.Variable[] = [];
  private readonly filters = new Map<string, tf.Variable[]>();
  private readonly biases = new Map<string, tf.Variable>();
  private readonly bn = new Map<string, BnState>();
  private batchStats: Array<{ id: string; mean: tf.Tensor; variance: tf.Tensor }> = [];

  constructor(readonly plan: Plan, rng: Rng) {
    const he = (shape: number[], fanIn: number) => {
      const v = tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * Math.sqrt(2 / fanIn)), shape));
      this.vars.push(v);
      return v;
    };
    const zeros = (n: number, fill = 0) => {
      const v = tf.variable(tf.fill([n], fill));
      this.vars.push(v);
      return v;
    };
    for (const n of plan.nodes) {
      if (n.op === 'conv') {
        const fanIn = n.k * n.k * (n.cin / n.groups);
        if (n.groups === n.cin && n.cout === n.cin && n.groups > 1) this.filters.set(n.id, [he([n.k, n.k, n.cin, 1], fanIn)]);
        else this.filters.set(n.id, [...Array(n.groups)].map(() => he([n.k, n.k, n.cin / n.groups, n.cout / n.groups], fanIn)));
        if (n.bnRelu) this.bn.set(n.id, { gamma: zeros(n.cout, 1), beta: zeros(n.cout), mean: tf.zeros([n.cout]), variance: tf.ones([n.cout]) });
        else this.biases.set(n.id, zeros(n.cout));
      } else if (n.op === 'dense') {
        this.filters.set(n.id, [he([n.fin, n.fout], n.fin)]);
        this.biases.set(n.id, zeros(n.fout));
      }
    }
  }

  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D {
    const vals = new Map<string, tf.Tensor>([['input', x]]);
    const get = (id: string) => vals.get(id)!;
    for (const n of this.plan.nodes) vals.set(n.id, this.apply(n, get, training));
    return vals.get(this.plan.output) as tf.Tensor2D;
  }

  private apply(n: PlanNode, get: (id: string) => tf.Tensor, training: boolean): tf.Tensor {
    switch (n.op) {
      case 'conv': {
        const x = get(n.input) as tf.Tensor4D;
        const f = this.filters.get(n.id)!;
        let y: tf.Tensor4D;
        if (n.groups === 1) y = shiftConv(x, f[0] as tf.Tensor4D, n.pad);
        else if (f.length === 1) y = shiftDepthwise(x, f[0] as tf.Tensor4D, n.pad);
        else {
          const xs = tf.split(x, n.groups, 3);
          y = tf.concat(xs.map((xi, g) => shiftConv(xi as tf.Tensor4D, f[g] as tf.Tensor4D, n.pad)), 3);
        }
        if (!n.bnRelu) return tf.add(y, this.biases.get(n.id)!);
        const bn = this.bn.get(n.id)!;
        let mean = bn.mean;
        let variance = bn.variance;
        if (training) {
          const m = tf.moments(y, [0, 1, 2]);
          mean = m.mean;
          variance = m.variance;
          this.batchStats.push({ id: n.id, mean: tf.keep(mean), variance: tf.keep(variance) });
        }
        return tf.relu(tf.batchNorm(y, mean, variance, bn.beta, bn.gamma, 1e-5));
      }
      case 'pool': {
        return shiftPool(get(n.input) as tf.Tensor4D, n.pool, n.k, n.stride, n.pad);
      }
      case 'add':
        return tf.add(get(n.inputs[0]), get(n.inputs[1]));
      case 'shuffle': {
        const x = get(n.input);
        const [b, h, w, c] = x.shape;
        return tf.reshape(tf.transpose(tf.reshape(x, [b, h, w, n.groups, c / n.groups]), [0, 1, 2, 4, 3]), [b, h, w, c]);
      }
      case 'gap':
        return tf.mean(get(n.input), [1, 2], true);
      case 'flatten': {
        const x = get(n.input);
        return tf.reshape(x, [x.shape[0], -1]);
      }
      case 'dense': {
        const y = tf.add(tf.matMul(get(n.input) as tf.Tensor2D, this.filters.get(n.id)![0] as tf.Tensor2D), this.biases.get(n.id)!);
        return n.relu ? tf.relu(y) : y;
      }
    }
  }

  /** Folds the batch statistics of the last training step into the running averages. */
  updateRunningStats(momentum = 0.8): void {
    for (const s of this.batchStats) {
      const bn = this.bn.get(s.id)!;
      const mean = tf.tidy(() => tf.add(tf.mul(bn.mean, momentum), tf.mul(s.mean, 1 - momentum)));
      const variance = tf.tidy(() => tf.add(tf.mul(bn.variance, momentum), tf.mul(s.variance, 1 - momentum)));
      tf.dispose([bn.mean, bn.variance, s.mean, s.variance]);
      bn.mean = mean;
      bn.variance = variance;
    }
    this.batchStats = [];
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
    for (const b of this.bn.values()) tf.dispose([b.mean, b.variance]);
  }
}

// ---------------------------------------------------------------------------------------------
// Training-result cache on disk

/** One cached training result; `sum` is a checksum of the key and the accuracies. */
export type CachedAccuracy = AccuracyResult & { seconds?: number; sum?: string };

const CACHE_FORMAT = 'fuseflow-accuracy-cache/2';
const CACHE_KEY = /^[0-9a-f]{64}:i\d+-e\d+-n\d+-v\d+-t\d+-b\d+-lr[0-9.e+-]+-s-?\d+$/;

/** Checksum of a cache entry: a flipped digit or an edited value makes it disagree. */
export function accuracySum(key: string, r: AccuracyResult): string {
  return sha256(JSON.stringify([key, r.train ?? null, r.val, r.test])).slice(0, 16);
}

const isAccuracy = (x: unknown) => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1;

/**
 * Reads a training cache without trusting it: a file that is not JSON (truncated by a kill, say)
 * is renamed to `<file>.corrupt` and the cache starts empty; an entry with a malformed key, an
 * accuracy outside [0, 1] or a checksum that disagrees is dropped. A dropped entry costs one
 * retraining; a trusted wrong one would silently steer every later search. The legacy format (a
 * flat object without checksums) is read with the same range checks and upgraded on the next write.
 */
export function readAccuracyCache(file: string): { entries: Record<string, CachedAccuracy>; problems: string[] } {
  const problems: string[] = [];
  if (!fs.existsSync(file)) return { entries: {}, problems };
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    doc = undefined;
    problems.push(`not valid JSON (${(e as Error).message})`);
  }
  const versioned = !!doc && typeof doc === 'object' && (doc as { format?: unknown }).format !== undefined;
  if (versioned && (doc as { format: unknown }).format !== CACHE_FORMAT) problems.push(`unknown format ${JSON.stringify((doc as { format: unknown }).format)} (expected ${CACHE_FORMAT})`);
  const raw = versioned ? (doc as { entries?: unknown }).entries : doc;
  if (!problems.length && (!raw || typeof raw !== 'object' || Array.isArray(raw))) problems.push(versioned ? `'entries' is not an object` : 'not a JSON object');
  if (problems.length) {
    fs.renameSync(file, `${file}.corrupt`);
    problems.push(`moved aside to ${path.basename(file)}.corrupt`);
    return { entries: {}, problems };
  }
  const entries: Record<string, CachedAccuracy> = {};
  const bad: string[] = [];
  for (const [key, v] of Object.entries(raw as Record<string, unknown>)) {
    const r = v as CachedAccuracy;
    const ok =
      CACHE_KEY.test(key) &&
      !!r &&
      typeof r === 'object' &&
      isAccuracy(r.val) &&
      isAccuracy(r.test) &&
      (r.train === undefined || isAccuracy(r.train)) &&
      (versioned ? r.sum === accuracySum(key, r) : r.sum === undefined || r.sum === accuracySum(key, r));
    if (ok) entries[key] = r;
    else bad.push(key.slice(0, 12));
  }
  if (bad.length) problems.push(`${bad.length} invalid entr${bad.length === 1 ? 'y' : 'ies'} dropped (${bad.slice(0, 3).join(', ')}${bad.length > 3 ? ', ...' : ''})`);
  return { entries, problems };
}

/** Writes the cache atomically (temp file + rename), with a checksum per entry. */
export function writeAccuracyCache(file: string, entries: Record<string, CachedAccuracy>): void {
  const out: Record<string, CachedAccuracy> = {};
  for (const [k, r] of Object.entries(entries)) out[k] = { ...r, sum: accuracySum(k, r) };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ format: CACHE_FORMAT, entries: out }, null, 1));
  fs.renameSync(tmp, file);
}

/**
 * Trains each architecture on Fashion-MNIST with tfjs (CPU backend): Adam, softmax cross-entropy,
 * seeded initialisation and batch order. Results are cached in memory and, with `cacheFile`,
 * on disk by (architecture hash, budget), so no architecture is trained twice.
 */
export class FashionMnistTrainer implements AccuracyEvaluator {
  readonly o: TrainerOptions;
  private readonly inflight = new Map<string, Promise<AccuracyResult>>();
  private cache: Record<string, CachedAccuracy> = {};
  /** number of architectures actually trained by this instance (cache misses). */
  trained = 0;

  /** what was wrong with the disk cache when it was loaded (empty: it was intact or absent). */
  readonly cacheProblems: string[] = [];

  constructor(options: Partial<TrainerOptions> = {}) {
    this.o = { ...DEFAULT_TRAINER, ...options };
    if (this.o.cacheFile) {
      const loaded = readAccuracyCache(this.o.cacheFile);
      this.cache = loaded.entries;
      this.cacheProblems.push(...loaded.problems);
      if (loaded.problems.length) this.o.onWarning?.(`accuracy cache ${this.o.cacheFile}: ${loaded.problems.join('; ')}; the affected architectures will be retrained`);
    }
  }

  /** Cache key: architecture hash plus every knob that changes the result. */
  cacheKey(arch: CnnArch): string {
    const o = this.o;
    return `${archHash(arch)}:i${o.imageSize}-e${o.epochs}-n${o.trainSize}-v${o.valSize}-t${o.testSize}-b${o.batchSize}-lr${o.learningRate}-s${o.seed}`;
  }

  evaluate(arch: CnnArch): Promise<AccuracyResult> {
    const key = this.cacheKey(arch);
    const hit = this.cache[key];
    if (hit) return Promise.resolve({ train: hit.train, val: hit.val, test: hit.test });
    let p = this.inflight.get(key);
    if (!p) {
      p = this.train(arch).then((r) => {
        this.cache[key] = r;
        if (this.o.cacheFile) writeAccuracyCache(this.o.cacheFile, this.cache);
        this.inflight.delete(key);
        return { train: r.train, val: r.val, test: r.test };
      });
      this.inflight.set(key, p);
    }
    return p;
  }

  private async train(arch: CnnArch): Promise<AccuracyResult & { seconds: number }> {
    await tfReady();
    this.trained++;
    const t0 = Date.now();
    const o = this.o;
    const file = (set: 'train' | 't10k', kind: 'images-idx3' | 'labels-idx1') => {
      const base = path.join(o.dataDir, `${set}-${kind}-ubyte`);
      return fs.existsSync(`${base}.gz`) ? `${base}.gz` : base;
    };
    const ds = 28 / o.imageSize;
    const train = readIdxImages(file('train', 'images-idx3'), file('train', 'labels-idx1'), 0, o.trainSize, ds);
    const val = readIdxImages(file('train', 'images-idx3'), file('train', 'labels-idx1'), o.trainSize, o.valSize, ds);
    const test = readIdxImages(file('t10k', 'images-idx3'), file('t10k', 'labels-idx1'), 0, o.testSize, ds);
    const plan = lowerArch(arch, [1, train.h, train.w], o.classes);
    const rng = makeRng(deriveSeed(o.seed, 'train', archHash(arch)));
    const net = new TfCnn(plan, rng);
    const opt = tf.train.adam(o.learningRate);
    const px = train.h * train.w;
    try {
      for (let e = 0; e < o.epochs; e++) {
        const order = [...Array(train.n).keys()];
        for (let i = order.length - 1; i > 0; i--) {
          const j = rng.int(i + 1);
          [order[i], order[j]] = [order[j], order[i]];
        }
        for (let s = 0; s < order.length; s += o.batchSize) {
          const idx = order.slice(s, s + o.batchSize);
          if (idx.length < 2) continue; // batch norm needs a spread
          const xb = new Float32Array(idx.length * px);
          idx.forEach((k, r) => xb.set(train.images.subarray(k * px, (k + 1) * px), r * px));
          tf.tidy(() => {
            const x = tf.tensor4d(xb, [idx.length, train.h, train.w, 1]);
            const y = tf.oneHot(tf.tensor1d(Int32Array.from(idx.map((k) => train.labels[k])), 'int32'), o.classes);
            opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, true)) as tf.Scalar, false, net.vars);
          });
          net.updateRunningStats();
          await new Promise((r) => setImmediate(r)); // keep the event loop (progress, signals) alive
        }
      }
      const acc = (set: ImageSet): number => {
        let correct = 0;
        for (let s = 0; s < set.n; s += 256) {
          const m = Math.min(256, set.n - s);
          const pred = tf.tidy(() => tf.argMax(net.forward(tf.tensor4d(set.images.subarray(s * px, (s + m) * px), [m, set.h, set.w, 1]), false), 1).dataSync());
          for (let i = 0; i < m; i++) if (pred[i] === set.labels[s + i]) correct++;
        }
        return correct / set.n;
      };
      return { train: acc(train), val: acc(val), test: acc(test), seconds: (Date.now() - t0) / 1000 };
    } finally {
      opt.dispose();
      net.dispose();
    }
  }
}

/**
 * Known accuracies from a JSON file: `{ "<archHash>": { "val": 0.91, "test": 0.9, "train"?: ... } }`
 * (values in [0, 1]; values above 1 are read as percentages, the reference's convention).
 */
export class TableEvaluator implements AccuracyEvaluator {
  private readonly table: Record<string, AccuracyResult>;

  constructor(
    source: string | Record<string, AccuracyResult>,
    private readonly label = typeof source === 'string' ? source : '<table>',
  ) {
    if (typeof source === 'string') {
      try {
        this.table = JSON.parse(fs.readFileSync(source, 'utf8'));
      } catch (e) {
        throw new FuseFlowError('FF_EVAL_TABLE', `cannot read accuracy table ${source}: ${(e as Error).message}`, { cause: e });
      }
    } else this.table = source;
  }

  async evaluate(arch: CnnArch): Promise<AccuracyResult> {
    const h = archHash(arch);
    const r = this.table[h];
    if (!r || typeof r.val !== 'number' || typeof r.test !== 'number') {
      throw new FuseFlowError('FF_EVAL_MISSING', `accuracy table ${this.label} has no entry with numeric 'val' and 'test' for architecture ${h}`, { suggestion: 'train it (evaluator.kind = "tfjs") or add the row' });
    }
    const pct = (x: number | undefined) => (x === undefined ? undefined : x > 1 ? x / 100 : x);
    return { train: pct(r.train), val: pct(r.val)!, test: pct(r.test)! };
  }
}
