import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import type { Rng } from './rng';
import { canonicalModule, cellOps, checkModule, DEFAULT_SPACE, lowerArch, type CnnArch, type CnnModule, type CnnSpaceConfig } from './space';

/**
 * The CNN space as an indexed set: `at(i)` builds architecture i from a mixed-radix reading of i,
 * so a search can draw 10^4 (or 10^6) candidates without the space ever being listed. Only the
 * cell vocabulary is materialised: every module of up to `LAZY_MAX_OPS` op vertices, one per
 * isomorphism class (by `canonicalModule`), so distinct indices are distinct architectures.
 *
 * Index layout (least significant first): stem channels, then per stage the cell count and the
 * cells, the reductions between stages (max or avg), the head (global-avg-pool | flatten) and its
 * optional dense layer. Indices are bigints: the default space has about 10^17 architectures.
 */
export const LAZY_MAX_OPS = 2;

export class LazyCnnSpace {
  readonly cfg: CnnSpaceConfig;
  /** the cell vocabulary (canonical, deduplicated). */
  readonly cells: CnnModule[];
  /** number of architectures. */
  readonly size: bigint;
  private readonly stageCounts: Array<{ lo: number; hi: number; ways: bigint[] }>;

  constructor(cfg: Partial<CnnSpaceConfig> = {}) {
    this.cfg = { ...DEFAULT_SPACE, ...cfg };
    if (!this.cfg.stemChannels.length) throw new FuseFlowError('FF_SPACE_INVALID', 'space.stemChannels is empty');
    this.cells = enumerateCells(this.cfg);
    if (!this.cells.length) throw new FuseFlowError('FF_SPACE_INVALID', 'the space has no valid cell (check space.kernels, space.convChannels, space.maxEdges)');
    const C = BigInt(this.cells.length);
    this.stageCounts = this.cfg.cellsPerStage.map(([lo, hi]) => {
      if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 0 && hi >= lo)) throw new FuseFlowError('FF_SPACE_INVALID', `space.cellsPerStage: [${lo}, ${hi}] must be integers with 0 <= min <= max`);
      const ways: bigint[] = [];
      for (let c = lo; c <= hi; c++) ways.push(C ** BigInt(c));
      return { lo, hi, ways };
    });
    let size = BigInt(this.cfg.stemChannels.length);
    for (const s of this.stageCounts) size *= s.ways.reduce((a, b) => a + b, 0n);
    size *= 2n ** BigInt(Math.max(0, this.stageCounts.length - 1)); // reductions
    size *= 2n * BigInt(1 + this.cfg.denseWidths.length); // head
    this.size = size;
  }

  /** Architecture number `index` (0 <= index < size). */
  at(index: bigint | number): CnnArch {
    let i = BigInt(index);
    if (i < 0n || i >= this.size) throw new FuseFlowError('FF_SPACE_INVALID', `architecture index ${i} is outside the space (size ${this.size})`);
    const take = (radix: bigint | number): number => {
      const r = BigInt(radix);
      const d = i % r;
      i /= r;
      return Number(d);
    };
    const cfg = this.cfg;
    const chain = (labels: string[]): CnnModule => ({ labels, matrix: labels.map((_, a) => labels.map((__, b) => (b === a + 1 ? 1 : 0))) });
    const modules: CnnModule[] = [chain(['input', `conv3x3-c${cfg.stemChannels[take(cfg.stemChannels.length)]}-bn-relu`, 'output'])];
    const C = BigInt(this.cells.length);
    this.stageCounts.forEach((s, si) => {
      if (si > 0) modules.push(chain(['input', take(2) ? 'avgpool2x2-s2' : 'maxpool2x2-s2', 'output']));
      // the stage's digit is a mixed choice: first the count (by cumulative ranges), then the cells
      const total = s.ways.reduce((a, b) => a + b, 0n);
      let v = i % total;
      i /= total;
      let c = s.lo;
      for (const w of s.ways) {
        if (v < w) break;
        v -= w;
        c++;
      }
      for (let k = 0; k < c; k++) {
        modules.push(this.cells[Number(v % C)]);
        v /= C;
      }
    });
    const head = [take(2) ? 'flatten' : 'global-avg-pool'];
    const dense = take(1 + cfg.denseWidths.length);
    if (dense) head.push(`dense-${cfg.denseWidths[dense - 1]}-relu`);
    return { modules, head };
  }

  /** True when architecture `index` lowers (shapes and channel divisibility hold for its input). */
  valid(index: bigint | number): boolean {
    try {
      lowerArch(this.at(index), this.cfg.inputShape, this.cfg.classes);
      return true;
    } catch (e) {
      if (e instanceof FuseFlowError && e.code === 'FF_SPACE_INVALID') return false;
      throw e;
    }
  }

  /** A uniform random index. */
  randomIndex(rng: Rng): bigint {
    // 48 random bits per step, enough steps to cover the size, then reject the overshoot
    const bits = this.size.toString(2).length;
    for (;;) {
      let x = 0n;
      for (let b = 0; b < bits + 16; b += 48) x = (x << 48n) | BigInt(Math.floor(rng() * 2 ** 48));
      x %= 2n ** BigInt(bits);
      if (x < this.size) return x;
    }
  }

  /** `n` distinct valid indices drawn uniformly (fewer only if the space is that small). */
  sample(n: number, rng: Rng): bigint[] {
    if (BigInt(n) >= this.size) {
      const all: bigint[] = [];
      for (let i = 0n; i < this.size; i++) if (this.valid(i)) all.push(i);
      return all;
    }
    const seen = new Set<bigint>();
    const out: bigint[] = [];
    for (let tries = 0; out.length < n && tries < n * 50; tries++) {
      const i = this.randomIndex(rng);
      if (seen.has(i)) continue;
      seen.add(i);
      if (this.valid(i)) out.push(i);
    }
    return out;
  }
}

