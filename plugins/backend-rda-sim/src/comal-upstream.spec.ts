/**
 * Wire compatibility with tortilla's own `.proto` files (stanford-ppl/tortilla, in the shared
 * oracles folder, loaded at test time and never copied into the repo): graphs encoded with
 * tortilla's types run here, and ours decode with tortilla's types.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { compareTensors, evaluateProgram, toDense, uniformRandom, type DataflowGraph, type TensorBindings } from '@fuseflow/ir';
import { comalSimCommand } from './cli';
import { COMAL_PROTO } from './comal-proto';
import { readDataDir, writeDataFiles } from './datafiles';
import * as K from './kernels';
import { exportComalGraph, importComalGraph } from './proto';
import { simulateGraph, simulateModule } from './simulate';

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const PROTO_SUBDIR = path.join('oracles', 'tortilla-proto', 'proto');

/** tortilla's proto folder: $FUSEFLOW_SHARED, then shared/ beside the repo (CI), then /work/shared. */
function upstreamProtoDir(): string {
  const tried = [process.env.FUSEFLOW_SHARED, path.resolve(REPO_ROOT, '..', 'shared'), '/work/shared']
    .filter((d): d is string => !!d)
    .map((d) => path.join(d, PROTO_SUBDIR));
  const found = tried.find((d) => fs.existsSync(path.join(d, 'comal.proto')));
  if (!found) throw new Error(`tortilla .proto files not found; looked for comal.proto in: ${tried.join(', ')} (set FUSEFLOW_SHARED to the shared/ folder)`);
  return found;
}

let upstream: protobuf.Type;
beforeAll(() => {
  const root = new protobuf.Root().loadSync(path.join(upstreamProtoDir(), 'comal.proto'), { keepCase: true });
  upstream = root.lookupType('tortilla.ComalGraph');
  // the import chain comal -> tortilla -> ops -> stream really was followed
  expect(root.lookupType('tortilla.FiberLookup').fields.output_crd.id).toBe(4);
});

const encodeUp = (obj: Obj) => upstream.encode(upstream.fromObject(obj)).finish();
const decodeUp = (bytes: Uint8Array): Obj => upstream.toObject(upstream.decode(bytes), { longs: Number, enums: String, defaults: true, oneofs: true, arrays: true });

// Upstream message builders (tortilla field names).
const st = (id: number) => ({ id: { id } });
const op = (id: number, name: string, body: Obj) => ({ name, id, ...body });
const graph = (name: string, ops: Obj[]) => ({ name, channel_size: 1024, graph: { name, operators: ops } });

/** y(i) = A(i,j) * x(j), A csr, x dense, as sam-translate wires it (the joined j crd is void). */
function upstreamSpmv(m: number): Obj {
  return graph('spmv', [
    op(1, 'A_root', { root: { label: 'A_root', tensor: 'A', output_ref: st(1) } }),
    op(2, 'A_i', { fiber_lookup: { input_ref: st(1), output_ref: st(2), output_crd: st(3), index: 'i', tensor: 'A', mode: 0, format: 'dense', root: true, label: 'A_i' } }),
    op(3, 'bc_i', { broadcast: { label: 'bc_i', crd: { input: st(3), outputs: [st(4), st(5)] } } }),
    op(4, 'y_i', { fiber_write: { input_crd: st(4), index: 'i', tensor: 'y', mode_val: '0', format: 'compressed', size: String(m), sink: true, label: 'y_i' } }),
    op(5, 'x_root', { root: { label: 'x_root', tensor: 'x', output_ref: st(6) } }),
    op(6, 'rep_x', { repeat: { in_ref: st(6), out_ref: st(7), rep_ref: st(5), label: 'rep_x', index: 'i', root: true } }),
    op(7, 'A_j', { fiber_lookup: { input_ref: st(2), output_ref: st(8), output_crd: st(9), index: 'j', tensor: 'A', mode: 1, format: 'compressed', label: 'A_j' } }),
    op(8, 'x_j', { fiber_lookup: { input_ref: st(7), output_ref: st(10), output_crd: st(11), index: 'j', tensor: 'x', mode: 0, format: 'dense', label: 'x_j' } }),
    op(9, 'and_j', {
      joiner: {
        join_type: 'INTERSECT',
        input_pairs: [
          { crd: st(9), in_ref: { ref_stream: st(8) } },
          { crd: st(11), in_ref: { ref_stream: st(10) } },
        ],
        index: 'j',
        label: 'and_j',
        output_refs: [{ ref_stream: st(12) }, { ref_stream: st(13) }],
        output_crd: st(0),
      },
    }),
    op(10, 'A_vals', { array: { tensor: 'A', input_ref: st(12), output_val: st(14), label: 'A_vals' } }),
    op(11, 'x_vals', { array: { tensor: 'x', input_ref: st(13), output_val: st(15), label: 'x_vals' } }),
    op(12, 'mul', { alu: { vals: { inputs: [st(14), st(15)], output: st(16) }, stages: [{ inputs: [0, 1], output: 0, op: 'MUL' }], label: 'mul' } }),
    op(13, 'sum_j', { reduce: { input_val: st(16), output_val: st(17), label: 'sum_j', reduce_type: 'ADD' } }),
    op(14, 'y_vals', { val_write: { input_val: st(17), label: 'y_vals', tensor: 'y', sink: true } }),
  ]);
}

