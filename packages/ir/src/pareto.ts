/** An objective to maximise or minimise, read from a point. */
export interface ParetoAxis<T> {
  name: string;
  value(p: T): number;
  sense: 'max' | 'min';
}

/** True when a is at least as good as b on every axis and better on one. */
export function dominates<T>(a: T, b: T, axes: readonly ParetoAxis<T>[]): boolean {
  let better = false;
  for (const ax of axes) {
    const s = ax.sense === 'max' ? 1 : -1;
    const d = s * (ax.value(a) - ax.value(b));
    if (d < 0) return false;
    if (d > 0) better = true;
  }
  return better;
}

/**
 * The non-dominated points, in input order; equal points are all kept. O(n^2): the fusion
 * candidates and search histories it serves have at most a few thousand points.
 */
export function paretoFront<T>(points: readonly T[], axes: readonly ParetoAxis<T>[]): T[] {
  return points.filter((p) => !points.some((q) => q !== p && dominates(q, p, axes)));
}
