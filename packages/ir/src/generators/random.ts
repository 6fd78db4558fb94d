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

/**
 * `count` distinct integers from [0, total), sorted, chosen uniformly (Floyd's algorithm, or its
 * complement when more than half are wanted, so the cost stays O(min(count, total - count))).
 */
export function sampleDistinct(rng: SeededRandom, total: number, count: number): Float64Array {
  if (count > total) throw new RangeError(`cannot choose ${count} distinct items from ${total}`);
  const pick = (k: number): Set<number> => {
    const chosen = new Set<number>();
    for (let j = total - k; j < total; j++) {
      const t = Math.floor(rng.next() * (j + 1));
      chosen.add(chosen.has(t) ? j : t);
    }
    return chosen;
  };
  let out: Float64Array;
  if (count <= total / 2) {
    out = Float64Array.from(pick(count));
  } else {
    const excluded = pick(total - count);
    out = new Float64Array(count);
    let w = 0;
    for (let x = 0; x < total; x++) if (!excluded.has(x)) out[w++] = x;
  }
  return out.sort();
}
