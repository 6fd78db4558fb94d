import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { memoryIo } from './io';
import { runCli } from './main';

const DATA = path.join(__dirname, '..', '..', 'datasets', 'data');

/** Size line of a vendored .mtx.gz (rows, columns, entries) and the number of distinct labels: the files' own counts. */
function fileCounts(key: string): { nodes: number; edges: number; features: number; classes: number } {
  const size = (f: string) => zlib.gunzipSync(fs.readFileSync(path.join(DATA, key, f))).toString('utf8').split('\n').find((l) => l && !l.startsWith('%'))!.trim().split(/\s+/).map(Number);
  const [n, n2, edges] = size('adjacency.mtx.gz');
  const [fn, features] = size('features.mtx.gz');
  expect([n2, fn]).toEqual([n, n]);
  const labels = zlib.gunzipSync(fs.readFileSync(path.join(DATA, key, 'labels.txt.gz'))).toString('utf8').split('\n').filter((l) => l.trim() !== '');
  expect(labels).toHaveLength(n);
  return { nodes: n, edges, features, classes: new Set(labels).size };
}

describe('fuseflow datasets', () => {
  it('lists the bundled datasets with the counts their vendored files hold, then the synthetic-only ones', async () => {
    const io = memoryIo(process.cwd());
    expect(await runCli(['datasets'], io)).toBe(0);
    const lines = io.out.join('\n').split('\n');
    expect(lines[0]).toMatch(/^key\s+name\s+nodes\s+edges\s+features\s+classes\s+bundled\s+source$/);
    const rows = lines.slice(2).filter((l) => /^\S+ {2}/.test(l)).map((l) => l.split(/ {2,}/));
    const bundled = rows.filter((r) => r[6] === 'yes');
    expect(bundled.map((r) => r[0])).toEqual(['cora', 'cora_ml', 'dblp']);
    for (const r of bundled) {
      const c = fileCounts(r[0]);
      expect(r.slice(2, 6).map((x) => Number(x.replace(/,/g, '')))).toEqual([c.nodes, c.edges, c.features, c.classes]);
    }
    expect(bundled.map((r) => r[1])).toEqual(['Cora', 'Cora-ML', 'DBLP']);
    // aligned: every row's "nodes" column ends where the header's does
    const end = lines[0].indexOf('nodes') + 'nodes'.length;
    for (const l of lines.slice(2, 2 + rows.length)) expect(l[end - 1]).toMatch(/\d/);
    const synthetic = rows.filter((r) => r[6] === 'no');
    expect(synthetic.length).toBeGreaterThan(0);
    for (const r of synthetic) expect(r[7]).toMatch(/^synthetic only \(gcnadj:/);
  });

  it('--json gives the same rows as data', async () => {
    const io = memoryIo(process.cwd());
    expect(await runCli(['datasets', '--json'], io)).toBe(0);
    const list = JSON.parse(io.out.join('\n')) as Array<{ key: string; name: string; nodes: number; edges: number; features: number; classes: number; source: string; bundled: boolean }>;
    const real = list.filter((d) => d.bundled);
    expect(real.map((d) => d.key)).toEqual(['cora', 'cora_ml', 'dblp']);
    for (const d of real) {
      expect({ nodes: d.nodes, edges: d.edges, features: d.features, classes: d.classes }).toEqual(fileCounts(d.key));
      expect(d.source.length).toBeGreaterThan(0);
    }
    expect(list.filter((d) => !d.bundled).every((d) => d.source.startsWith('synthetic only'))).toBe(true);
  });

  it('one dataset in detail, by key or display name', async () => {
    const io = memoryIo(process.cwd());
    expect(await runCli(['datasets', 'Cora-ML', '--json'], io)).toBe(0);
    const d = JSON.parse(io.out.join('\n'));
    expect(d).toMatchObject({ key: 'cora_ml', name: 'Cora-ML', ...fileCounts('cora_ml') });
    expect(fs.realpathSync(d.dir)).toBe(fs.realpathSync(path.join(DATA, 'cora_ml')));
    const text = memoryIo(process.cwd());
    expect(await runCli(['datasets', 'dblp'], text)).toBe(0);
    expect(text.out.join('\n')).toMatch(/^key {7}dblp\nname {6}DBLP\nnodes {5}17,716\nedges {5}105,734 \(directed adjacency entries\)\nfeatures {2}1,639 \(/);
  });

  it('a dataset that is not bundled is a usage error naming the bundled ones', async () => {
    for (const [name, extra] of [['nosuch', /suggestion: use one of cora, cora_ml, dblp$/], ['collab', /exists only as counts for synthetic graphs \(generate: "gcnadj:collab"\)/]] as const) {
      const io = memoryIo(process.cwd());
      expect(await runCli(['datasets', name], io)).toBe(2);
      expect(io.out).toEqual([]);
      const err = io.err.join('\n');
      expect(err).toMatch(new RegExp(`^FF_DATASET_UNKNOWN: fuseflow datasets: unknown dataset '${name}'; the bundled datasets are cora, cora_ml, dblp\\.`));
      expect(err).toMatch(extra);
    }
  });
});
