/* Shared by the e2e specs: seeded random data for every input of a program. */
import { denseRandom, isDenseFormat, uniformRandom, type TensorBindings, type TensorProgram } from '@fuseflow/ir';

/** Dense inputs get dense random values; sparse ones density `density`. Seeds are seed+1, seed+2, ... per input. */
export function randomData(p: TensorProgram, seed: number, density = 0.3): TensorBindings {
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
