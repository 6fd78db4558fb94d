import * as path from 'node:path';
import { FuseFlowError, didYouMean } from '@fuseflow/kernel';
import { DATASETS as COUNTS, type DatasetInfo } from '@fuseflow/ir';

/** Keys of the datasets whose real graphs this package vendors under data/<key>/. */
export type BundledKey = 'cora' | 'cora_ml' | 'dblp';

/**
 * A vendored dataset. Nodes, edges, features and classes come from @fuseflow/ir's DATASETS (the one
 * table of those counts, shared with the synthetic generators); the rest describes the files.
 */
export interface BundledDataset extends DatasetInfo {
  key: BundledKey;
  /** stored entries of the nodes x features matrix. */
  featureNnz: number;
  /** where the vendored files come from. */
  origin: string;
  /** the papers to cite when publishing results on this dataset. */
  citation: string;
}

/** One row of `fuseflow datasets`: every dataset FuseFlow knows, real (bundled) or synthetic only. */
export interface DatasetListing {
  key: string;
  name: string;
  nodes: number;
  /** directed adjacency entries (an undirected edge counts twice). */
  edges: number;
  features: number;
  classes: number;
  source: string;
  /** true: the real graph is vendored here; false: only `gcnadj:<key>`-style synthetic graphs with its counts. */
  bundled: boolean;
}

const PLANETOID =
  'Sen et al., "Collective Classification in Network Data", AI Magazine 29(3), 2008; ' +
  'Yang, Cohen & Salakhutdinov, "Revisiting Semi-Supervised Learning with Graph Embeddings", ICML 2016';
const CITATION_FULL =
  'Bojchevski & Günnemann, "Deep Gaussian Embedding of Graphs: Unsupervised Inductive Learning via Ranking", ICLR 2018';

const EXTRA: Record<BundledKey, Pick<BundledDataset, 'featureNnz' | 'origin' | 'citation'>> = {
  cora: { featureNnz: 49216, origin: 'Planetoid / LINQS citation data (PyG Planetoid "Cora")', citation: PLANETOID },
  cora_ml: { featureNnz: 151171, origin: 'CitationFull "cora_ml" (Bojchevski & Günnemann 2018)', citation: CITATION_FULL },
  dblp: { featureNnz: 92192, origin: 'CitationFull "dblp" (Bojchevski & Günnemann 2018)', citation: CITATION_FULL },
};

/** The vendored datasets, keyed by name. */
export const DATASETS: Readonly<Record<BundledKey, BundledDataset>> = Object.fromEntries(
  (Object.keys(EXTRA) as BundledKey[]).map((key) => {
    const counts = COUNTS[key];
    // The ir table says which entries are vendored; a mismatch is a packaging bug, caught at load.
    if (!counts.bundled) throw new Error(`@fuseflow/ir DATASETS.${key} is not marked bundled`);
    return [key, { ...counts, key, ...EXTRA[key] }];
  }),
) as unknown as Record<BundledKey, BundledDataset>;

export const BUNDLED_KEYS = Object.keys(DATASETS) as BundledKey[];

/** Every dataset FuseFlow knows: the bundled real graphs first, then the synthetic-only ones. */
export function listDatasets(): DatasetListing[] {
  const row = (d: DatasetInfo, source: string): DatasetListing => ({
    key: d.key,
    name: d.name,
    nodes: d.nodes,
    edges: d.edges,
    features: d.features,
    classes: d.classes,
    source,
    bundled: d.bundled,
  });
  const real = BUNDLED_KEYS.map((k) => row(DATASETS[k], DATASETS[k].origin));
  const synthetic = (Object.values(COUNTS) as DatasetInfo[])
    .filter((d) => !d.bundled)
    .map((d) => row(d, `synthetic only (gcnadj:${d.key}); counts from ${d.source.split(':')[0]}`));
  return [...real, ...synthetic];
}

/** The bundled dataset for a key ('cora', 'Cora-ML', ...), or FF_DATASET_UNKNOWN listing the bundled ones. */
export function bundledDataset(key: string, where?: string): BundledDataset {
  const k = key.toLowerCase().replace(/-/g, '_');
  if (k in DATASETS) return DATASETS[k as BundledKey];
  const at = where ? `${where}: ` : '';
  const known = BUNDLED_KEYS.join(', ');
  const synthetic = k in COUNTS ? ` '${key}' exists only as counts for synthetic graphs (generate: "gcnadj:${k}").` : '';
  const guess = didYouMean(k, BUNDLED_KEYS);
  throw new FuseFlowError('FF_DATASET_UNKNOWN', `${at}unknown dataset '${key}'; the bundled datasets are ${known}.${synthetic}`, {
    suggestion: guess ? `did you mean '${guess}'?` : `use one of ${known}`,
  });
}

/** Folder holding a bundled dataset's files (works from src/ in tests and from dist/ when installed). */
export function datasetDir(key: BundledKey): string {
  return path.join(__dirname, '..', 'data', key);
}
