/* Shared by the e2e specs: seeded random data for every input of a program. */
import { randomInputs, type TensorBindings, type TensorProgram } from '@fuseflow/ir';

/** @fuseflow/ir's randomInputs with the e2e specs' default density. */
export function randomData(p: TensorProgram, seed: number, density = 0.3): TensorBindings {
  return randomInputs(p, seed, density);
}
