import { FuseFlowError } from '@fuseflow/kernel';

/** A user-input error (bad format spec, malformed file, invalid program) with a stable code. */
export function inputError(message: string, suggestion?: string): FuseFlowError {
  return new FuseFlowError('FF_INPUT_INVALID', message, suggestion !== undefined ? { suggestion } : {});
}

/**
 * The one policy for non-finite input values (NaN, Inf, -Inf, and literals such as 1e999 that
 * overflow to Inf): every reader refuses them with FF_INPUT_INVALID naming the file or tensor,
 * the line or entry, and the value as written. The reference check compares values, and one NaN
 * would make every comparison it reaches fail (or pass vacuously).
 */
export function nonFiniteError(where: string, entry: string, written: string | number): FuseFlowError {
  return inputError(`${where}: ${entry}: value '${written}' is not a finite number`, 'inputs must be finite: NaN, Inf, -Inf and values beyond ±1.8e308 (e.g. 1e999) are refused');
}

/** Index of the first NaN or infinite value, or -1. */
export function firstNonFinite(vals: ArrayLike<number>): number {
  for (let k = 0; k < vals.length; k++) if (!Number.isFinite(vals[k])) return k;
  return -1;
}
