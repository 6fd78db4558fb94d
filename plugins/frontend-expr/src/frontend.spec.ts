import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { FuseFlowError, resolvePluginOptions } from '@fuseflow/kernel';
import { formatName, nnz, toDense, uniformRandom, writeMatrixMarket } from '@fuseflow/ir';
import { buildProgramModule, isGeneratorSpec, parseOrder } from './frontend';
import { parseAssignments, simulateManifest } from './simulate-command';
import plugin, { optionsSchema } from './plugin';

describe('expr frontend', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-expr-'));

  it('builds a one-statement program from generators, infers shapes and applies formats and order', () => {
    const { module, generated } = buildProgramModule(
      { expr: 'X(i,j) = B(i,k) * C(k,j)', formats: { B: 'csr', C: 'csc', X: 'dcsr' }, inputs: { B: 'uniform:12x8:0.25:seed=1', C: 'uniform:8x10:0.25:seed=2' }, order: 'ijk' },
      dir,
      1,
    );
    const p = module.program;
    expect(p.tensors.X.shape).toEqual([12, 10]);
    expect(formatName(p.tensors.B.format)).toBe('csr');
    expect(formatName(p.tensors.C.format)).toBe('csc');
    expect(p.groups).toEqual([{ name: p.statements[0].name, statements: [p.statements[0].name], loopOrder: ['i', 'j', 'k'] }]);
    expect(generated).toEqual([]);
    // the bound data is the generator's tensor, converted to the declared format
    const direct = uniformRandom({ shape: [12, 8], density: 0.25, seed: 1 });
    expect(Array.from(toDense(module.data.B))).toEqual(Array.from(toDense(direct)));
    expect(formatName(module.data.B.format)).toBe('csr');
  });

  it('reads MatrixMarket inputs relative to the base folder and generates the missing ones', () => {
    const t = uniformRandom({ shape: [6, 5], density: 0.4, seed: 4 });
    fs.writeFileSync(path.join(dir, 'b.mtx'), writeMatrixMarket(t));
    const { module, generated } = buildProgramModule({ expr: 'y(i) = B(i,j) * x(j)', formats: { B: 'dcsr' }, inputs: { B: 'b.mtx' } }, dir, 3);
    expect(module.program.tensors.x.shape).toEqual([5]);
    expect(generated).toEqual(['x']);
    expect(Array.from(toDense(module.data.B))).toEqual(Array.from(toDense(t)));
  });

  it('reads gzipped MatrixMarket (.mtx.gz) inputs, and a truncated one names the file', () => {
    const t = uniformRandom({ shape: [6, 5], density: 0.4, seed: 4 });
    const gz = gzipSync(Buffer.from(writeMatrixMarket(t)));
    fs.writeFileSync(path.join(dir, 'b.mtx.gz'), gz);
    const { module } = buildProgramModule({ expr: 'y(i) = B(i,j) * x(j)', formats: { B: 'csr' }, inputs: { B: 'b.mtx.gz' } }, dir, 3);
    expect(Array.from(toDense(module.data.B))).toEqual(Array.from(toDense(t)));
    fs.writeFileSync(path.join(dir, 'cut.mtx.gz'), gz.subarray(0, gz.length >> 1));
    expect(() => buildProgramModule({ expr: 'y(i) = B(i,j) * x(j)', inputs: { B: 'cut.mtx.gz' } }, dir, 3)).toThrow(/cut\.mtx\.gz: not a valid gzip file: the gzip stream ends early/);
  });

  it('binds bundled datasets: the real Cora adjacency (A + I) and features', () => {
    const { module } = buildProgramModule(
      { expr: 'Y(i,j) = A(i,k) * X(k,j)', formats: { A: 'csr' }, inputs: { A: { dataset: 'cora:adjacency', format: 'csr' }, X: { dataset: 'cora:features', format: 'dense' } } },
      dir,
      1,
    );
    expect(module.program.tensors.Y.shape).toEqual([2708, 1433]);
    expect(nnz(module.data.A)).toBe(10556 + 2708);
    expect(nnz(module.data.X)).toBe(49216);
    expect(() => buildProgramModule({ expr: 'y(i) = A(i,j) * x(j)', inputs: { A: { dataset: 'dblpp:adjacency' } } }, dir, 1)).toThrow(
      expect.objectContaining({ code: 'FF_DATASET_UNKNOWN', message: expect.stringMatching(/^expr frontend: input A: unknown dataset 'dblpp'; the bundled datasets are cora, cora_ml, dblp/), suggestion: "did you mean 'dblp'?" }),
    );
    const opts = (A: unknown): unknown => resolvePluginOptions(plugin, { expr: 'y(i) = A(i,j) * x(j)', inputs: { A } }, '/frontend');
    expect(opts({ dataset: 'cora:adjacency', normalize: 'mean' })).toBeDefined();
    expect(() => opts({ dataset: 'cora:adjacency', normalise: 'mean' })).toThrow(expect.objectContaining({ code: 'FF_OPTIONS_INVALID', path: expect.stringMatching(/^\/frontend\/options\/inputs\/A/) }));
    expect(() => opts({ normalize: 'mean' })).toThrow(expect.objectContaining({ code: 'FF_OPTIONS_INVALID' }));
  });

  it('accepts program text or a .tp file, with format overrides', () => {
    const text = 'program two\ntensor A(4,4): dcsr input\ntensor Y(4,4): dcsr output\ns0: Y(i,j) = relu(A(i,j))\n';
    fs.writeFileSync(path.join(dir, 'two.tp'), text);
    const a = buildProgramModule({ program: 'two.tp', formats: { A: 'csr' } }, dir, 1).module.program;
    expect(formatName(a.tensors.A.format)).toBe('csr');
    const b = buildProgramModule({ program: text }, dir, 1).module.program;
    expect(b.name).toBe('two');
  });

  it('reports bad inputs with the tensor name', () => {
    expect(() => buildProgramModule({ expr: 'y(i) = B(i,j) * x(j)', inputs: { Q: 'uniform:3x3:0.5' } }, dir, 1)).toThrow(/input is given for Q, which the statement does not use/);
    expect(() => buildProgramModule({ expr: 'y(i) = B(i,j) * x(j)', inputs: { B: 'nope.mtx' } }, dir, 1)).toThrow(FuseFlowError);
    expect(() => buildProgramModule({ expr: 'y(i) = B(i,j) * x(j)', inputs: { B: 'uniform:4x4:0.5', x: 'uniform:5:0.5' } }, dir, 1)).toThrow(/index j has extent 4 from one shape and 5/);
    expect(() => buildProgramModule({}, dir, 1)).toThrow(/exactly one of "expr"/);
  });

  it('parses loop orders, assignments and generator specs', () => {
    expect(parseOrder('ikj')).toEqual(['i', 'k', 'j']);
    expect(parseOrder('i, k1, j')).toEqual(['i', 'k1', 'j']);
    expect(isGeneratorSpec('uniform:4x4:0.5:seed=2')).toBe(true);
    expect(isGeneratorSpec('b.mtx')).toBe(false);
    expect(parseAssignments(['B=csr', 'C=uniform:3x3:0.5:seed=1'], '--x')).toEqual({ B: 'csr', C: 'uniform:3x3:0.5:seed=1' });
    expect(() => parseAssignments(['B'], '--format')).toThrow(/--format expects TENSOR=VALUE/);
  });

  it('simulate builds a manifest: expr frontend, user passes, then lower-sam and rda-sim', () => {
    const m = simulateManifest({ expr: 'X(i,j) = B(i,k) * C(k,j)', format: ['B=csr'], gen: ['B=uniform:4x4:0.5'], order: 'ikj', passes: 'parallelize{factor=4}', engine: 'reference', seed: '3' });
    expect(m.frontend).toEqual({ use: '@fuseflow/frontend-expr', options: { expr: 'X(i,j) = B(i,k) * C(k,j)', formats: { B: 'csr' }, inputs: { B: 'uniform:4x4:0.5' }, order: ['i', 'k', 'j'] } });
    expect(m.passes).toBe('parallelize{factor=4},lower-sam');
    expect(m.backend).toEqual({ use: '@fuseflow/backend-rda-sim', options: { engine: 'reference' } });
    expect(m.seed).toBe(3);
    expect(simulateManifest({ expr: 'y(i) = A(i,j)', passes: 'lower-sam{locate=false}' }).passes).toBe('lower-sam{locate=false}');
  });

  it('plugin object: frontend "expr" with a schema and the simulate command', () => {
    expect(plugin.kind).toBe('frontend');
    expect(plugin.id).toBe('expr');
    expect(plugin.commands?.map((c) => c.name)).toEqual(['simulate']);
    expect(Object.keys(optionsSchema.properties)).toEqual(expect.arrayContaining(['expr', 'program', 'formats', 'inputs', 'shapes', 'order']));
  });
});
