import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { container } from 'tsyringe';
import { errorOf, FRONTEND, type FuseFlowPlugin, resolvePluginOptions, type RunContext } from '@fuseflow/kernel';
import { evaluateProgram, formatName, type ModelModule, nnz, type ProgramModule, type SparseTensorData, toDense } from '@fuseflow/ir';
import plugin, { bindModel, PytorchFrontend, type PytorchFrontendOptions, readReferenceIo, runImport } from './index';

const GCN = path.resolve(__dirname, '..', '..', '..', 'examples', 'gcn');
const ctx = (baseDir = GCN, seed = 25): RunContext => ({ baseDir, seed } as unknown as RunContext);
const load = (o: PytorchFrontendOptions): unknown => new PytorchFrontend({ emit: 'program', exampleInputs: true, resize: false, ...o }).load(ctx());
describe('PytorchFrontend', () => {
  it('binds the exported example inputs and yields a program equal to PyTorch\'s output (committed io.json)', () => {
    const m = load({ model: 'gcn.fx.json', inputs: { A: { format: 'dcsr' } }, weights: { W1: { format: 'dcsr' } } }) as ProgramModule;
    expect(m.stage).toBe('program');
    expect(m.program.tensors.A.format.levels).toEqual(['compressed', 'compressed']);
    expect(m.program.tensors.W1.format.levels).toEqual(['compressed', 'compressed']);
    const out = evaluateProgram(m.program, m.data)[m.program.outputs[0]];
    const want = readReferenceIo(path.join(GCN, 'gcn.io.json')).outputs.out.data;
    const got = toDense(out);
    want.forEach((v, i) => expect(Math.abs(got[i] - v) / Math.abs(v)).toBeLessThan(1e-5));
  });

  it("emit: 'model' returns the ModelGraph with the bound inputs", () => {
    const m = load({ model: 'gcn.onnx', emit: 'model' }) as ModelModule;
    expect(m.stage).toBe('model');
    expect(m.graph.ops.map((o) => o.op)).toEqual(['matmul', 'matmul', 'add', 'relu', 'matmul', 'matmul', 'add', 'softmax']);
  });

  it('generated data at a new size re-infers every shape when resize is on', () => {
    const b = bindModel({ model: 'gcn.fx.json', resize: true, inputs: { A: { format: 'dcsr', generate: 'gcnadj:50:200' }, X: { generate: 'dense:50x6' } }, weights: { W1: { format: 'dcsr', generate: 'uniform:6x16:0.4' } } }, GCN, 3);
    expect(b.graph.values.softmax.shape).toEqual([50, 4]);
    expect(b.graph.values.matmul.shape).toEqual([50, 16]);
  });

  it('reads input data from a MatrixMarket file in the requested format', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-mtx-'));
    const a = readReferenceIo(path.join(GCN, 'gcn.io.json')).inputs.A;
    const lines: string[] = [];
    a.data.forEach((v, k) => v !== 0 && lines.push(`${Math.floor(k / 24) + 1} ${(k % 24) + 1} ${v}`));
    fs.writeFileSync(path.join(dir, 'a.mtx'), `%%MatrixMarket matrix coordinate real general\n24 24 ${lines.length}\n${lines.join('\n')}\n`);
    fs.copyFileSync(path.join(GCN, 'gcn.fx.json'), path.join(dir, 'gcn.fx.json'));
    fs.copyFileSync(path.join(GCN, 'gcn.io.json'), path.join(dir, 'gcn.io.json'));
    const m = new PytorchFrontend({ model: 'gcn.fx.json', inputs: { A: { format: 'csr', file: 'a.mtx' } } }).load(ctx(dir)) as ProgramModule;
    expect(m.program.tensors.A.format.levels).toEqual(['dense', 'compressed']);
    expect(m.data.A.vals.length).toBe(lines.length);
    Array.from(toDense(m.data.A)).forEach((v, k) => expect(v).toBeCloseTo(a.data[k], 12));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('binds the real Cora graph and features from a dataset source at their real sizes', () => {
    const b = bindModel(
      {
        model: 'gcn.fx.json',
        resize: true,
        inputs: { A: { dataset: 'cora:adjacency', format: 'dcsr' }, X: { dataset: 'cora:features', format: 'csr' } },
        weights: { W1: { format: 'dcsr', generate: 'uniform:1433x16:0.4' }, b1: { generate: 'dense:16' }, W2: { format: 'dcsr', generate: 'uniform:16x7:0.4' }, b2: { generate: 'dense:7' } },
      },
      GCN,
      25,
    );
    expect(b.graph.values.softmax.shape).toEqual([2708, 7]);
    const a = b.inputs.A as SparseTensorData;
    const x = b.inputs.X as SparseTensorData;
    // 10,556 edge entries plus the 2,708 self loops; 49,216 stored features.
    expect([a.shape, nnz(a), formatName(a.format)]).toEqual([[2708, 2708], 13264, 'dcsr']);
    expect([x.shape, nnz(x), formatName(x.format)]).toEqual([[2708, 1433], 49216, 'csr']);
    const hat = bindModel(
      { model: 'gcn.fx.json', resize: true, inputs: { A: { dataset: 'cora:adjacency', normalize: 'symmetric', selfLoops: false }, X: { generate: 'dense:2708x12' } } },
      GCN,
      25,
    );
    expect(nnz(hat.inputs.A as SparseTensorData)).toBe(10556);
  });

  it('dataset sources: unknown names, conflicting fields and bad option values are clear errors with their JSON path', () => {
    const bind = (A: Record<string, unknown>): unknown => bindModel({ model: 'gcn.fx.json', resize: true, inputs: { A } }, GCN, 25);
    const e = errorOf(() => bind({ dataset: 'coraa:adjacency' }));
    expect(e.code).toBe('FF_DATASET_UNKNOWN');
    expect(e.path).toBe('/frontend/options/inputs/A');
    expect(e.message).toBe("A: unknown dataset 'coraa'; the bundled datasets are cora, cora_ml, dblp.");
    expect(e.suggestion).toBe("did you mean 'cora'?");
    expect(errorOf(() => bind({ dataset: 'cora:adjacency', generate: 'gcnadj:cora' })).message).toBe("A: give one of 'file', 'generate' and 'dataset', not generate and dataset");
    expect(errorOf(() => bind({ generate: 'gcnadj:cora', normalize: 'symmetric' })).message).toMatch(/'normalize' and 'selfLoops' apply to a 'dataset' adjacency source/);
    const opts = (A: Record<string, unknown>): unknown => resolvePluginOptions(plugin as unknown as FuseFlowPlugin, { model: 'gcn.fx.json', inputs: { A } }, '/frontend');
    const bad = errorOf(() => opts({ dataset: 'cora:adjacency', normalize: 'row' }));
    expect(bad.code).toBe('FF_OPTIONS_INVALID');
    expect(bad.path).toBe('/frontend/options/inputs/A/normalize');
    expect(bad.message).toMatch(/none, symmetric, mean|"none", "symmetric", "mean"|allowed values/);
    expect(errorOf(() => opts({ dataset: 'cora:adjacency', selfLoops: 'yes' })).path).toBe('/frontend/options/inputs/A/selfLoops');
    expect(opts({ dataset: 'cora:adjacency', normalize: 'symmetric', selfLoops: false })).toBeDefined();
  });

  it('the GNN example manifests: options valid, real ones on bundled datasets at the real widths, synthetic ones named so', () => {
    const EXAMPLES = path.resolve(GCN, '..');
    const real = { cora: [1433, 7], cora_ml: [2879, 7], dblp: [1639, 4] } as Record<string, [number, number]>;
    for (const model of ['gcn', 'graphsage']) {
      const first = model === 'gcn' ? 'W1' : 'W1n';
      const second = model === 'gcn' ? 'W2' : 'W2n';
      for (const file of fs.readdirSync(path.join(EXAMPLES, model)).filter((f) => f.endsWith('.json') && !f.includes('.fx.') && !f.includes('.io.'))) {
        const m = JSON.parse(fs.readFileSync(path.join(EXAMPLES, model, file), 'utf8'));
        const o = resolvePluginOptions(plugin as unknown as FuseFlowPlugin, m.frontend.options, '/frontend') as unknown as PytorchFrontendOptions;
        const A = o.inputs?.A;
        const X = o.inputs?.X;
        const where = `${model}/${file}`;
        if (file === 'small.json') continue;
        if (/-synthetic\.json$/.test(file)) {
          expect([where, A?.dataset, typeof A?.generate]).toEqual([where, undefined, 'string']);
          continue;
        }
        const ds = file.replace(/(-full)?\.json$/, '');
        expect([where, A?.dataset]).toEqual([where, `${ds}:adjacency`]);
        const [f, c] = real[ds];
        const width = file === 'cora.json' ? Number(String(X?.generate).split('x')[1]) : f;
        if (file !== 'cora.json') expect([where, X?.dataset]).toEqual([where, `${ds}:features`]);
        expect([where, o.weights?.[first]?.generate, o.weights?.[second]?.generate]).toEqual([where, `uniform:${width}x16:0.4`, `uniform:16x${c}:0.4`]);
      }
    }
  });

  it('a shape mismatch between manifest data and the model is a clear error (with and without resize)', () => {
    const e = errorOf(() => bindModel({ model: 'gcn.fx.json', inputs: { X: { generate: 'dense:24x13' } } }, GCN, 1));
    expect(e.code).toBe('FF_INPUT_INVALID');
    expect(e.message).toMatch(/input 'X': the manifest data has shape \[24,13\] but the model expects \[24,12\]/);
    expect(e.path).toBe('/frontend/options/inputs/X');
    const r = errorOf(() => bindModel({ model: 'gcn.fx.json', resize: true, inputs: { X: { generate: 'dense:24x13' } } }, GCN, 1));
    expect(r.message).toMatch(/does not fit the model \(X \[24,12\] -> \[24,13\]\).*op 'matmul' \(matmul\).*inner dimensions differ/);
  });

  it('an unknown or missing weight is a clear error with a suggestion', () => {
    const e = errorOf(() => bindModel({ model: 'gcn.fx.json', weights: { W3: { format: 'dcsr' } } }, GCN, 1));
    expect(e.message).toMatch(/weights\.W3: the model has no weight 'W3' \(weights: W1, b1, W2, b2\)/);
    expect(e.suggestion).toMatch(/did you mean 'W[12]'/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-fe-'));
    const json = JSON.parse(fs.readFileSync(path.join(GCN, 'gcn.fx.json'), 'utf8'));
    delete json.params.W2;
    fs.writeFileSync(path.join(dir, 'cut.fx.json'), JSON.stringify(json));
    expect(errorOf(() => bindModel({ model: 'cut.fx.json', exampleInputs: false }, dir, 1)).message).toMatch(/parameter 'W2' has no data/);
    fs.writeFileSync(path.join(dir, 'trunc.onnx'), fs.readFileSync(path.join(GCN, 'gcn.onnx')).subarray(0, 700));
    expect(errorOf(() => bindModel({ model: 'trunc.onnx' }, dir, 1)).message).toMatch(/trunc\.onnx is not a valid ONNX model.*truncated/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('formats: stores a computed value (and its op\'s internal values) in the requested mode order; values unchanged', () => {
    const plain = load({ model: 'gcn.fx.json', inputs: { A: { format: 'dcsr' } } }) as ProgramModule;
    const m = load({ model: 'gcn.fx.json', inputs: { A: { format: 'dcsr' } }, formats: { matmul: 'dd:1,0', softmax: 'dd:1,0' } }) as ProgramModule;
    expect(plain.program.tensors.matmul.format.modeOrder).toEqual([0, 1]);
    expect(m.program.tensors.matmul.format).toEqual({ levels: ['dense', 'dense'], modeOrder: [1, 0] });
    // softmax's exp is an internal value of the softmax op: it follows the op's requested order
    expect(m.program.tensors.softmax_exp.format.modeOrder).toEqual([1, 0]);
    const out = m.program.outputs[0];
    const a = toDense(evaluateProgram(m.program, m.data)[out]);
    const b = toDense(evaluateProgram(plain.program, plain.data)[out]);
    b.forEach((v, i) => expect(a[i]).toBeCloseTo(v, 12));
  });

  it('formats: an input, an unknown value or a bad spec is a clear error with its JSON path', () => {
    const e1 = errorOf(() => load({ model: 'gcn.fx.json', formats: { X: 'dd:1,0' } }));
    expect(e1.message).toContain("formats.X: 'X' is an input or weight");
    expect(e1.path).toBe('/frontend/options/formats/X');
    const e2 = errorOf(() => load({ model: 'gcn.fx.json', formats: { matmull: 'dd:1,0' } }));
    expect(e2.message).toContain("'matmull' is not a value of the model");
    expect(e2.suggestion).toContain("did you mean 'matmul'");
    const e3 = errorOf(() => load({ model: 'gcn.fx.json', formats: { matmul: 'ddd' } }));
    expect(e3.message).toMatch(/formats\.matmul: .*/);
    expect(e3.path).toBe('/frontend/options/formats/matmul');
  });

  it('inputs without data and without example inputs are reported by name', () => {
    const e = errorOf(() => bindModel({ model: 'gcn.fx.json', exampleInputs: false }, GCN, 1));
    expect(e.message).toMatch(/no data for model input 'A'/);
    expect(errorOf(() => bindModel({ model: 'gcn.fx.json', inputs: { Z: {} } }, GCN, 1)).message).toMatch(/no input 'Z'/);
  });

  it('is a frontend plugin with id pytorch that registers under FRONTEND and offers `import`', () => {
    expect(plugin).toMatchObject({ kind: 'frontend', id: 'pytorch', apiVersion: 1 });
    const c = container.createChildContainer();
    plugin.register(c, { model: 'gcn.fx.json' });
    expect(c.resolveAll(FRONTEND)[0].id).toBe('pytorch');
    expect(plugin.commands?.map((c) => c.name)).toEqual(['import']);
  });
});

describe('fuseflow import', () => {
  it('prints the ModelGraph and writes the reference evaluation as JSON', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-imp-'));
    let out = '';
    let err = '';
    const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (err += t), cwd: GCN, isTTY: false };
    expect(runImport(['gcn.fx.json'], { evaluate: true, out: path.join(dir, 'o.json') }, io)).toBe(0);
    expect(out).toMatch(/model gcn\n {2}input {2}A: f32\[24,24\] dcsr/);
    expect(out).toMatch(/_sparse_mm = sparse_mm\(A, X\)/);
    const res = JSON.parse(fs.readFileSync(path.join(dir, 'o.json'), 'utf8'));
    const want = readReferenceIo(path.join(GCN, 'gcn.io.json')).outputs.out.data;
    expect(res.outputs.softmax.shape).toEqual([24, 4]);
    res.outputs.softmax.data.forEach((v: number, i: number) => expect(v).toBeCloseTo(want[i], 6));
    expect(runImport(['missing.onnx'], {}, io)).toBe(1);
    expect(err).toMatch(/FF_INPUT_INVALID: cannot read model file/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--json: one JSON document with the graph and, with --evaluate, the evaluation', () => {
    let out = '';
    const io = { stdout: (t: string) => (out += t), stderr: (t: string) => (out += `stderr: ${t}`), cwd: GCN, isTTY: false };
    expect(runImport(['gcn.fx.json'], { json: true }, io)).toBe(0);
    const g = JSON.parse(out);
    expect(g.model).toBe('gcn');
    expect(g.inputs.find((v: { name: string }) => v.name === 'A')).toMatchObject({ shape: [24, 24], dtype: 'f32', format: 'dcsr' });
    expect(g.ops.map((o: { op: string }) => o.op)).toContain('sparse_mm');
    expect(Object.values(g.weights).every((w) => !('data' in (w as object)))).toBe(true);
    out = '';
    expect(runImport(['gcn.fx.json'], { json: true, evaluate: true }, io)).toBe(0);
    const e = JSON.parse(out);
    const want = readReferenceIo(path.join(GCN, 'gcn.io.json')).outputs.out.data;
    expect(e.evaluation.outputs.softmax.shape).toEqual([24, 4]);
    e.evaluation.outputs.softmax.data.forEach((v: number, i: number) => expect(v).toBeCloseTo(want[i], 6));
  });
});
