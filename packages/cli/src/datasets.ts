import type { CliIo } from '@fuseflow/kernel';
import { exitCodeFor, formatError } from './errors';
import { formatNumber, formatTable } from './table';

type Datasets = typeof import('@fuseflow/datasets');

/** The dataset package, required only by this command (it pulls in the IR and the kernel). */
function datasets(): Datasets {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@fuseflow/datasets') as Datasets;
}

/**
 * `fuseflow datasets [name]`: the table of datasets (bundled real graphs first, then the ones that
 * exist only as counts for synthetic generators), or one bundled dataset in detail.
 */
export function cmdDatasets(name: string | undefined, json: boolean, io: CliIo): number {
  const ds = datasets();
  if (name === undefined) {
    const list = ds.listDatasets();
    if (json) {
      io.stdout(JSON.stringify(list, null, 2));
      return 0;
    }
    const rows = [['key', 'name', 'nodes', 'edges', 'features', 'classes', 'bundled', 'source']];
    for (const d of list) rows.push([d.key, d.name, formatNumber(d.nodes), formatNumber(d.edges), formatNumber(d.features), formatNumber(d.classes), d.bundled ? 'yes' : 'no', d.source]);
    io.stdout(formatTable(rows, [false, false, true, true, true, true, false, false]));
    io.stdout('edges count directed adjacency entries (an undirected edge twice); use a bundled one as {"dataset": "<key>:adjacency"} or "<key>:features" in a manifest');
    return 0;
  }
  let d: ReturnType<Datasets['bundledDataset']>;
  try {
    d = ds.bundledDataset(name, 'fuseflow datasets');
  } catch (e) {
    const err = e as { code?: string; message: string; suggestion?: string };
    if (!err.code) throw e;
    io.stderr(formatError({ code: err.code, message: err.message, suggestion: err.suggestion }));
    return exitCodeFor({ code: err.code });
  }
  const dir = ds.datasetDir(d.key);
  const info = { key: d.key, name: d.name, nodes: d.nodes, edges: d.edges, features: d.features, featureNnz: d.featureNnz, classes: d.classes, source: d.origin, citation: d.citation, dir };
  if (json) {
    io.stdout(JSON.stringify(info, null, 2));
    return 0;
  }
  const rows: Array<[string, string]> = [
    ['key', d.key],
    ['name', d.name],
    ['nodes', formatNumber(d.nodes)],
    ['edges', `${formatNumber(d.edges)} (directed adjacency entries)`],
    ['features', `${formatNumber(d.features)} (${formatNumber(d.featureNnz)} stored entries)`],
    ['classes', formatNumber(d.classes)],
    ['source', d.origin],
    ['cite', d.citation],
    ['files', dir],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  io.stdout(rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n'));
  return 0;
}