/** X(i,j) = B(i,k) * C(k,j) in Gustavson order ikj (spacc order 1), B and C dcsr. */
function upstreamSpmspmIkj(m: number, n: number): Obj {
  return graph('spmspm_ikj', [
    op(1, 'B_root', { root: { label: 'B_root', tensor: 'B', output_ref: st(1) } }),
    op(2, 'B_i', { fiber_lookup: { input_ref: st(1), output_ref: st(2), output_crd: st(3), index: 'i', tensor: 'B', mode: 0, format: 'compressed', root: true, label: 'B_i' } }),
    op(3, 'bc_i', { broadcast: { label: 'bc_i', crd: { input: st(3), outputs: [st(4), st(5)] } } }),
    op(4, 'X_i', { fiber_write: { input_crd: st(4), index: 'i', tensor: 'X', mode_val: '0', format: 'compressed', size: String(m), sink: true, label: 'X_i' } }),
    op(5, 'B_k', { fiber_lookup: { input_ref: st(2), output_ref: st(6), output_crd: st(7), index: 'k', tensor: 'B', mode: 1, format: 'compressed', label: 'B_k' } }),
    op(6, 'C_root', { root: { label: 'C_root', tensor: 'C', output_ref: st(8) } }),
    op(7, 'rep_C', { repeat: { in_ref: st(8), out_ref: st(9), rep_ref: st(5), label: 'rep_C', index: 'i', root: true } }),
    op(8, 'C_k', { fiber_lookup: { input_ref: st(9), output_ref: st(10), output_crd: st(11), index: 'k', tensor: 'C', mode: 0, format: 'compressed', label: 'C_k' } }),
    op(9, 'and_k', {
      joiner: {
        join_type: 'INTERSECT',
        input_pairs: [
          { crd: st(7), in_ref: { ref_stream: st(6) } },
          { crd: st(11), in_ref: { ref_stream: st(10) } },
        ],
        index: 'k',
        label: 'and_k',
        output_refs: [{ ref_stream: st(13) }, { ref_stream: st(14) }],
        output_crd: st(12),
      },
    }),
    op(10, 'C_j', { fiber_lookup: { input_ref: st(14), output_ref: st(15), output_crd: st(16), index: 'j', tensor: 'C', mode: 1, format: 'compressed', label: 'C_j' } }),
    op(11, 'bc_j', { broadcast: { label: 'bc_j', crd: { input: st(16), outputs: [st(17), st(18)] } } }),
    op(12, 'rep_B', { repeat: { in_ref: st(13), out_ref: st(19), rep_ref: st(17), label: 'rep_B', index: 'j' } }),
    op(13, 'B_vals', { array: { tensor: 'B', input_ref: st(19), output_val: st(20), label: 'B_vals' } }),
    op(14, 'C_vals', { array: { tensor: 'C', input_ref: st(15), output_val: st(21), label: 'C_vals' } }),
    op(15, 'mul', { alu: { vals: { inputs: [st(20), st(21)], output: st(22) }, stages: [{ inputs: [0, 1], output: 0, op: 'MUL' }], label: 'mul' } }),
    op(16, 'spacc_k', {
      spacc: { input_inner_crd: st(18), input_outer_crds: [st(12)], input_val: st(22), output_inner_crd: st(23), output_val: st(24), order: 1, inner_crd: 'j', outer_crds: ['k'], label: 'spacc_k' },
    }),
    op(17, 'X_j', { fiber_write: { input_crd: st(23), index: 'j', tensor: 'X', mode_val: '1', format: 'compressed', size: String(n), sink: true, label: 'X_j' } }),
    op(18, 'X_vals', { val_write: { input_val: st(24), label: 'X_vals', tensor: 'X', sink: true } }),
  ]);
}

