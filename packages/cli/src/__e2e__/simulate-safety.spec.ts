/**
 * `fuseflow simulate` against hostile or oversized input (issue 17): size limits, non-finite
 * values, unwritable output folders, and vector outputs written as N x 1 MatrixMarket.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateTensor, readMatrixMarket, toDense, uniformRandom } from '@fuseflow/ir';
import { createHostContainer } from '@fuseflow/kernel';
import { simulateCommand } from '@fuseflow/frontend-expr';

const roots: string[] = [];
afterAll(() => roots.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function run(opts: Record<string, unknown>, cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-simsafe-'))) {
  roots.push(cwd);
  const out: string[] = [];
  const err: string[] = [];
  const code = await simulateCommand.action([], { json: true, out: 'o', ...opts }, { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd, isTTY: false, container: createHostContainer({ baseDir: cwd }) });
  return { code, json: out.length ? JSON.parse(out.join('')) : undefined, err: err.join(''), cwd };
}

describe('fuseflow simulate: input and output safety', () => {
  it('a vector output (SpMV) is written as an N x 1 MatrixMarket file holding B c', async () => {
    const r = await run({ expr: 'x(i) = B(i,j) * c(j)', format: ['B=csr', 'c=dense'], gen: ['B=uniform:9x7:0.3:seed=4', 'c=dense:7:seed=5'] });
    expect(r.code).toBe(0);
    expect(r.json.valuesChecked).toBe(true);
    expect(r.json.output).toBe(path.join(r.cwd, 'o', 'x.mtx'));
    const x = readMatrixMarket(fs.readFileSync(r.json.output, 'utf8'));
    expect(x.shape).toEqual([9, 1]);
    // B and c regenerated from the same specs
    const B = toDense(uniformRandom({ shape: [9, 7], density: 0.3, seed: 4 }));
    const c = toDense(generateTensor('dense:7:seed=5'));
    const xd = toDense(x);
    expect(B.some((v) => v !== 0)).toBe(true);
    for (let i = 0; i < 9; i++) expect(xd[i]).toBeCloseTo([...Array(7).keys()].reduce((a, j) => a + B[i * 7 + j] * c[j], 0), 12);
  }, 60000);

  it('--gen B=uniform:1000000000x1000000000:0.1 fails at once with FF_INPUT_TOO_LARGE naming B and the bytes', async () => {
    const t0 = process.cpuUsage();
    const r = await run({ expr: 'X(i,j) = B(i,k) * C(k,j)', gen: ['B=uniform:1000000000x1000000000:0.1'] });
    const cpu = process.cpuUsage(t0);
    expect(r.code).toBe(1);
    expect(r.json.error.pluginCode).toBe('FF_INPUT_TOO_LARGE');
    expect(r.json.error.message).toMatch(/tensor B: .*1\.600e\+18 bytes/);
    expect(r.json.error.suggestion).toMatch(/--max-tensor-bytes/);
    expect((cpu.user + cpu.system) / 1e6).toBeLessThan(10);
  }, 60000);

  it('a declared shape too big for the default (no --gen) also fails before allocating', async () => {
    const r = await run({ expr: 'y(i) = B(i,j) * c(j)', format: ['B=dense'], shape: ['B=1000000000x1000000000'] });
    expect(r.json.error.pluginCode).toBe('FF_INPUT_TOO_LARGE');
    expect(r.json.error.message).toMatch(/tensor B: dense 1000000000x1000000000/);
  }, 60000);

  it('--max-tensor-bytes lowers and raises the limit; a bad value is a usage error', async () => {
    const gen = ['B=uniform:20x20:0.5:seed=1', 'C=uniform:20x20:0.5:seed=2'];
    const format = ['B=csr', 'C=csr'];
    // B: 200 entries x 16 bytes = 3200 bytes
    const low = await run({ expr: 'X(i,j) = B(i,k) * C(k,j)', gen, format, maxTensorBytes: '3199' });
    expect(low.json.error.pluginCode).toBe('FF_INPUT_TOO_LARGE');
    // stored dense (the default format), B takes another 400 x 8 bytes
    const dense = await run({ expr: 'X(i,j) = B(i,k) * C(k,j)', gen, maxTensorBytes: '3200' });
    expect(dense.json.error.message).toContain('input B 20x20 stored as dense needs about 6.40 KB (6.400e+3 bytes)');
    const ok = await run({ expr: 'X(i,j) = B(i,k) * C(k,j)', gen, format, maxTensorBytes: '3200' });
    expect(ok.code).toBe(0);
    expect(ok.json.valuesChecked).toBe(true);
    const bad = await run({ expr: 'X(i,j) = B(i,k) * C(k,j)', maxTensorBytes: 'lots' });
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--max-tensor-bytes expects a positive number of bytes/);
  }, 60000);

  it.each(['NaN', 'Inf', '-Inf', '1e999'])('--input with a %s value is FF_INPUT_INVALID naming file, line and value', async (v) => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-simsafe-'));
    fs.writeFileSync(path.join(cwd, 'b.mtx'), `%%MatrixMarket matrix coordinate real general\n3 3 2\n1 1 2\n3 2 ${v}\n`);
    const r = await run({ expr: 'X(i,j) = B(i,k) * C(k,j)', input: ['B=b.mtx'] }, cwd);
    expect(r.code).toBe(1);
    expect(r.json.error.pluginCode).toBe('FF_INPUT_INVALID');
    expect(r.json.error.message).toContain(`${path.join(cwd, 'b.mtx')}: line 4: value '${v}' is not a finite number`);
  }, 60000);

  it('an output folder that is a file (or under one) gives FF_OUTPUT_UNWRITABLE with the path, no stack trace', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-simsafe-'));
    fs.writeFileSync(path.join(cwd, 'taken'), 'keep');
    for (const out of ['taken', 'taken/sub']) {
      const r = await run({ expr: 'X(i,j) = B(i,k) * C(k,j)', out }, cwd);
      expect(r.code).toBe(1);
      expect(r.json.error.code).toBe('FF_OUTPUT_UNWRITABLE');
      expect(r.json.error.message).toContain(path.join(cwd, out));
      expect(JSON.stringify(r.json)).not.toMatch(/\\n\s+at /);
    }
    expect(fs.readFileSync(path.join(cwd, 'taken'), 'utf8')).toBe('keep');
  }, 60000);
});
