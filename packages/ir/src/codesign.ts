/**
 * A hardware model's configuration space, as a co-design searcher sees it: shared between the
 * backends that expose one (Backend.designSpace, e.g. systolic) and the searchers that explore it
 * (BOSHCODE). A configuration is plain JSON; passing it as `ir.hardware` to the backend evaluates it.
 */
export interface HardwareDesignSpace {
  /** names of the embedding's dimensions, in order. */
  readonly dimensions: string[];
  /** draw n valid configurations; `random()` returns uniform floats in [0, 1). */
  sample(n: number, random: () => number): Record<string, unknown>[];
  /** fixed-length numeric embedding of a configuration. */
  embed(config: Record<string, unknown>): number[];
  /** per-dimension [min, max] of the embedding over the space. */
  bounds(): Array<[number, number]>;
  /** nearest valid configuration to an embedding vector (projection back to the space). */
  decode(vector: number[]): Record<string, unknown>;
  /** canonical string key of a configuration (deduplication). */
  key(config: Record<string, unknown>): string;
}

/** Whether a backend's designSpace has the shape co-design searchers need. */
export function isHardwareDesignSpace(x: unknown): x is HardwareDesignSpace {
  const d = x as HardwareDesignSpace;
  return !!d && typeof d === 'object' && Array.isArray(d.dimensions) && ['sample', 'embed', 'bounds', 'decode', 'key'].every((k) => typeof (d as unknown as Record<string, unknown>)[k] === 'function');
}
