/**
 * BOSHCODE performance (codesign-reference 4): a convex combination
 * P = w.train*acc_train + w.val*acc_val + w.test*acc_test + w.latency*(1 - latency/maxLatency)
 *   + w.area*(1 - area/maxArea) + w.dynamicEnergy*(1 - E_dyn/maxE) + w.leakageEnergy*(1 - E_leak/maxE).
 * The search minimises loss = 1 - P. Terms are not clipped (as in the reference): a design over a
 * normaliser gets a negative term rather than being rejected.
 */
export interface ObjectiveWeights {
  train: number;
  val: number;
  test: number;
  latency: number;
  area: number;
  dynamicEnergy: number;
  leakageEnergy: number;
}

/** Reference default weights [0, 0.2, 0, 0.2, 0.1, 0.2, 0.3]. */
export const DEFAULT_WEIGHTS: ObjectiveWeights = { train: 0, val: 0.2, test: 0, latency: 0.2, area: 0.1, dynamicEnergy: 0.2, leakageEnergy: 0.3 };

/** Normalisers (reference: MAX_LATENCY 1 s, MAX_AREA 1000 mm^2, MAX_DYNAMIC_ENERGY = MAX_LEAKAGE_ENERGY = 10 J). */
export interface ObjectiveNormalizers {
  latencyS: number;
  areaMm2: number;
  dynamicEnergyJ: number;
  leakageEnergyJ: number;
}

export const DEFAULT_NORMALIZERS: ObjectiveNormalizers = { latencyS: 1, areaMm2: 1000, dynamicEnergyJ: 10, leakageEnergyJ: 10 };

export interface PairMetrics {
  train?: number;
  val: number;
  test: number;
  latencyS: number;
  areaMm2: number;
  dynamicEnergyJ: number;
  leakageEnergyJ: number;
}

/** Performance P of a (CNN, accelerator) pair; accuracies in [0, 1]. */
export function performance(m: PairMetrics, w: ObjectiveWeights = DEFAULT_WEIGHTS, n: ObjectiveNormalizers = DEFAULT_NORMALIZERS): number {
  return (
    w.train * (m.train ?? 0) +
    w.val * m.val +
    w.test * m.test +
    w.latency * (1 - m.latencyS / n.latencyS) +
    w.area * (1 - m.areaMm2 / n.areaMm2) +
    w.dynamicEnergy * (1 - m.dynamicEnergyJ / n.dynamicEnergyJ) +
    w.leakageEnergy * (1 - m.leakageEnergyJ / n.leakageEnergyJ)
  );
}

/** Weights must be non-negative and sum to 1 (a convex combination); returns an error message or undefined. */
export function checkWeights(w: ObjectiveWeights): string | undefined {
  const vals = Object.entries(w);
  const bad = vals.find(([, v]) => !(v >= 0));
  if (bad) return `weight '${bad[0]}' must be >= 0, got ${bad[1]}`;
  const sum = vals.reduce((s, [, v]) => s + v, 0);
  if (Math.abs(sum - 1) > 1e-6) return `weights must sum to 1 (a convex combination), got ${sum.toFixed(6)}`;
  return undefined;
}
