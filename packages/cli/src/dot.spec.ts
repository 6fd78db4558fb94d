import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Session } from '@fuseflow/kernel';
import { memoryIo } from './io';
import { runCli } from './main';

/**
 * A strict reader of the DOT subset: `digraph ID { stmt* }` with node, edge, attribute and
 * `key=value` statements. Anything else throws, so a malformed file fails the test.
 */
function parseDigraph(text: string): { name: string; nodes: Set<string>; edges: Array<[string, string]> } {
  const tokens: string[] = [];
  const re = /\s*(?:("(?:[^"\\]|\\.)*")|(->|[{}[\];=,])|([A-Za-z0-9_.]+))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) throw new Error(`DOT: unexpected text at ${at}: ${JSON.stringify(text.slice(at, at + 20))}`);
    tokens.push(m[1] ?? m[2] ?? m[3]);
    at = re.lastIndex;
  }
  let i = 0;
  const next = () => {
    if (i >= tokens.length) throw new Error('DOT: unexpected end');
    return tokens[i++];
  };
  const expect = (t: string) => {
    const got = next();
    if (got !== t) throw new Error(`DOT: expected ${t}, got ${got}`);
  };
  const id = () => {
    const t = next();
    if (/^[{}[\];=,]$|^->$/.test(t)) throw new Error(`DOT: expected an id, got ${t}`);
    return t;
  };
  const attrs = () => {
    expect('[');
    while (tokens[i] !== ']') {
      id();
      expect('=');
      id();
      if (tokens[i] === ',' || tokens[i] === ';') i++;
    }
    expect(']');
  };
  expect('digraph');
  const name = id();
  expect('{');
  const nodes = new Set<string>();
  const edges: Array<[string, string]> = [];
  while (tokens[i] !== '}') {
    const a = id();
    if (tokens[i] === '=') {
      i++;
      id();
    } else if (tokens[i] === '->') {
      i++;
      edges.push([a, id()]);
      if (tokens[i] === '[') attrs();
    } else {
      if (tokens[i] === '[') attrs();
      if (!['node', 'edge', 'graph'].includes(a)) nodes.add(a);
    }
    expect(';');
  }
  expect('}');
  if (i !== tokens.length) throw new Error('DOT: text after the closing brace');
  return { name, nodes, edges };
}

describe('run / simulate --dot', () => {
  it('writes each dataflow graph of each configuration as a DOT digraph with the graph\'s nodes and channels', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-dot-'));
    const manifest = {
      name: 'spmm',
      seed: 3,
      frontend: { use: 'expr', options: { expr: 'X(i,j) = B(i,k) * C(k,j)', formats: { B: 'csr', C: 'csr' }, inputs: { B: 'uniform:16x16:0.2:seed=1', C: 'uniform:16x16:0.2:seed=2' } } },
      passes: [{ use: 'lower-sam' }],
      backend: { use: 'rda-sim' },
      configurations: [{ name: 'a b' }, { name: 'deep', backend: { options: { channelDepth: 2 } } }],
    };
    const file = path.join(dir, 'm.json');
    fs.writeFileSync(file, JSON.stringify(manifest));
    const io = memoryIo(dir);
    expect(await runCli(['-q', 'run', 'm.json', '--dot', 'dots'], io)).toBe(0);
    expect(io.err).toEqual([`dot: 2 dataflow graphs in ${path.join(dir, 'dots')}`]);

    // the reference: the same pipeline compiled directly through the kernel
    const s = Session.open(file, { outDir: path.join(dir, 'ref') });
    const { ir } = await s.compile(s.resolved.pipelines[0]);
    const graphs = ir.graphs as Array<{ name: string; nodes: Array<{ id: number }>; channels: unknown[] }>;
    expect(graphs.length).toBe(1);
    for (const conf of ['a_b', 'deep']) {
      const dot = parseDigraph(fs.readFileSync(path.join(dir, 'dots', conf, `00-${graphs[0].name}.dot`), 'utf8'));
      expect(dot.name).toBe(`"${graphs[0].name}"`);
      expect(dot.nodes.size).toBe(graphs[0].nodes.length);
      expect(graphs[0].nodes.length).toBeGreaterThan(5);
      expect(dot.edges.length).toBe(graphs[0].channels.length);
      for (const [a, b] of dot.edges) expect([dot.nodes.has(a), dot.nodes.has(b)]).toEqual([true, true]);
    }
    expect(fs.readdirSync(path.join(dir, 'dots')).sort()).toEqual(['a_b', 'deep']);
  });

  it('simulate --dot writes the graph it simulated', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-dot-'));
    const io = memoryIo(dir);
    const args = ['simulate', '--expr', 'X(i,j) = B(i,k) * C(k,j)', '--format', 'B=csr', '--format', 'C=csr', '--gen', 'B=uniform:16x16:0.2:seed=1', '--gen', 'C=uniform:16x16:0.2:seed=2'];
    expect(await runCli([...args, '--out', 'o', '--dot', 'dots'], io)).toBe(0);
    const s = Session.open({ name: 'ref', frontend: { use: 'expr', options: { expr: 'X(i,j) = B(i,k) * C(k,j)', formats: { B: 'csr', C: 'csr' }, inputs: { B: 'uniform:16x16:0.2:seed=1', C: 'uniform:16x16:0.2:seed=2' } } }, passes: [{ use: 'lower-sam' }], backend: { use: 'rda-sim' } }, { baseDir: dir, outDir: path.join(dir, 'ref') });
    const { ir } = await s.compile(s.resolved.pipelines[0]);
    const graphs = ir.graphs as Array<{ name: string; nodes: unknown[]; channels: unknown[] }>;
    const files = fs.readdirSync(path.join(dir, 'dots'));
    expect(files).toEqual(graphs.map((g, k) => `${String(k).padStart(2, '0')}-${g.name}.dot`));
    const dot = parseDigraph(fs.readFileSync(path.join(dir, 'dots', files[0]), 'utf8'));
    expect([dot.nodes.size, dot.edges.length]).toEqual([graphs[0].nodes.length, graphs[0].channels.length]);
    expect(io.out.join('\n')).toContain(`dot: ${path.join(dir, 'dots', files[0])}`);
  });

  it('says so when the pipeline has no dataflow stage', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-dot-'));
    fs.writeFileSync(path.join(dir, 'm.json'), JSON.stringify({ name: 'est', frontend: { use: 'expr', options: { expr: 'X(i,j) = B(i,k) * C(k,j)', inputs: { B: 'uniform:8x8:0.3:seed=1', C: 'uniform:8x8:0.3:seed=2' } } }, backend: { use: 'estimate' } }));
    const io = memoryIo(dir);
    expect(await runCli(['-q', 'run', 'm.json', '--dot', 'dots'], io)).toBe(0);
    expect(io.err).toEqual(['--dot: no dataflow graph to write (the pipeline does not lower to the dataflow stage)']);
    expect(fs.existsSync(path.join(dir, 'dots'))).toBe(false);
  });
});
