import * as fs from 'node:fs';
import * as path from 'node:path';
import { memoryIo } from '../io';
import { runCli } from '../main';
import { GCN_LAYER_TT, tempDir, TOY_PLUGINS_DIR, writeManifest } from '../../../kernel/src/__fixtures__/toy';

const EXAMPLE = path.join(__dirname, '..', '..', '..', '..', 'examples', 'hardware-plugin');

// The outside hardware plugin (examples/hardware-plugin) loaded by relative path, as a user would,
// cross-checked against the kernel's dense-evaluating test backend: two independent ways of
// counting FLOPs and bytes must agree on the same program and fusion configuration.
describe('examples/hardware-plugin (roofline) through the CLI', () => {
  it('loads by relative path and agrees with an evaluating backend on FLOPs and bytes', async () => {
    const dir = tempDir('ff-hw-');
    fs.symlinkSync(EXAMPLE, path.join(dir, 'hw'));
    fs.copyFileSync(GCN_LAYER_TT, path.join(dir, 'gcn-layer.tt'));
    const base = {
      plugins: [path.join(TOY_PLUGINS_DIR, 'frontend-tensor-text'), path.join(TOY_PLUGINS_DIR, 'pass-toy-fuse'), path.join(TOY_PLUGINS_DIR, 'backend-dense-eval')],
      seed: 5,
      frontend: { use: 'tensor-text', options: { file: 'gcn-layer.tt' } },
      configurations: [{ name: 'unfused', passes: 'toy-fuse{granularity=none}' }, { name: 'fused', passes: 'toy-fuse{granularity=full}' }],
    };
    writeManifest(dir, { ...base, name: 'roofline', backend: { use: './hw', options: { valueBytes: 8, peakFlopsPerCycle: 16, bytesPerCycle: 8 } } }, 'roofline.json');
    writeManifest(dir, { ...base, name: 'eval', backend: { use: 'dense-eval' } }, 'eval.json');
    const io = memoryIo(dir);
    expect(await runCli(['-q', '--json', 'run', 'roofline.json'], io)).toBe(0);
    const roof = JSON.parse(io.out.join('\n'));
    const io2 = memoryIo(dir);
    expect(await runCli(['-q', '--json', 'run', 'eval.json'], io2)).toBe(0);
    const evalRes = JSON.parse(io2.out.join('\n'));
    for (let i = 0; i < 2; i++) {
      const r = roof.runs[i].report.metrics;
      const e = evalRes.runs[i].report.metrics;
      expect(r.flops).toBe(e.flops);
      expect(r.bytes).toBe(e.bytes);
    }
    const [u, f] = roof.runs.map((r: { report: { metrics: Record<string, number>; details: { groups: Array<{ cycles: number; flops: number; bytes: number }> } } }) => r.report);
    // roofline: per group max(ceil(flops / 16), ceil(bytes / 8))
    for (const rep of [u, f]) {
      const expected = rep.details.groups.reduce((a: number, g: { flops: number; bytes: number }) => a + Math.max(Math.ceil(g.flops / 16), Math.ceil(g.bytes / 8)), 0);
      expect(rep.metrics.cycles).toBe(expected);
    }
    expect(u.details.groups).toHaveLength(2);
    expect(f.details.groups).toHaveLength(1);
    expect(f.metrics.cycles).toBeLessThan(u.metrics.cycles);
    const resolved = JSON.parse(fs.readFileSync(roof.resolvedManifestPath, 'utf8'));
    expect(resolved.configurations[0].backend).toMatchObject({ use: './hw', plugin: 'fuseflow-backend-roofline', version: '0.1.0', options: { peakFlopsPerCycle: 16, bytesPerCycle: 8, clockGHz: 1, valueBytes: 8, indexBytes: 4 } });
  });

  it('its options are validated by the kernel against its schema', async () => {
    const dir = tempDir('ff-hw-');
    fs.symlinkSync(EXAMPLE, path.join(dir, 'hw'));
    writeManifest(dir, { plugins: [path.join(TOY_PLUGINS_DIR, 'frontend-tensor-text')], frontend: { use: 'tensor-text', options: { file: GCN_LAYER_TT } }, backend: { use: './hw', options: { bytesPerCycle: 0, valueBytes: 3 } } });
    const io = memoryIo(dir);
    expect(await runCli(['validate', 'manifest.json'], io)).toBe(2);
    expect(io.err[0]).toContain('FF_OPTIONS_INVALID');
    expect(io.err[0]).toContain('/backend/options/bytesPerCycle: must be > 0, got 0 (number)');
    expect(io.err[0]).toContain('/backend/options/valueBytes: expected one of 1, 2, 4, 8, got 3 (number)');
  });
});

describe('examples/hardware-plugin/example/spmm-roofline.json (real expr frontend)', () => {
  it('runs the bundled example and its numbers follow from the generated matrix', async () => {
    const out = tempDir('ff-hw-ex-');
    const io = memoryIo(path.join(EXAMPLE, 'example'));
    expect(await runCli(['-q', '--json', 'run', 'spmm-roofline.json', '--out', out], io)).toBe(0);
    const res = JSON.parse(io.out.join('\n'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { uniformRandom } = require('@fuseflow/ir');
    const B = uniformRandom({ shape: [256, 256], density: 0.05, seed: 1 });
    const nnz = Array.from(B.vals as Float64Array).filter((v) => v !== 0).length;
    const [fp32, fp16, narrow] = res.runs.map((r: { report: { metrics: Record<string, number>; details: { groups: Array<{ bound: string }> } } }) => r.report);
    expect(fp32.metrics.flops).toBe(nnz * 64 * 2);
    // B as CSR (values + 257 segment entries + nnz coordinates), C and X dense 256x64
    expect(fp32.metrics.bytes).toBe(nnz * 4 + (257 + nnz) * 4 + 2 * 256 * 64 * 4);
    expect(fp16.metrics.bytes).toBe(fp32.metrics.bytes / 2);
    expect(fp32.metrics.cycles).toBe(Math.ceil(fp32.metrics.flops / 64));
    expect(fp32.details.groups[0].bound).toBe('compute');
    expect(narrow.metrics.cycles).toBe(Math.ceil(fp32.metrics.bytes / 8));
    expect(narrow.details.groups[0].bound).toBe('memory');
  });
});
