/**
 * Real PyTorch as the oracle: the example models and a small op zoo are exported once (one python
 * start-up) and the imported ModelGraph, evaluated by evaluateModel and by modelToProgram +
 * evaluateProgram, must match PyTorch's own float64 outputs within 1e-5 relative.
 * Skipped with a note when no python with torch exists, but FAILS when process.env.CI is set.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { evaluateModel, evaluateProgram, type ModelGraph, modelToProgram, toDense, verifyModel } from '@fuseflow/ir';
import { type ExportJob, exportModels, findTorchPython } from './exporter';
import { loadModelFile, readReferenceIo } from './load';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const python = findTorchPython();
if (!python && process.env.CI) throw new Error('CI is set but no python with PyTorch was found (install python3-torch)');
if (!python) console.warn('torch.spec.ts: no python with PyTorch found; the PyTorch-oracle tests are skipped (they run in CI)');
const describeTorch = python ? describe : describe.skip;

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-torch-'));
const zoo = path.join(__dirname, '__fixtures__', 'zoo.py');
const APPS: Array<{ name: string; file: string; formats: Record<string, string>; spec?: ExportJob['spec'] }> = [
  { name: 'gcn', file: 'examples/gcn/gcn.py', formats: { A: 'dcsr', W1: 'dcsr', W2: 'dcsr' } },
  { name: 'graphsage', file: 'examples/graphsage/graphsage.py', formats: { A: 'dcsr', W1n: 'dcsr', W2n: 'dcsr' } },
  { name: 'sae', file: 'examples/sae/sae.py', formats: { X: 'dcsr', W_enc: 'dcsr', W_dec: 'dcsr' } },
  // narrower than the committed small variant: the program evaluation dominates this suite's time
  { name: 'gpt3', file: 'examples/gpt3/gpt3.py', formats: { mask: 'dcsr', W1: 'csr' }, spec: { config: { d_model: 64, heads: 2, ffn: 96 } } },
];
const ZOO: ExportJob[] = [
  { model: zoo, out, class: 'TinyCNN', name: 'cnn', spec: { inputs: { x: { shape: [2, 2, 8, 8] } } } },
  { model: zoo, out, class: 'NormMLP', name: 'mlp13', opset: 13, spec: { inputs: { x: { shape: [5, 6] } } } },
  { model: zoo, out, class: 'NormMLP', name: 'mlp17', opset: 17, spec: { inputs: { x: { shape: [5, 6] } } } },
  { model: zoo, out, class: 'Elementwise', name: 'elem', spec: { seed: 3, inputs: { x: { shape: [2, 3, 4] } } } },
];

function maxRel(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let m = 0;
  for (let i = 0; i < want.length; i++) m = Math.max(m, Math.abs(got[i] - want[i]) / Math.max(1e-6, Math.abs(want[i])));
  return m;
}

describeTorch('PyTorch oracle (fuseflow-export + import)', () => {
  beforeAll(() => {
    exportModels([...APPS.map((a) => ({ model: path.join(ROOT, a.file), out, name: a.name, spec: a.spec })), ...ZOO], { python });
  }, 120_000);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  const load = (name: string, ext: '.onnx' | '.fx.json'): { graph: ModelGraph; ref: ReturnType<typeof readReferenceIo> } => {
    const graph = loadModelFile(path.join(out, name + ext));
    verifyModel(graph);
    return { graph, ref: readReferenceIo(path.join(out, `${name}.io.json`)) };
  };

  describe.each(APPS)('$name', ({ name, formats }) => {
    it.each(['.fx.json', '.onnx'] as const)('%s: evaluateModel and the lowered TensorProgram match PyTorch within 1e-5', (ext) => {
      const { graph, ref } = load(name, ext);
      const want = ref.outputs.out.data;
      const values = evaluateModel(graph, ref.inputs);
      expect(maxRel(values[graph.outputs[0]].data, want)).toBeLessThan(1e-5);
      const { program, data } = modelToProgram(graph, { inputs: ref.inputs, formats });
      const res = evaluateProgram(program, data);
      expect(maxRel(toDense(res[program.outputs[0]]), want)).toBeLessThan(1e-5);
    });
  });

  it('FX JSON keeps torch.sparse.mm and the sparse adjacency that ONNX loses', () => {
    const fx = load('gcn', '.fx.json').graph;
    const ox = load('gcn', '.onnx').graph;
    expect(fx.ops.filter((o) => o.op === 'sparse_mm')).toHaveLength(2);
    expect(fx.values.A.format).toBe('dcsr');
    expect(ox.ops.filter((o) => o.op === 'sparse_mm')).toHaveLength(0);
    expect(ox.ops.filter((o) => o.op === 'matmul')).toHaveLength(4);
  });

  it.each(['cnn', 'mlp13', 'mlp17', 'elem'])('op zoo %s: both importers match PyTorch within 1e-5', (name) => {
    for (const ext of ['.fx.json', '.onnx'] as const) {
      const { graph, ref } = load(name, ext);
      const values = evaluateModel(graph, ref.inputs);
      expect(maxRel(values[graph.outputs[0]].data, ref.outputs.out.data)).toBeLessThan(1e-5);
    }
  });

  it('opset 13 exports LayerNorm decomposed and opset 17 as LayerNormalization; both import', () => {
    expect(load('mlp13', '.onnx').graph.ops.map((o) => o.op)).toContain('reduce_mean');
    expect(load('mlp17', '.onnx').graph.ops.map((o) => o.op)).toContain('layer_norm');
  });

  it("the CNN is refused by the program lowering with a pointer to emit: model", () => {
    const { graph, ref } = load('cnn', '.onnx');
    expect(() => modelToProgram(graph, { inputs: ref.inputs })).toThrow(/emit: 'model'/);
  });
});
