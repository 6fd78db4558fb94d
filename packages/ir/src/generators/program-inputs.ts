import type { TensorProgram } from '../program/ast';
import type { TensorBindings } from '../stages';
import { isDenseFormat } from '../tensor/format';
import { denseRandom, uniformRandom } from './generators';

/**
 * Seeded random data for every input of a program, as the tests and benches bind it: dense
 * formats get dense values, sparse ones `density`; inputs take seeds seed+1, seed+2, ... in
 * declaration order.
 */
export function randomInputs(p: TensorProgram, seed: number, density: number): TensorBindings {
  const out: TensorBindings = {};
  let s = seed;
  for (const t of Object.values(p.tensors)) {
    if (t.role !== 'input') continue;
    s++;
    out[t.name] = isDenseFormat(t.format)
      ? denseRandom({ shape: t.shape, seed: s, format: t.format, name: t.name })
      : uniformRandom({ shape: t.shape, density, seed: s, format: t.format, name: t.name });
  }
  return out;
}
