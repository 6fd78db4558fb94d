import { FuseFlowError, didYouMean } from '@fuseflow/kernel';
import type { SparseTensorData } from '@fuseflow/ir';
import { type BundledKey, bundledDataset } from './catalog';
import { type DatasetPart, type Normalization, NORMALIZATIONS, loadAdjacency, loadFeatures } from './load';

/** A manifest input/weight taken from a bundled dataset: `{ "dataset": "cora:adjacency", "format": "dcsr" }`. */
export interface DatasetSource {
  /** `<key>:adjacency` or `<key>:features`. */
  dataset: string;
  format?: string;
  /** adjacency only (default 'none'). */
  normalize?: Normalization;
  /** adjacency only (default true: A + I). */
  selfLoops?: boolean;
}

const PARTS: readonly DatasetPart[] = ['adjacency', 'features'];

/**
 * JSON Schema properties of a dataset source, for a frontend's source schema (ajv checks the types;
 * loadDatasetSource checks the names, with a did-you-mean).
 */
export const DATASET_SOURCE_PROPERTIES = {
  dataset: {
    type: 'string',
    minLength: 1,
    description: "a bundled real dataset: '<cora|cora_ml|dblp>:adjacency' (nodes x nodes) or '<key>:features' (nodes x features)",
  },
  normalize: {
    enum: [...NORMALIZATIONS],
    description: "dataset adjacency only: 'none' (binary), 'symmetric' (D^-1/2 M D^-1/2, GCN) or 'mean' (D^-1 M, GraphSAGE); M = A + I unless selfLoops is false",
  },
  selfLoops: { type: 'boolean', description: 'dataset adjacency only: add I to A (default true)' },
} as const;

function fail(where: string, msg: string, suggestion?: string): never {
  throw new FuseFlowError('FF_INPUT_INVALID', `${where}: ${msg}`, suggestion ? { suggestion } : {});
}

/** Splits 'cora:adjacency' into a bundled key and a part; unknown names give FF_DATASET_UNKNOWN / FF_INPUT_INVALID. */
export function parseDatasetRef(ref: string, where = 'dataset'): { key: BundledKey; part: DatasetPart } {
  const at = ref.lastIndexOf(':');
  if (at <= 0) fail(where, `'${ref}' should be '<dataset>:adjacency' or '<dataset>:features'`, `e.g. "cora:adjacency"`);
  const part = ref.slice(at + 1).toLowerCase();
  if (!PARTS.includes(part as DatasetPart)) {
    const guess = didYouMean(part, PARTS);
    fail(where, `'${ref}': unknown part '${ref.slice(at + 1)}'; expected adjacency or features`, guess ? `did you mean '${ref.slice(0, at)}:${guess}'?` : undefined);
  }
  return { key: bundledDataset(ref.slice(0, at), where).key, part: part as DatasetPart };
}

/** Loads a dataset source; `where` (a manifest path or tensor name) starts every error message. */
export function loadDatasetSource(src: DatasetSource, where = 'dataset source', name?: string): SparseTensorData {
  const { key, part } = parseDatasetRef(src.dataset, where);
  if (part === 'features') {
    for (const opt of ['normalize', 'selfLoops'] as const) {
      if (src[opt] !== undefined) fail(where, `'${opt}' applies to '${key}:adjacency', not to '${src.dataset}'`);
    }
    return wrap(where, () => loadFeatures(key, { format: src.format, name }));
  }
  return wrap(where, () => loadAdjacency(key, { format: src.format, normalize: src.normalize, selfLoops: src.selfLoops, name }));
}

function wrap(where: string, load: () => SparseTensorData): SparseTensorData {
  try {
    return load();
  } catch (e) {
    const fe = e as FuseFlowError;
    if (fe?.name !== 'FuseFlowError') throw e;
    throw new FuseFlowError(fe.code, `${where}: ${fe.message}`, fe.suggestion ? { suggestion: fe.suggestion } : {});
  }
}
