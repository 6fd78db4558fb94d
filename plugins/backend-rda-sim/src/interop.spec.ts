import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dataflowToDot, toDense, uniformRandom } from '@fuseflow/ir';
import { comalSimCommand } from './cli';
import { readDataDir, writeDataFiles } from './datafiles';
import * as K from './kernels';
import { decodeComalGraph, encodeComalGraph, exportComalGraph, importComalGraph } from './proto';
import { simulateGraph } from './simulate';

const rnd = (shape: number[], density: number, seed: number, format = 'dcsr') => uniformRandom({ shape, density, seed, format, valueRange: [-2, 2] });

describe('tortilla ComalGraph protobuf', () => {
  const cases: Array<[string, K.Kernel, Record<string, ReturnType<typeof rnd>>]> = [
    ['spmspm ikj', K.spmspm('ikj', 8, 9, 7), { B: rnd([8, 9], 0.3, 1), C: rnd([9, 7], 0.3, 2) }],
    ['spmspm kij', K.spmspm('kij', 8, 9, 7), { B: rnd([8, 9], 0.3, 1, 'dcsc'), C: rnd([9, 7], 0.3, 2) }],
    ['softmax', K.softmax(5, 6), { A: rnd([5, 6], 0.5, 3) }],
    ['elem add 3', K.elementwise('add', 3, 5, 6, ['dcsr', 'csr', 'dcsr']), { A: rnd([5, 6], 0.3, 4), B: rnd([5, 6], 0.3, 5, 'csr'), C: rnd([5, 6], 0.3, 6) }],
    ['gcn layer (locate)', K.gcnLayer(10, 3), { A: rnd([10, 10], 0.3, 7), H: rnd([10, 3], 1, 8, 'dense') }],
    // fork/join: Join.ff_level = 0 must come back as level 0 (round-robin), not as absent (Comal's Gather)
    ['spmv 3 lanes (fork/join)', K.spmvParallel(11, 9, 3), { A: rnd([11, 9], 0.3, 14, 'csr'), x: rnd([9], 1, 15, 'dense') }],
    ['elem mul (crd_drop)', K.elementwise('mul', 2, 6, 7, ['dcsr', 'dcsr']), { A: rnd([6, 7], 0.4, 16), B: rnd([6, 7], 0.4, 17) }],
    ['sddmm', K.sddmm(6, 5, 4), { S: rnd([6, 5], 0.4, 18, 'csr'), A: rnd([6, 4], 1, 19, 'dense'), B: rnd([4, 5], 1, 20, 'dd:1,0') }],
  ];
  it.each(cases)('%s round-trips and simulates identically', (_n, k, data) => {
    const bytes = exportComalGraph(k.graph);
    expect(bytes.length).toBeGreaterThan(50);
    const g = importComalGraph(bytes, { tensors: k.graph.tensors, output: k.graph.tensors[k.graph.output.tensor] });
    // repsig nodes are folded into Repeat on export and rebuilt on import.
    expect(g.nodes.length).toBe(k.graph.nodes.length);
    const a = simulateGraph(k.graph, data);
    const b = simulateGraph(g, data);
    expect(b.cycles).toBe(a.cycles);
    expect(Array.from(toDense(b.output))).toEqual(Array.from(toDense(a.output)));
    // Export is stable under a second round trip, and every node keeps its attributes.
    expect(exportComalGraph(g).length).toBe(bytes.length);
    // (a scan is named by its tensor mode, a writer by its output level: same node either way)
    const norm = (x: typeof g, n: (typeof g)['nodes'][number]) => {
      const { note: _n, format: _f, level, mode, ...rest } = n.attrs;
      if (n.kind === 'level_scan') return { ...rest, mode: mode ?? x.tensors[n.attrs.tensor!].format.modeOrder[level!] };
      if (n.kind === 'crd_write') return { ...rest, level };
      return { ...rest, level, mode };
    };
    const attrs = (x: typeof g) => x.nodes.filter((n) => n.kind !== 'repsig').map((n) => [n.kind, n.label, JSON.stringify(Object.entries(norm(x, n)).filter(([, v]) => v !== undefined).sort())]);
    expect(attrs(g)).toEqual(attrs(k.graph));
  });
  it('parallel lanes with their own writers (several fiber_writes per level) round-trip', () => {
    // SpMV with i forked over 3 lanes, each lane writing its rows: no join before the writers
    const w = new K.Wiring('spmv_lane_writers').tensor('A', [13, 9], 'csr').tensor('x', [9], 'dense').tensor('y', [13], 'sparse', 'output');
    const ai = w.scan('A', 0, w.root('A'), 'i');
    const crds = w.fork(ai.crd, 3, 'i');
    w.fork(ai.ref, 3, 'i').forEach((ref, p) => {
      w.crdWrite('y', 0, crds[p]);
      const [r1, r2] = w.split(ref, 2);
      const j = w.joiner('intersect', [w.scan('A', 1, r1, 'j'), w.scan('x', 0, w.repeat(w.root('x'), w.repsig(r2)), 'j')], 'j');
      w.valWrite('y', w.reduce(w.alu('mul', w.array('A', j.refs[0]), w.array('x', j.refs[1]))));
    });
    const g0 = w.build('y', [13]);
    const data = { A: rnd([13, 9], 0.3, 21, 'csr'), x: rnd([9], 1, 22, 'dense') };
    const g = importComalGraph(exportComalGraph(g0), { tensors: g0.tensors });
    expect(g.nodes.filter((n) => n.kind === 'crd_write').map((n) => n.attrs.level)).toEqual([0, 0, 0]);
    expect(g.output).toEqual(g0.output);
    const a = simulateGraph(g0, data);
    const b = simulateGraph(g, data);
    expect(b.cycles).toBe(a.cycles);
    expect(Array.from(toDense(b.output))).toEqual(Array.from(toDense(a.output)));
    expect(Array.from(toDense(a.output))).toEqual(Array.from(toDense(simulateGraph(K.spmv(13, 9).graph, data).output)));
  });
  it('malformed bytes give a clear FF_INPUT_INVALID', () => {
    expect(() => importComalGraph(Uint8Array.from([0x1a, 0xff, 0x01, 0x02]))).toThrow(/malformed ComalGraph protobuf/);
  });
  it('unmatched stream ids are reported like Comal (Disconnected sender / missing sender)', () => {
    const obj = decodeComalGraph(exportComalGraph(K.relu(3, 3).graph));
    const vw = obj.graph.operators.find((o: { op: string }) => o.op === 'val_write');
    vw.val_write.input_val.id.id = 999;
    expect(() => importComalGraph(encodeComalGraph(obj), { tensors: K.relu(3, 3).graph.tensors })).toThrow(/Disconnected sender|no sender/);
  });
  it('id 0 is void: a discarded output needs no receiver', () => {
    const obj = decodeComalGraph(exportComalGraph(K.relu(3, 3).graph));
    const before = obj.graph.operators.length;
    obj.graph.operators = obj.graph.operators.filter((o: { op: string }) => o.op !== 'val_write');
    const alu = obj.graph.operators.find((o: { op: string }) => o.op === 'alu');
    alu.alu.vals.output.id.id = 0;
    expect(obj.graph.operators.length).toBe(before - 1);
    const g = importComalGraph(encodeComalGraph(obj), { tensors: K.relu(3, 3).graph.tensors });
    expect(g.nodes.find((n) => n.kind === 'alu')!.outputs.out).toBeUndefined();
  });
});

