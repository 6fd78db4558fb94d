import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/**
 * A seeded random stream (pure-rand xoroshiro128+): the same seed gives the same sequence on every
 * platform, which is what makes generated tensors reproducible from a manifest's seed.
 */
export class SeededRandom {
  private readonly rng: RandomGenerator;
  constructor(readonly seed: number) {
    if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
    this.rng = xoroshiro128plus(seed | 0);
  }
  /** uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.rng);
  }
  /** uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return uniformInt(this.rng, lo, hi);
  }
  /** uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** Most entries a JS Set holds (V8: 2^24); larger draws keep their picks in a bitmap instead. */
export const SET_LIMIT = 1 << 24;

/**
 * `count` distinct integers from [0, total), sorted, chosen uniformly (Floyd's algorithm, or its
 * complement when more than half are wanted, so the cost stays O(min(count, total - count))).
 * The chosen set is a bitmap of total / 8 bytes whenever that is no larger than a Set of the picks
 * would be (at least 1 pick per 64 candidates) or the picks exceed `setLimit` (the SAE NIH encoder:
 * 54 M of 537 M): a Set of 13 M numbers cost 11 CPU-s to fill, copy and sort (SAE LUNA16's
 * encoder), the bitmap well under one. Either way the draws and so the result are the same.
 */
export function sampleDistinct(rng: SeededRandom, total: number, count: number, setLimit = SET_LIMIT): Float64Array {
  if (count > total) throw new RangeError(`cannot choose ${count} distinct items from ${total}`);
  const k = Math.min(count, total - count);
  const keep = count <= total / 2;
  const out = new Float64Array(count);
  if (k <= setLimit && total > 64 * k) {
    const chosen = new Set<number>();
    for (let j = total - k; j < total; j++) {
      const t = Math.floor(rng.next() * (j + 1));
      chosen.add(chosen.has(t) ? j : t);
    }
    if (keep) {
      out.set(Float64Array.from(chosen));
      return out.sort();
    }
    let w = 0;
    for (let x = 0; x < total && w < count; x++) if (!chosen.has(x)) out[w++] = x;
    return out;
  }
  const bits = new Uint32Array(Math.ceil(total / 32));
  for (let j = total - k; j < total; j++) {
    const t = Math.floor(rng.next() * (j + 1));
    const x = (bits[t >>> 5] & (1 << (t & 31))) !== 0 ? j : t;
    bits[x >>> 5] |= 1 << (x & 31);
  }
  // Word by word, in order over [0, total): sorted as produced; a complement pick ends at total.
  let w = 0;
  for (let i = 0; i < bits.length && w < count; i++) {
    let word = keep ? bits[i] : ~bits[i];
    while (word !== 0 && w < count) {
      const low = word & -word;
      const x = i * 32 + (31 - Math.clz32(low));
      if (x >= total) break;
      out[w++] = x;
      word ^= low;
    }
  }
  return out;
}
