import * as path from 'node:path';
import { FuseFlowError } from '@fuseflow/kernel';
import {
  convert,
  meanAdjacency,
  parseFormat,
  readTensorFile,
  readTextFile,
  symmetricNormalized,
  withSelfLoops,
  type SparseTensorData,
  type TensorFormat,
} from '@fuseflow/ir';
import { type BundledKey, bundledDataset, datasetDir } from './catalog';

/** How the adjacency is scaled: none (binary), D^-1/2 M D^-1/2 (GCN), or D^-1 M (GraphSAGE mean). */
export type Normalization = 'none' | 'symmetric' | 'mean';

export const NORMALIZATIONS: readonly Normalization[] = ['none', 'symmetric', 'mean'];

export interface AdjacencyOptions {
  /** storage format (default 'dcsr'). */
  format?: TensorFormat | string;
  /** add I before any normalisation (default true, as the GCN reference feeds A). */
  selfLoops?: boolean;
  /** default 'none': binary A (+ I). */
  normalize?: Normalization;
  name?: string;
}

export interface FeatureOptions {
  /** storage format (default 'dense', as the reference stores X). */
  format?: TensorFormat | string;
  name?: string;
}

/** The two matrices a dataset source can name: `<key>:adjacency` and `<key>:features`. */
export type DatasetPart = 'adjacency' | 'features';

function file(key: BundledKey, base: string): string {
  return path.join(datasetDir(key), base);
}

/**
 * The graph's nodes x nodes adjacency: binary A (every undirected edge both ways) plus I unless
 * `selfLoops: false`, then normalised as asked. D is the row sums of the matrix being normalised.
 */
export function loadAdjacency(key: string, o: AdjacencyOptions = {}): SparseTensorData {
  const ds = bundledDataset(key);
  const normalize = o.normalize ?? 'none';
  if (!NORMALIZATIONS.includes(normalize)) {
    throw new FuseFlowError('FF_INPUT_INVALID', `normalize '${normalize}' is not one of ${NORMALIZATIONS.join(', ')}`);
  }
  const name = o.name ?? 'A';
  // Read as DCSR: the normalisations below work on coordinates; the format asked for comes last.
  let a = readTensorFile(file(ds.key, 'adjacency.mtx.gz'), 'dcsr', name);
  if (o.selfLoops ?? true) a = withSelfLoops(a);
  if (normalize === 'symmetric') a = symmetricNormalized(a);
  else if (normalize === 'mean') a = meanAdjacency(a);
  const format = o.format === undefined ? undefined : typeof o.format === 'string' ? parseFormat(o.format, 2) : o.format;
  return { ...(format ? convert(a, format) : a), name };
}

/** The real nodes x features matrix (bag-of-words; binary for cora, weighted for cora_ml and dblp). */
export function loadFeatures(key: string, o: FeatureOptions = {}): SparseTensorData {
  const ds = bundledDataset(key);
  return readTensorFile(file(ds.key, 'features.mtx.gz'), o.format ?? 'dense', o.name ?? 'X');
}

/** Class id per node, in node order. */
export function loadLabels(key: string): Int32Array {
  const ds = bundledDataset(key);
  const where = file(ds.key, 'labels.txt.gz');
  const lines = readTextFile(where).split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length !== ds.nodes) throw new FuseFlowError('FF_INPUT_INVALID', `${where}: expected ${ds.nodes} labels (one per node), found ${lines.length}`);
  const out = new Int32Array(lines.length);
  lines.forEach((l, i) => {
    const v = Number(l.trim());
    if (!Number.isInteger(v) || v < 0 || v >= ds.classes) {
      throw new FuseFlowError('FF_INPUT_INVALID', `${where}: line ${i + 1}: expected a class id in 0..${ds.classes - 1}, found '${l.slice(0, 20)}'`);
    }
    out[i] = v;
  });
  return out;
}