const cellCache = new Map<string, CnnModule[]>();

/**
 * Every cell of 1..min(maxOps, LAZY_MAX_OPS) op vertices: each DAG over input, the ops and output
 * with every op on an input->output path and at most maxEdges edges, every op labelling; one
 * module per isomorphism class. (Three-op cells would make the vocabulary about 10^6 modules.)
 */
export function enumerateCells(cfg: CnnSpaceConfig = DEFAULT_SPACE): CnnModule[] {
  const ops = cellOps(cfg);
  const key = JSON.stringify([ops, cfg.maxOps, cfg.maxEdges]);
  const hit = cellCache.get(key);
  if (hit) return hit;
  const forms = new Set<string>();
  const cells: CnnModule[] = [];
  for (let k = 1; k <= Math.min(cfg.maxOps, LAZY_MAX_OPS); k++) {
    const n = k + 2;
    const slots: Array<[number, number]> = [];
    for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) slots.push([a, b]);
    const structures: number[][][] = [];
    for (let mask = 1; mask < 1 << slots.length; mask++) {
      const matrix = [...Array(n)].map(() => new Array(n).fill(0));
      let edges = 0;
      slots.forEach(([a, b], s) => {
        if (mask & (1 << s)) (matrix[a][b] = 1), edges++;
      });
      if (edges > cfg.maxEdges) continue;
      try {
        checkModule({ labels: ['input', ...new Array(k).fill('maxpool3x3'), 'output'], matrix });
        structures.push(matrix);
      } catch {
        continue;
      }
    }
    const tuple = new Array(k).fill(0);
    for (;;) {
      const labels = ['input', ...tuple.map((t) => ops[t]), 'output'];
      for (const matrix of structures) {
        const m = { labels, matrix };
        const f = canonicalModule(m);
        if (!forms.has(f)) forms.add(f), cells.push(m);
      }
      let d = 0;
      while (d < k && ++tuple[d] === ops.length) tuple[d++] = 0;
      if (d === k) break;
    }
  }
  cellCache.set(key, cells);
  return cells;
}
