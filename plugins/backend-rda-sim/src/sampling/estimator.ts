/**
 * Cluster-sampling estimator of a total over N units from B batches (clusters of units drawn
 * without replacement, each simulated as its own sub-problem).
 *
 * A sub-problem costs about `overhead + sum of its units' costs` (pipeline fill and drain are paid
 * once per run, not per unit), so each batch gives an estimate of the whole run,
 * T_b = overhead + scale_b * (y_b - overhead), with scale_b = N / m_b (mean per unit) or
 * X / x_b (ratio to a cost proxy). The point estimate comes from the pooled run of all sampled
 * units when given (one run, so its fill/drain is counted once), else from the unit-weighted mean of
 * the T_b; its standard error comes from the between-batch spread (Student t, B - 1 degrees of
 * freedom) with the finite-population correction (1 - n/N), which makes a census exact.
 */
export interface BatchObservation {
  /** units in the batch. */
  units: number;
  /** measured quantity of the batch's sub-problem (cycles, tokens, ...). */
  value: number;
  /**
   * factor from the batch's variable part to the whole population's: N / units for the mean
   * estimator, X / x (population / batch proxy totals) for the ratio estimator.
   */
  scale?: number;
}

export interface TotalEstimate {
  estimate: number;
  /** standard error of the estimate. */
  se: number;
  /** degrees of freedom of se (batches - 1; Infinity for a census). */
  dof: number;
  ci95: [number, number];
  /** fixed cost per run used. */
  overhead: number;
}

/** Two-sided 95 % quantile of Student's t with `dof` degrees of freedom. */
export function t975(dof: number): number {
  const table = [NaN, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086];
  if (!(dof >= 1)) return Infinity;
  if (dof <= 20) {
    const lo = Math.floor(dof);
    const hi = Math.ceil(dof);
    return lo === hi ? table[lo] : table[lo] + (table[hi] - table[lo]) * (dof - lo);
  }
  // Cornish-Fisher expansion around the normal quantile: within 1e-3 of the exact value above 20.
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * dof) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * dof * dof);
}

/** Estimate of the total over N units and its 95 % interval. */
export function estimateTotal(batches: BatchObservation[], N: number, overhead: number, pooled?: BatchObservation): TotalEstimate {
  const n = batches.reduce((a, b) => a + b.units, 0);
  const B = batches.length;
  const scale = (b: BatchObservation): number => b.scale ?? N / b.units;
  const per = batches.map((b) => overhead + scale(b) * (b.value - overhead));
  const est = pooled ? overhead + scale(pooled) * (pooled.value - overhead) : batches.reduce((a, b, i) => a + b.units * per[i], 0) / n;
  if (n >= N || B < 2) {
    // A census has no sampling error; one batch gives no spread to measure.
    const se = n >= N ? 0 : Infinity;
    return { estimate: est, se, dof: n >= N ? Infinity : 0, ci95: se === 0 ? [est, est] : [-Infinity, Infinity], overhead };
  }
  // Weighted between-batch variance of the per-batch totals (weights = batch sizes, mean size 1).
  const mbar = n / B;
  let ss = 0;
  for (let i = 0; i < B; i++) ss += (batches[i].units / mbar) ** 2 * (per[i] - est) ** 2;
  const se = Math.sqrt((ss / (B - 1) / B) * (1 - n / N));
  // Cycles are integers: an interval narrower than a cycle only reflects rounding.
  const half = Math.max(0.5, t975(B - 1) * se);
  return { estimate: est, se, dof: B - 1, ci95: [est - half, est + half], overhead };
}

/**
 * Standard error and degrees of freedom of a sum of independent estimates
 * (Welch-Satterthwaite), for totals combined from several graphs.
 */
export function combineErrors(parts: Array<{ se: number; dof: number; weight: number }>): { se: number; dof: number } {
  let v = 0;
  let den = 0;
  for (const p of parts) {
    const vi = (p.weight * p.se) ** 2;
    v += vi;
    if (vi > 0) den += (vi * vi) / p.dof;
  }
  if (!Number.isFinite(v)) return { se: Infinity, dof: 0 };
  return { se: Math.sqrt(v), dof: v === 0 ? Infinity : den > 0 ? (v * v) / den : Infinity };
}