const rnd = (shape: number[], density: number, seed: number, format: string) => uniformRandom({ shape, density, seed, format, valueRange: [-2, 2] });

/** Writes the inputs as Comal data files and reads them back, as `fuseflow comal-sim` does. */
function viaDataDir(data: TensorBindings): { dir: string; data: TensorBindings; tensors: DataflowGraph['tensors'] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'comal-up-'));
  for (const [name, t] of Object.entries(data)) writeDataFiles(path.join(dir, 'data'), name, t);
  return { dir, ...readDataDir(path.join(dir, 'data')) };
}

describe('our schema text against tortilla’s', () => {
  // tortilla nests these; ours declares them once at top level (same bytes)
  const OURS: Record<string, string> = {
    'ALU.Val': 'ALUVals', 'ALU.Crd': 'ALUCrds', 'ALU.Stage': 'ALUStage', 'Joiner.Payload': 'Payload', 'Joiner.JoinBundle': 'JoinBundle',
    'Join.CrdBundle': 'CrdGather', 'Join.RefBundle': 'RefGather', 'Join.ValBundle': 'ValGather', 'Join.RepSigBundle': 'RepSigGather',
  };
  const ourName = (full: string): string => {
    const rel = full.replace(/^\.?tortilla\./, '');
    if (OURS[rel]) return OURS[rel];
    if (/^(Broadcast|Fork)\.\w+Bundle$/.test(rel)) return rel.split('.')[1];
    if (/Stream\.StreamID$/.test(rel)) return 'StreamID';
    return rel;
  };
  // the four stream messages are the same shape; tortilla's own files mix them (GenRef, Repeat)
  const canon = (t: string) => (/^(Crd|Ref|Val|RepSig)Stream$/.test(t) ? 'Stream' : t);
  const walk = (ns: protobuf.NamespaceBase, out: Array<protobuf.Type | protobuf.Enum> = []) => {
    for (const x of ns.nestedArray) {
      if (x instanceof protobuf.Type || x instanceof protobuf.Enum) out.push(x);
      if (x instanceof protobuf.Namespace || x instanceof protobuf.Type) walk(x, out);
    }
    return out;
  };

  it('every tortilla message, field and enum value has its number, name, type and cardinality; ours add only numbers >= 1000', () => {
    const ours = protobuf.parse(COMAL_PROTO, { keepCase: true }).root;
    ours.resolveAll();
    upstream.root.resolveAll();
    const defs = walk(upstream.root.lookup('tortilla') as protobuf.Namespace);
    expect(defs.length).toBeGreaterThan(50);
    let fields = 0;
    for (const d of defs) {
      const mine = ours.lookup(`tortilla.${ourName(d.fullName)}`) ?? ours.lookup(`tortilla.${d.fullName.replace(/^\.?tortilla\./, '')}`);
      expect([d.fullName, mine?.constructor.name]).toEqual([d.fullName, d.constructor.name]);
      if (d instanceof protobuf.Enum) {
        const e = mine as protobuf.Enum;
        for (const [k, v] of Object.entries(d.values)) expect([d.fullName, k, e.values[k]]).toEqual([d.fullName, k, v]);
        for (const [k, v] of Object.entries(e.values)) if (!(k in d.values)) expect([d.fullName, k, v >= 1000]).toEqual([d.fullName, k, true]);
        continue;
      }
      const t = mine as protobuf.Type;
      for (const f of d.fieldsArray) {
        const g = t.fields[f.name];
        const sig = (x: protobuf.Field | undefined) => x && [x.id, x.repeated, canon(x.resolvedType ? ourName(x.resolvedType.fullName) : x.type), x.partOf?.name];
        expect([d.fullName, f.name, sig(g)]).toEqual([d.fullName, f.name, sig(f)]);
        fields++;
      }
      for (const g of t.fieldsArray) if (!d.fields[g.name]) expect([t.fullName, g.name, g.id >= 1000 && g.name.startsWith('ff_')]).toEqual([t.fullName, g.name, true]);
      expect([d.fullName, t.reserved]).toEqual([d.fullName, d.reserved]);
    }
    expect(fields).toBeGreaterThan(150);
  });
});

