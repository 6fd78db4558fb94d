import { createHash } from 'node:crypto';
import { SeededRandom } from '@fuseflow/ir';

/** A seeded source of uniform floats in [0, 1) with a few helpers. */
export interface Rng {
  (): number;
  int(n: number): number;
  normal(): number;
  pick<T>(xs: readonly T[]): T;
}

/**
 * The project's seeded stream (@fuseflow/ir SeededRandom) as a callable; every search decision
 * draws from one of these. `normal` keeps its own Box-Muller form (u clamped away from 0, where
 * SeededRandom uses 1 - u) so that recorded searches replay the same.
 */
export function makeRng(seed: number): Rng {
  const g = new SeededRandom(seed | 0);
  const f = (() => g.next()) as Rng;
  f.int = (n: number) => Math.min(n - 1, Math.floor(f() * n));
  f.normal = () => {
    const u = Math.max(f(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * f());
  };
  f.pick = <T>(xs: readonly T[]) => xs[f.int(xs.length)];
  return f;
}

/**
 * Seed derived from a base seed and labels. Each search step draws from its own stream
 * (seed, step), so a resumed search makes exactly the decisions an uninterrupted one makes.
 */
export function deriveSeed(seed: number, ...labels: Array<string | number>): number {
  const h = createHash('sha256').update(JSON.stringify([seed, ...labels])).digest();
  return h.readInt32LE(0);
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
