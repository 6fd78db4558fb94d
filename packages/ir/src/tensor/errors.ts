import { FuseFlowError } from '@fuseflow/kernel';

/** A user-input error (bad format spec, malformed file, invalid program) with a stable code. */
export function inputError(message: string, suggestion?: string): FuseFlowError {
  return new FuseFlowError('FF_INPUT_INVALID', message, suggestion !== undefined ? { suggestion } : {});
}
