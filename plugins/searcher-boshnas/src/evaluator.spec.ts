import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { accuracySum, FASHION_MNIST_DIR, FashionMnistTrainer, readAccuracyCache, readIdxImages, shiftConv, shiftPool } from './evaluator';
import { makeEvaluator, resolveBoshOptions } from './searcher';
import { DEFAULT_SPACE, type CnnArch } from './space';
import { tf, tfReady } from './tf';

const chain = (labels: string[]) => ({ labels, matrix: labels.map((_, i) => labels.map((__, j) => (j === i + 1 ? 1 : 0))) });
const img = (set: string, kind: string) => path.join(FASHION_MNIST_DIR, `${set}-${kind}-ubyte.gz`);

beforeAll(() => tfReady());

describe('Fashion-MNIST reader', () => {
  it('reads IDX images/labels and downsamples by block averaging', () => {
    const full = readIdxImages(img('train', 'images-idx3'), img('train', 'labels-idx1'), 0, 3);
    expect([full.h, full.w]).toEqual([28, 28]);
    expect(Array.from(full.labels)).toEqual([9, 0, 0]); // ankle boot, T-shirt, T-shirt
    const half = readIdxImages(img('train', 'images-idx3'), img('train', 'labels-idx1'), 0, 3, 2);
    expect([half.h, half.w]).toEqual([14, 14]);
    for (const [n, y, x] of [[0, 7, 7], [1, 3, 10], [2, 13, 0]]) {
      const at = (yy: number, xx: number) => full.images[n * 784 + yy * 28 + xx];
      expect(half.images[n * 196 + y * 14 + x]).toBeCloseTo((at(2 * y, 2 * x) + at(2 * y + 1, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x + 1)) / 4, 6);
    }
  });
});

describe('tfjs layers with cheap gradients', () => {
  it('shiftConv and shiftPool equal tfjs conv2d / maxPool / avgPool', () => {
    const x = tf.randomNormal([2, 7, 7, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 4, 5], 0, 1, 'float32', 4) as tf.Tensor4D;
    const diff = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    expect(diff(shiftConv(x, w, 1), tf.conv2d(x, w, 1, 'same'))).toBeLessThan(1e-4);
    expect(diff(shiftPool(x, 'max', 3, 1, 1), tf.maxPool(x, 3, 1, 'same'))).toBeLessThan(1e-6);
    expect(diff(shiftPool(x, 'avg', 3, 1, 1), tf.avgPool(x, 3, 1, 'same'))).toBeLessThan(1e-5);
    expect(diff(shiftPool(x, 'max', 2, 2, 0), tf.maxPool(x, 2, 2, 'valid'))).toBeLessThan(1e-6);
  });
});

describe('FashionMnistTrainer', () => {
  it('a tiny real training run beats chance, and the disk cache prevents retraining', async () => {
    const cacheFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fmnist-')), 'cache.json');
    const arch: CnnArch = { modules: [chain(['input', 'conv3x3-c4-bn-relu', 'output']), chain(['input', 'maxpool2x2-s2', 'output'])], head: ['flatten'] };
    const knobs = { trainSize: 128, valSize: 80, testSize: 80, batchSize: 16, epochs: 1, learningRate: 0.02, cacheFile };
    const t = new FashionMnistTrainer(knobs);
    const r = await t.evaluate(arch);
    expect(r.val).toBeGreaterThan(0.25); // chance is 0.1
    expect(r.test).toBeGreaterThan(0.25);
    expect(await t.evaluate(arch)).toEqual(r);
    expect(t.trained).toBe(1);
    const again = new FashionMnistTrainer(knobs); // reads the JSON cache
    expect(await again.evaluate(arch)).toEqual(r);
    expect(again.trained).toBe(0);
    // another budget is another cache entry
    expect(new FashionMnistTrainer({ ...knobs, epochs: 2 }).cacheKey(arch)).not.toBe(again.cacheKey(arch));
  }, 60_000);

  it('a corrupt cache is detected and rebuilt, not trusted', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fmnist-corrupt-'));
    const cacheFile = path.join(dir, 'cache.json');
    const arch: CnnArch = { modules: [chain(['input', 'conv3x3-c4-bn-relu', 'output']), chain(['input', 'avgpool2x2-s2', 'output'])], head: ['flatten'] };
    const knobs = { trainSize: 64, valSize: 32, testSize: 32, batchSize: 16, epochs: 1, learningRate: 0.02, cacheFile };
    const first = new FashionMnistTrainer(knobs);
    const truth = await first.evaluate(arch);
    const key = first.cacheKey(arch);
    const doc = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
    expect(doc.entries[key].sum).toBe(accuracySum(key, doc.entries[key]));

    // 1. a plausible but edited accuracy: the checksum disagrees, the entry is retrained (same seed -> same value)
    doc.entries[key].val = 0.99;
    fs.writeFileSync(cacheFile, JSON.stringify(doc));
    const warnings: string[] = [];
    const tampered = new FashionMnistTrainer({ ...knobs, onWarning: (m) => warnings.push(m) });
    expect(tampered.cacheProblems.join()).toMatch(/1 invalid entry dropped/);
    expect(warnings[0]).toContain(cacheFile);
    expect(await tampered.evaluate(arch)).toEqual(truth);
    expect(tampered.trained).toBe(1);

    // 2. a file cut short by a kill: moved aside, the cache starts empty and is rewritten whole
    const text = fs.readFileSync(cacheFile, 'utf8');
    fs.writeFileSync(cacheFile, text.slice(0, text.length >> 1));
    const truncated = new FashionMnistTrainer(knobs);
    expect(truncated.cacheProblems[0]).toMatch(/not valid JSON/);
    expect(fs.existsSync(`${cacheFile}.corrupt`)).toBe(true);
    expect(await truncated.evaluate(arch)).toEqual(truth);
    expect(truncated.trained).toBe(1);
    expect(readAccuracyCache(cacheFile).problems).toEqual([]);

    // 3. legacy flat format: a value out of [0, 1] is dropped, a valid entry is kept and upgraded on write
    fs.writeFileSync(cacheFile, JSON.stringify({ [key]: { ...truth }, ['f'.repeat(64) + ':i14-e1-n1-v1-t1-b2-lr0.1-s1']: { val: 87, test: 0.5 } }));
    const legacy = readAccuracyCache(cacheFile);
    expect(Object.keys(legacy.entries)).toEqual([key]);
    expect(legacy.problems).toEqual(['1 invalid entry dropped (ffffffffffff)']);
    const reuse = new FashionMnistTrainer(knobs);
    expect(await reuse.evaluate(arch)).toEqual(truth);
    expect(reuse.trained).toBe(0);
  }, 60_000);

  it('the searcher reports a corrupt cache in its output folder as a warning diagnostic', () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bosh-corrupt-'));
    const file = path.join(outDir, 'accuracy-cache.json');
    fs.writeFileSync(file, '{"format": "fuseflow-accuracy-cache/2", "entries": {"abc');
    const seen: Array<{ severity: string; message: string }> = [];
    const ctx = { seed: 1, baseDir: outDir, outDir, diagnostic: (d: { severity: string; message: string }) => seen.push(d) } as never;
    makeEvaluator(resolveBoshOptions({}), ctx, DEFAULT_SPACE);
    expect(seen).toHaveLength(1);
    expect(seen[0].severity).toBe('warning');
    expect(seen[0].message).toContain(file);
    expect(seen[0].message).toMatch(/not valid JSON.*moved aside.*retrained/);
    expect(fs.existsSync(`${file}.corrupt`)).toBe(true);
  });
});