describe('graphs encoded with tortilla’s .proto files run here', () => {
  it.each([
    ['SpMV 40x30 csr', () => upstreamSpmv(40), K.spmv(40, 30).program, { A: rnd([40, 30], 0.15, 1, 'csr'), x: rnd([30], 1, 2, 'dense') }],
    ['SpMSpM ikj 30x25x20 dcsr', () => upstreamSpmspmIkj(30, 20), K.spmspm('ikj', 30, 25, 20).program, { B: rnd([30, 25], 0.12, 3, 'dcsr'), C: rnd([25, 20], 0.12, 4, 'dcsr') }],
  ])('%s: imported, simulated, values equal to the reference evaluator', (_n, build, program, inputs) => {
    const bytes = encodeUp(build());
    const { data, tensors } = viaDataDir(inputs);
    const g = importComalGraph(bytes, { tensors });
    const out = g.output.tensor;
    const r = simulateModule({ stage: 'dataflow', program, data, graphs: [g] }, { engine: 'fast' });
    expect(r.valuesChecked).toBe(true);
    expect(r.checks.map((c) => c.tensor)).toEqual([out]);
    // an independent look at the same comparison, and a non-trivial result
    const expected = evaluateProgram(program, data)[out];
    expect(compareTensors(r.outputs[out], expected, { rtol: 1e-12, atol: 1e-12 }).equal).toBe(true);
    expect(Array.from(toDense(expected)).filter((v) => v !== 0).length).toBeGreaterThan(5);
    // the reference engine agrees on cycles
    expect(simulateModule({ stage: 'dataflow', program, data, graphs: [g] }, { engine: 'reference' }).cycles).toBe(r.cycles);
  });

  it('the hand-built upstream SpMSpM ikj is the same graph as our kernel: equal cycles', () => {
    const inputs = { B: rnd([30, 25], 0.12, 5, 'dcsr'), C: rnd([25, 20], 0.12, 6, 'dcsr') };
    const k = K.spmspm('ikj', 30, 25, 20);
    const g = importComalGraph(encodeUp(upstreamSpmspmIkj(30, 20)), { tensors: k.graph.tensors });
    expect(simulateGraph(g, inputs).cycles).toBe(simulateGraph(k.graph, inputs).cycles);
  });

  it.each([
    ['spmv', K.spmv(12, 10), { A: rnd([12, 10], 0.3, 7, 'csr'), x: rnd([10], 1, 8, 'dense') }],
    ['spmspm ikj', K.spmspm('ikj', 9, 8, 7), { B: rnd([9, 8], 0.3, 9, 'dcsr'), C: rnd([8, 7], 0.3, 10, 'dcsr') }],
    ['spmspm kij', K.spmspm('kij', 9, 8, 7), { B: rnd([9, 8], 0.3, 11, 'dcsc'), C: rnd([8, 7], 0.3, 12, 'dcsr') }],
    ['spmspm ijk', K.spmspm('ijk', 9, 8, 7), { B: rnd([9, 8], 0.3, 13, 'dcsr'), C: rnd([8, 7], 0.3, 14, 'dcsc') }],
  ])('our %s re-encoded through tortilla’s types (our extensions dropped) simulates identically', (_n, k, data) => {
    const up = encodeUp(decodeUp(exportComalGraph(k.graph)));
    const g = importComalGraph(up, { tensors: k.graph.tensors });
    const a = simulateGraph(k.graph, data);
    const b = simulateGraph(g, data);
    expect(b.cycles).toBe(a.cycles);
    expect(Array.from(toDense(b.output))).toEqual(Array.from(toDense(a.output)));
    expect(simulateModule(k.module(data)).valuesChecked).toBe(true);
  });

  it('fuseflow comal-sim runs a tortilla-encoded graph file', async () => {
    const inputs = { A: rnd([20, 16], 0.2, 15, 'csr'), x: rnd([16], 1, 16, 'dense') };
    const { dir, data } = viaDataDir(inputs);
    fs.writeFileSync(path.join(dir, 'op.bin'), encodeUp(upstreamSpmv(20)));
    let out = '';
    let err = '';
    const code = await comalSimCommand.action(['op.bin'], { data: 'data', out: 'res', json: true }, { cwd: dir, isTTY: false, stdout: (t: string) => (out += t), stderr: (t: string) => (err += t) });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(out).cycles).toBeGreaterThan(0);
    const got = readDataDir(path.join(dir, 'res')).data.y;
    const expected = evaluateProgram(K.spmv(20, 16).program, data).y;
    expect(compareTensors(got, expected, { rtol: 1e-12, atol: 1e-12 }).equal).toBe(true);
  });
});

