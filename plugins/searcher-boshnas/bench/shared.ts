/** Pieces both benchmarks share: the projection variant, best-so-far curves, calibration. */
import { REFERENCE_PROJECTION, type EngineOptions, type EvalRecord } from '../src/engine';
import { Surrogate } from '../src/surrogate';

/** Engine options and a label for the projection the env asks for ('reference' or the default). */
export function projectionVariant(env: string | undefined): { reference: boolean; options: Partial<EngineOptions>; label: string } {
  const reference = env === 'reference';
  return reference
    ? { reference, options: REFERENCE_PROJECTION, label: 'reference (1 GOBI start, nearest candidate)' }
    : { reference, options: {}, label: 'multi-start GOBI, acquisition-scored projection' };
}

/** Best loss after each evaluation, in evaluation order. */
export function bestSoFar(evaluations: EvalRecord[]): number[] {
  const best: number[] = [];
  evaluations.forEach((e, i) => best.push(Math.min(e.loss, i ? best[i - 1] : Infinity)));
  return best;
}

export interface Calibration {
  seed: number;
  /** fraction of held-out candidates whose true (scaled) loss is within 1 / 2 predicted sigmas */
  within1: number;
  within2: number;
  /** the same with the epistemic sigma alone */
  within1Ep: number;
  n: number;
}

/**
 * Fits a fresh surrogate on a search's evaluations (targets scaled as the engine scales them) and
 * scores up to `maxHeld` unevaluated candidates of the table against their true loss, with
 * sigma = sqrt(sigma_ep^2 + sigma_al^2).
 */
export function calibrate(X: number[][], truth: number[], evaluations: EvalRecord[], seed: number, maxHeld = 200): Calibration {
  const seen = new Set(evaluations.map((e) => e.candidate[0]));
  const maxLoss = Math.max(...evaluations.map((e) => e.loss));
  const s = new Surrogate([X[0].length], { epochs: 80 }, seed);
  try {
    s.train(
      evaluations.map((e) => X[e.candidate[0]]),
      evaluations.map((e) => Math.min(1, e.loss / maxLoss)),
    );
    const held = [...Array(X.length).keys()].filter((i) => !seen.has(i)).slice(0, maxHeld);
    const pred = s.predict(held.map((i) => X[i]));
    let w1 = 0;
    let w2 = 0;
    let w1e = 0;
    held.forEach((i, k) => {
      const y = Math.min(1, truth[i] / maxLoss);
      const sig = Math.hypot(pred[k].sigmaEp, pred[k].sigmaAl);
      const d = Math.abs(y - pred[k].mu);
      if (d <= sig) w1++;
      if (d <= 2 * sig) w2++;
      if (d <= pred[k].sigmaEp) w1e++;
    });
    return { seed, within1: w1 / held.length, within2: w2 / held.length, within1Ep: w1e / held.length, n: held.length };
  } finally {
    s.dispose();
  }
}
