import { inputError } from '../tensor/errors';

/** Published statistics of a graph dataset used by FuseFlow's GNN experiments. */
export interface DatasetInfo {
  key: DatasetKey;
  name: string;
  /** number of nodes (the adjacency is nodes x nodes). */
  nodes: number;
  /** directed entries of edge_index as the loader stores it (undirected edges count twice). */
  edges: number;
  /** true when every edge is stored in both directions (symmetric adjacency). */
  symmetric: boolean;
  /** node feature width. */
  features: number;
  /** number of classes (GCN output width). */
  classes: number;
  /** where the numbers come from. */
  source: string;
  /**
   * true when @fuseflow/datasets vendors the real graph (adjacency, features, labels); false for
   * datasets that exist here only as counts for the synthetic generators (gcnadj:collab, ...).
   */
  bundled: boolean;
}

export type DatasetKey = 'cora' | 'cora_ml' | 'dblp' | 'collab' | 'mag';

/**
 * Sizes from the public dataset documentation, as collected in fuseflow-reference.md section 4.2
 * (the FuseFlow artifact loads these with PyG/OGB and does not print them). The one table of these
 * counts: the synthetic generators (powerLawGraph, `gcnadj:cora`) draw random graphs with them, and
 * @fuseflow/datasets checks its vendored real graphs (entries with `bundled: true`) against them.
 */
export const DATASETS: Readonly<Record<DatasetKey, DatasetInfo>> = {
  cora: {
    key: 'cora',
    name: 'Cora',
    nodes: 2708,
    edges: 10556,
    symmetric: true,
    features: 1433,
    classes: 7,
    bundled: true,
    source: 'PyG Planetoid("Cora") dataset docs: 2,708 nodes, 10,556 edge_index entries, 1,433 features, 7 classes',
  },
  cora_ml: {
    key: 'cora_ml',
    name: 'Cora-ML',
    nodes: 2995,
    edges: 16316,
    symmetric: true,
    features: 2879,
    classes: 7,
    bundled: true,
    source: 'PyG CitationFull("cora_ml") dataset docs: 2,995 nodes, 16,316 edges, 2,879 features, 7 classes',
  },
  dblp: {
    key: 'dblp',
    name: 'DBLP',
    nodes: 17716,
    edges: 105734,
    symmetric: true,
    features: 1639,
    classes: 4,
    bundled: true,
    source: 'PyG CitationFull("dblp") dataset docs: 17,716 nodes, 105,734 edges, 1,639 features, 4 classes',
  },
  collab: {
    key: 'collab',
    name: 'ogbl-collab',
    nodes: 235868,
    edges: 2358104,
    symmetric: true,
    features: 128,
    classes: 2,
    bundled: false,
    source:
      'OGB ogbl-collab: 235,868 nodes, 1,285,465 undirected edges over all splits, of which 1,179,052 in the train ' +
      'split = 2,358,104 directed edge_index entries (the "~2.36M" of fuseflow-reference 4.2); 128 features; ' +
      '2 classes is the FuseFlow script default (link prediction has no classes)',
  },
  mag: {
    key: 'mag',
    name: 'ogbn-mag (paper-cites-paper)',
    nodes: 736389,
    edges: 5416271,
    symmetric: false,
    features: 128,
    classes: 349,
    bundled: false,
    source: 'OGB ogbn-mag, paper->cites->paper relation only: 736,389 papers, 5,416,271 directed citations, 128 features, 349 venues',
  },
};

/** The dataset entry for a key, or a clear error listing the known keys. */
export function datasetInfo(key: string): DatasetInfo {
  const d = (DATASETS as Record<string, DatasetInfo>)[key.toLowerCase().replace('-', '_')];
  if (!d) {
    throw inputError(`unknown dataset '${key}'; expected one of ${Object.keys(DATASETS).join(', ')}`);
  }
  return d;
}