/** Every stream object in an upstream-decoded op, classed as input or output by its field name. */
function streamEnds(o: Obj, dir?: 'in' | 'out', acc: Array<[number, 'in' | 'out']> = []): Array<[number, 'in' | 'out']> {
  if (o && typeof o === 'object' && o.id && typeof o.id === 'object' && typeof o.id.id === 'number') {
    if (o.id.id !== 0) acc.push([o.id.id, dir!]);
    return acc;
  }
  if (Array.isArray(o)) for (const x of o) streamEnds(x, dir, acc);
  else if (o && typeof o === 'object')
    for (const [k, v] of Object.entries(o)) {
      const d = /^(input|in_|rep_)/.test(k) ? 'in' : /^(output|out_)/.test(k) ? 'out' : dir;
      streamEnds(v, d, acc);
    }
  return acc;
}

describe('our graphs decode with tortilla’s .proto files', () => {
  it('SpMSpM ikj: op kinds, labels, tensors, modes and every stream id with one sender and one receiver', () => {
    const g = K.spmspm('ikj', 6, 5, 4).graph;
    const obj = decodeUp(exportComalGraph(g));
    expect(obj.name).toBe(g.name);
    const ops: Obj[] = obj.graph.operators;
    // repsig nodes fold into their Repeat (rep_ref carries the raw crd stream, as sam-translate writes)
    const kept = g.nodes.filter((n) => n.kind !== 'repsig');
    expect(ops.map((o) => o.id)).toEqual(kept.map((n) => n.id));
    const KIND: Record<string, string> = {
      root: 'root', level_scan: 'fiber_lookup', repeat: 'repeat', intersect: 'joiner', array: 'array', alu: 'alu',
      spacc1: 'spacc', broadcast: 'broadcast', crd_write: 'fiber_write', val_write: 'val_write',
    };
    expect(ops.map((o) => o.op)).toEqual(kept.map((n) => KIND[n.kind]));
    for (const [q, n] of kept.entries()) {
      const b = ops[q][ops[q].op];
      expect(ops[q].name).toBe(n.label);
      if (n.kind !== 'alu') expect(b.label).toBe(n.label);
      if (n.kind === 'level_scan') {
        expect([b.tensor, b.mode, b.index]).toEqual([n.attrs.tensor, n.attrs.mode ?? g.tensors[n.attrs.tensor!].format.modeOrder[n.attrs.level!], n.attrs.index]);
        expect([b.input_ref.id.id, b.output_ref.id.id, b.output_crd.id.id]).toEqual([n.inputs.ref, n.outputs.ref ?? 0, n.outputs.crd ?? 0]);
        expect(b.format).toBe('compressed');
      }
      if (n.kind === 'repeat') {
        const sig = g.nodes.find((x) => x.outputs.repsig === n.inputs.repsig)!;
        expect(ops[q].repeat.input_rep_sig).toBe('rep_ref');
        expect(b.rep_ref.id.id).toBe(sig.inputs.crd);
        expect(b.in_ref.id.id).toBe(n.inputs.in);
      }
      if (n.kind === 'intersect') {
        expect(b.join_type).toBe('INTERSECT');
        expect(b.input_pairs.map((p: Obj) => [p.crd.id.id, p.in_ref.ref_stream.id.id])).toEqual([[n.inputs.crd0, n.inputs.ref0], [n.inputs.crd1, n.inputs.ref1]]);
        expect(b.output_crd.id.id).toBe(n.outputs.crd ?? 0);
      }
      if (n.kind === 'alu') {
        expect(b.label).toBe(n.label);
        expect(b.stages[0].op).toBe('MUL');
        expect(b.vals.inputs.map((s: Obj) => s.id.id)).toEqual([n.inputs.a, n.inputs.b]);
      }
      if (n.kind === 'spacc1') expect([b.order, b.input_inner_crd.id.id, b.input_outer_crds[0].id.id]).toEqual([1, n.inputs.inner_crd, n.inputs.outer_crd]);
      if (n.kind === 'crd_write') expect([b.tensor, b.mode_val, b.size]).toEqual(['X', String(n.attrs.level), String([6, 4][n.attrs.level!])]);
    }
    // Stream ids match up in tortilla's reading: one sender and one receiver each, and they are
    // exactly our channels minus the folded repsig streams.
    const ends = new Map<number, string[]>();
    for (const o of ops) for (const [id, d] of streamEnds(o[o.op])) ends.set(id, [...(ends.get(id) ?? []), d]);
    for (const [id, ds] of ends) expect([id, ds.sort()]).toEqual([id, ['in', 'out']]);
    expect([...ends.keys()].sort((x, y) => x - y)).toEqual(g.channels.filter((c) => c.kind !== 'repsig').map((c) => c.id).sort((x, y) => x - y));
  });

  it('our extensions are invisible to tortilla: extra ALU ops keep their number, ff_ fields are skipped', () => {
    const k = K.relu(3, 4);
    const g: DataflowGraph = structuredClone(k.graph);
    g.nodes.find((n) => n.kind === 'alu')!.attrs = { alu: 'neg' };
    const ours = exportComalGraph(g);
    const obj = decodeUp(ours);
    const alu = obj.graph.operators.find((o: Obj) => o.op === 'alu').alu;
    expect(alu.stages[0].op).toBe(1001); // NEG: not in tortilla's ALUOp, so it stays numeric
    expect(Object.keys(alu).filter((f) => f.startsWith('ff_'))).toEqual([]);
    // and our own reader gets the op back
    expect(importComalGraph(ours, { tensors: g.tensors }).nodes.find((n) => n.kind === 'alu')!.attrs.alu).toBe('neg');
  });

  it('tile specs of block mode survive our encoding and do not disturb tortilla', () => {
    const g: DataflowGraph = structuredClone(K.spmspm('ikj', 4, 4, 4).graph);
    g.blockSize = 2;
    const alu = g.nodes.find((n) => n.kind === 'alu')!;
    alu.attrs = { ...alu.attrs, matmul: true, tile: { a: ['i', 'k'], b: ['k', 'j'], out: ['i', 'j'] } };
    const bytes = exportComalGraph(g);
    const back = importComalGraph(bytes, { tensors: g.tensors });
    expect(back.blockSize).toBe(2);
    expect(back.nodes.find((n) => n.kind === 'alu')!.attrs).toEqual({ alu: 'mul', matmul: true, empty: alu.attrs.empty, tile: alu.attrs.tile });
    const up = decodeUp(bytes).graph.operators.find((o: Obj) => o.op === 'alu').alu;
    expect([up.blocked, up.stream_shape]).toEqual([true, 2]);
  });

  it('a reduce that folds its tiles keeps the fold (ff_tile = 1000) through our encoding; tortilla reads a plain blocked reduce', () => {
    const g: DataflowGraph = structuredClone(K.softmax(4, 6).graph);
    g.blockSize = 2;
    const reduces = g.nodes.filter((n) => n.kind === 'reduce');
    expect(reduces.length).toBeGreaterThan(0);
    reduces.forEach((n, q) => (n.attrs = { ...n.attrs, tile: { a: ['i', `j${q}`], b: [], out: ['i'] } }));
    const bytes = exportComalGraph(g);
    const back = importComalGraph(bytes, { tensors: g.tensors });
    expect(back.nodes.filter((n) => n.kind === 'reduce').map((n) => n.attrs)).toEqual(reduces.map((n) => n.attrs));
    const up = decodeUp(bytes).graph.operators.filter((o: Obj) => o.op === 'reduce').map((o: Obj) => o.reduce);
    expect(up.map((r: Obj) => [r.reduce_type, r.blocked, r.stream_shape])).toEqual(reduces.map((n) => [n.attrs.reduce === 'max' ? 'MAX' : 'ADD', true, 2]));
    expect(up.flatMap((r: Obj) => Object.keys(r).filter((f) => f.startsWith('ff_')))).toEqual([]);
    // without a fold the field stays off the wire and the reduce decodes without a tile
    const plain: DataflowGraph = structuredClone(K.softmax(4, 6).graph);
    expect(importComalGraph(exportComalGraph(plain), { tensors: plain.tensors }).nodes.filter((n) => n.kind === 'reduce').every((n) => !('tile' in n.attrs))).toBe(true);
  });
});