describe('Comal data-file layout', () => {
  it('writes and reads tensor_<T>_mode_<l>_seg/_crd/_vals/_shape', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comal-data-'));
    const B = rnd([6, 7], 0.3, 9, 'dcsr');
    const C = rnd([6, 7], 0.3, 10, 'csr');
    writeDataFiles(dir, 'B', B);
    writeDataFiles(dir, 'C', C);
    expect(fs.readFileSync(path.join(dir, 'tensor_B_mode_shape'), 'utf8')).toBe('6\n7\n');
    expect(fs.existsSync(path.join(dir, 'tensor_C_mode_0_seg'))).toBe(false);
    const { data, tensors } = readDataDir(dir);
    expect(tensors.C.format.levels).toEqual(['dense', 'compressed']);
    expect(Array.from(toDense(data.B))).toEqual(Array.from(toDense(B)));
    expect(Array.from(toDense(data.C))).toEqual(Array.from(toDense(C)));
  });
  it('rejects an inconsistent seg file naming it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comal-data-'));
    writeDataFiles(dir, 'B', rnd([4, 4], 0.5, 11));
    fs.writeFileSync(path.join(dir, 'tensor_B_mode_1_seg'), '0\n1\n');
    expect(() => readDataDir(dir)).toThrow(/tensor_B_mode_1_seg: 2 entries/);
  });
});

describe('DOT export', () => {
  it('names every node and colours streams by kind', () => {
    const g = K.spmspm('ikj', 4, 4, 4).graph;
    const dot = dataflowToDot(g);
    expect(dot.startsWith('digraph')).toBe(true);
    for (const n of g.nodes) expect(dot).toContain(`n${n.id} [label="${n.label}`);
    expect(dot).toContain('color=orange');
  });
});

describe('comal-sim CLI command', () => {
  it('runs an exported graph on a data directory and writes outputs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comal-cli-'));
    const k = K.spmspm('ikj', 6, 6, 6);
    const data = { B: rnd([6, 6], 0.4, 12), C: rnd([6, 6], 0.4, 13) };
    writeDataFiles(path.join(dir, 'data'), 'B', data.B);
    writeDataFiles(path.join(dir, 'data'), 'C', data.C);
    fs.writeFileSync(path.join(dir, 'op.bin'), exportComalGraph(k.graph));
    let out = '';
    let err = '';
    const code = await comalSimCommand.action(['op.bin'], { data: 'data', out: 'res', json: true }, { cwd: dir, isTTY: false, stdout: (t: string) => (out += t), stderr: (t: string) => (err += t) });
    expect(err).toBe('');
    expect(code).toBe(0);
    const j = JSON.parse(out);
    expect(j.cycles).toBe(simulateGraph(k.graph, data).cycles);
    expect(fs.readFileSync(path.join(dir, 'res', 'X.mtx'), 'utf8')).toMatch(/^%%MatrixMarket/);
    const bad = await comalSimCommand.action(['op.bin'], { data: 'nope' }, { cwd: dir, isTTY: false, stdout: () => {}, stderr: (t: string) => (err += t) });
    expect(bad).toBe(1);
    expect(err).toMatch(/FF_INPUT_INVALID: data directory/);
    // a missing graph file is named, with its code (not a bare ENOENT)
    let missing = '';
    const io = { cwd: dir, isTTY: false, stdout: () => {}, stderr: (t: string) => (missing += t) };
    expect(await comalSimCommand.action(['gone.bin'], { data: 'data' }, io)).toBe(1);
    expect(missing).toBe(`FF_INPUT_INVALID: graph file ${path.join(dir, 'gone.bin')} does not exist (expected a tortilla ComalGraph protobuf, e.g. from sam-translate)\n`);
    missing = '';
    expect(await comalSimCommand.action(['op.bin'], {}, io)).toBe(2);
    expect(missing).toMatch(/^FF_USAGE: --data <dir> is required/);
  });
});
