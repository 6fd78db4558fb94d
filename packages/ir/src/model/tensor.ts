import { ModelGraphError } from './errors';

/** A dense row-major tensor as the ModelGraph tools exchange it. */
export interface ModelTensor {
  shape: number[];
  data: Float64Array;
}

/** Number of elements of a shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides (in elements) of a shape. */
export function shapeStrides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Numpy broadcasting of two shapes; throws naming `where` when they are incompatible. */
export function broadcastShapes(a: readonly number[], b: readonly number[], where = ''): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ModelGraphError(`${where}shapes [${a.join(',')}] and [${b.join(',')}] do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** Builds a tensor from a nested number array (or a scalar). */
export function tensorFromNested(value: unknown, name = 'tensor'): ModelTensor {
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const data = new Float64Array(shapeSize(shape));
  let k = 0;
  const walk = (v: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number') throw new ModelGraphError(`${name}: expected a number at depth ${depth}, got ${JSON.stringify(v)}`);
      data[k++] = v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new ModelGraphError(`${name}: ragged nested array (expected length ${shape[depth]} at depth ${depth})`);
    }
    for (const e of v) walk(e, depth + 1);
  };
  walk(value, 0);
  return { shape, data };
}

/** Converts a tensor to a nested number array (a number for a scalar). */
export function tensorToNested(t: ModelTensor): unknown {
  let k = 0;
  const build = (depth: number): unknown => {
    if (depth === t.shape.length) return t.data[k++];
    const out: unknown[] = [];
    for (let i = 0; i < t.shape[depth]; i++) out.push(build(depth + 1));
    return out;
  };
  return build(0);
}

/**
 * Reads a tensor from JSON: a nested array, or `{ shape, data }` with flat row-major data.
 */
export function tensorFromJson(value: unknown, name = 'tensor'): ModelTensor {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as { shape?: unknown; data?: unknown };
    if (!Array.isArray(o.shape) || !Array.isArray(o.data)) {
      throw new ModelGraphError(`${name}: expected a nested array or { shape: number[], data: number[] }`);
    }
    const shape = o.shape.map(Number);
    if (o.data.length !== shapeSize(shape)) {
      throw new ModelGraphError(`${name}: data has ${o.data.length} elements but shape [${shape.join(',')}] needs ${shapeSize(shape)}`);
    }
    return { shape, data: Float64Array.from(o.data as number[]) };
  }
  return tensorFromNested(value, name);
}