describe('bad protobuf graphs give FF_INPUT_INVALID naming the op and the stream', () => {
  const withOps = (edit: (ops: Obj[]) => void): Uint8Array => {
    const g = upstreamSpmv(5);
    edit(g.graph.operators);
    return encodeUp(g);
  };
  const tensors = K.spmv(5, 4).graph.tensors;
  const expectInvalid = (bytes: Uint8Array, re: RegExp) => {
    let err: unknown;
    try {
      importComalGraph(bytes, { tensors });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'FF_INPUT_INVALID' });
    expect((err as Error).message).toMatch(re);
  };

  it('an unknown Operation field (an op from a newer tortilla) names the operation', () => {
    // Operation{name: 'mystery', id: 99, <field 40>: {}} appended as a second ProgramGraph chunk:
    // protobuf merges it into graph.operators.
    const W = protobuf.Writer;
    const opBytes = W.create().uint32((1 << 3) | 2).string('mystery').uint32(2 << 3).uint32(99).uint32((40 << 3) | 2).bytes(new Uint8Array(0)).finish();
    const pg = W.create().uint32((2 << 3) | 2).bytes(opBytes).finish();
    const extra = W.create().uint32((3 << 3) | 2).bytes(pg).finish();
    const base = encodeUp(upstreamSpmv(5));
    const bytes = new Uint8Array(base.length + extra.length);
    bytes.set(base);
    bytes.set(extra, base.length);
    expect(decodeUp(bytes).graph.operators.length).toBe(15);
    expectInvalid(bytes, /operation 'mystery' \(id 99\) has no operation this reader knows/);
  });

  it.each([
    ['SIN', /ALU op SIN of 'mul' is not supported/],
    [77, /ALU op 77 of 'mul' is not supported/],
  ])('an ALU op the simulator lacks (%s) names the ALU', (aluOp, re) => {
    expectInvalid(withOps((ops) => (ops.find((o) => o.alu)!.alu.stages[0].op = aluOp)), re);
  });

  it('an op Comal leaves unimplemented (Intrinsic) is named', () => {
    expectInvalid(withOps((ops) => ops.push(op(50, 'f', { func: { name: 'gelu' } }))), /operation 'f' \(func\) is not supported/);
  });

  it('a stream with two senders names the stream and both ops', () => {
    // x_j writes its crd on stream 9, which A_j already sends
    expectInvalid(withOps((ops) => (ops.find((o) => o.name === 'x_j')!.fiber_lookup.output_crd = st(9))), /stream 9 has two senders, 'A_j' and 'x_j'/);
  });

  it('a stream with two receivers names the stream and both ops', () => {
    expectInvalid(withOps((ops) => (ops.find((o) => o.name === 'x_vals')!.array.input_ref = st(12))), /stream 12 has two receivers, 'A_vals' and 'x_vals'/);
  });

  it('a receiver without a sender and a sender without a receiver are named', () => {
    expectInvalid(withOps((ops) => (ops.find((o) => o.name === 'sum_j')!.reduce.input_val = st(77))), /stream (16 \(val\) from 'mul' has no receiver \(Disconnected sender\)|77 has a receiver \('sum_j'\) but no sender)/);
    expectInvalid(withOps((ops) => (ops.find((o) => o.name === 'y_vals')!.val_write.input_val = st(78))), /stream 17 \(val\) from 'sum_j' has no receiver|stream 78 has a receiver \('y_vals'\) but no sender/);
    expectInvalid(withOps((ops) => ops.splice(ops.findIndex((o) => o.name === 'y_vals'), 1)), /stream 17 \(val\) from 'sum_j' has no receiver \(Disconnected sender\); use id 0/);
  });

  it('a stream used as two kinds names both', () => {
    // the crd stream 3 fed into an array (a ref input)
    expectInvalid(withOps((ops) => (ops.find((o) => o.name === 'A_vals')!.array.input_ref = st(3))), /stream 3 is used as (crd and as ref|ref and as crd)/);
  });
});

describe('a scan format that disagrees with the data', () => {
  it('names the fiber_lookup, the tensor and both formats', () => {
    const g = upstreamSpmv(5);
    g.graph.operators.find((o: Obj) => o.name === 'A_j')!.fiber_lookup.format = 'dense';
    expect(() => importComalGraph(encodeUp(g), { tensors: K.spmv(5, 4).graph.tensors })).toThrow(/fiber_lookup 'A_j' reads mode 1 of 'A' as dense, but that level is compressed/);
  });
});
