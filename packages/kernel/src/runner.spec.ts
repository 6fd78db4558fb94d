import * as fs from 'node:fs';
import * as path from 'node:path';
import { createKernelEmitter } from './events';
import { runManifest } from './runner';
import { GCN_LAYER_TT, gcnManifest, tempDir, writeManifest } from './__fixtures__/toy';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { TensorTextFrontend } = require('./__fixtures__/plugins/frontend-tensor-text');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { toDenseArray } = require('./__fixtures__/plugins/tensor-text-lib');

/** Independent oracle: Y = A (X W) with plain loops over the generated inputs. */
function oracle(seed: number) {
  const fe = new TensorTextFrontend({ file: GCN_LAYER_TT });
  const ir = fe.load({ baseDir: '/', seed, progress: () => undefined });
  const A = toDenseArray(ir.data.A) as Float64Array;
  const X = toDenseArray(ir.data.X) as Float64Array;
  const W = toDenseArray(ir.data.W) as Float64Array;
  const T = new Float64Array(8 * 3);
  for (let i = 0; i < 8; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) T[i * 3 + j] += X[i * 4 + k] * W[k * 3 + j];
  const Y = new Float64Array(8 * 3);
  let effective = 0;
  for (let i = 0; i < 8; i++)
    for (let j = 0; j < 3; j++)
      for (let k = 0; k < 8; k++) {
        const v = A[i * 8 + k] * T[k * 3 + j];
        if (v !== 0) effective++;
        Y[i * 3 + j] += v;
      }
  const nnzA = ir.data.A.vals.length;
  const aBytes = nnzA * 8 + 9 * 4 + nnzA * 4;
  return { Y, nnzA, flops: 8 * 3 * 4 * 2 + effective * 2, bytesFused: 256 + 96 + aBytes + 192, bytesUnfused: 256 + 96 + aBytes + 192 + 2 * 192 };
}

describe('runManifest', () => {
  it('runs every configuration and matches an independent oracle (values, flops, bytes, cycles)', async () => {
    const dir = tempDir();
    const file = writeManifest(dir, gcnManifest());
    const res = await runManifest(file);
    expect(res.error).toBeUndefined();
    expect(res.ok).toBe(true);
    const o = oracle(7);
    expect(o.nnzA).toBeGreaterThan(0);
    expect(res.runs.map((r) => r.configuration)).toEqual(['unfused', 'fused']);
    const [unfused, fused] = res.runs.map((r) => r.report!);
    for (const r of [unfused, fused]) {
      const y = (r.details as { outputs: { Y: number[] } }).outputs.Y;
      y.forEach((v, i) => expect(v).toBeCloseTo(o.Y[i], 12));
      expect(r.metrics.flops).toBe(o.flops);
    }
    expect(unfused.metrics.bytes).toBe(o.bytesUnfused);
    expect(fused.metrics.bytes).toBe(o.bytesFused);
    // lanes = 2, bytesPerCycle = 16 (default merged in)
    expect(fused.metrics.cycles).toBe(Math.ceil(o.flops / 2) + Math.ceil(o.bytesFused / 16));
    expect(res.runs[1].passes?.[0]).toMatchObject({ pass: 'toy-fuse', stats: { groups: 1 } });
    expect(res.runs[0].passes?.[0]).toMatchObject({ pass: 'toy-fuse', stats: { groups: 2 } });
  });

  it('writes manifest.resolved.json (defaults, plugin versions, seed) and results.json into out/<name>', async () => {
    const dir = tempDir();
    const file = writeManifest(dir, gcnManifest());
    const res = await runManifest(file, { seed: 11 });
    expect(res.outDir).toBe(path.join(dir, 'out', 'gcn'));
    expect(res.resolvedManifestPath).toBe(path.join(res.outDir, 'manifest.resolved.json'));
    const resolved = JSON.parse(fs.readFileSync(res.resolvedManifestPath, 'utf8'));
    expect(resolved.seed).toBe(11);
    expect(resolved.configurations).toHaveLength(2);
    expect(resolved.configurations[0].backend).toEqual({ use: 'dense-eval', plugin: 'fuseflow-backend-dense-eval', version: '0.0.1', options: { lanes: 2, bytesPerCycle: 16 } });
    expect(resolved.configurations[1].passes).toEqual([{ use: 'toy-fuse', plugin: 'fuseflow-pass-toy-fuse', version: '0.0.1', options: { granularity: 'full' } }]);
    const results = JSON.parse(fs.readFileSync(path.join(res.outDir, 'results.json'), 'utf8'));
    expect(results.runs.map((r: { report: { metrics: unknown } }) => r.report.metrics)).toEqual(res.runs.map((r) => r.report!.metrics));
    // the resolved manifest reproduces the run: same seed, same numbers
    const again = await runManifest(file, { seed: 11, outDir: path.join(dir, 'again') });
    expect(again.runs.map((r) => r.report!.metrics)).toEqual(res.runs.map((r) => r.report!.metrics));
    const other = await runManifest(file, { seed: 12, outDir: path.join(dir, 'other') });
    expect(other.runs[0].report!.metrics).not.toEqual(res.runs[0].report!.metrics);
  });

  it('emits run/pass events in order with timings and statistics', async () => {
    const dir = tempDir();
    const events = createKernelEmitter();
    const log: string[] = [];
    events.on('run:start', (e) => log.push(`run:start ${e.configuration}`));
    events.on('pass:start', (e) => log.push(`pass:start ${e.pass}`));
    events.on('pass:end', (e) => {
      expect(e.ms).toBeGreaterThanOrEqual(0);
      log.push(`pass:end ${e.pass} groups=${e.stats?.groups}`);
    });
    events.on('progress', (e) => log.push(`progress ${e.plugin} ${e.done}/${e.total}`));
    events.on('run:end', (e) => log.push(`run:end ok=${e.ok}`));
    await runManifest(writeManifest(dir, gcnManifest()), { events });
    expect(log).toEqual([
      'run:start unfused', 'progress tensor-text 1/1', 'pass:start toy-fuse', 'pass:end toy-fuse groups=2', 'run:end ok=true',
      'run:start fused', 'progress tensor-text 1/1', 'pass:start toy-fuse', 'pass:end toy-fuse groups=1', 'run:end ok=true',
    ]);
  });

  it('accepts a manifest object with baseDir, a pass-string override and a configuration subset', async () => {
    const dir = tempDir();
    const m = gcnManifest({ frontend: { use: 'tensor-text', options: { file: path.basename(GCN_LAYER_TT) } } });
    fs.copyFileSync(GCN_LAYER_TT, path.join(dir, path.basename(GCN_LAYER_TT)));
    const res = await runManifest(m as never, { baseDir: dir, passes: 'toy-fuse{granularity=full}', configurations: ['unfused'], outDir: path.join(dir, 'o') });
    expect(res.ok).toBe(true);
    expect(res.runs).toHaveLength(1);
    // --passes replaced the "unfused" configuration's pipeline too: one fused group
    expect(res.runs[0].passes?.[0].stats).toEqual({ groups: 1 });
  });

  it('runs reporters on all reports and writes the IR after the listed passes', async () => {
    const dir = tempDir();
    const res = await runManifest(writeManifest(dir, gcnManifest({ reporters: [{ use: 'csv' }], instrument: { printIrAfter: ['toy-fuse'], timing: true } })));
    expect(res.ok).toBe(true);
    const csv = fs.readFileSync(path.join(res.outDir, 'summary.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[2]).toBe(`dense-eval,${res.runs[1].report!.metrics.cycles},${res.runs[1].report!.metrics.flops},${res.runs[1].report!.metrics.bytes}`);
    expect(res.files).toEqual([path.join(res.outDir, 'summary.csv')]);
    const irText = fs.readFileSync(path.join(res.outDir, 'fused', 'ir', '00-toy-fuse.txt'), 'utf8');
    // the frontend contributes the 'program' stage, so the IR is its readable text, fused group included
    expect(irText).toContain('group g0 = s0, s1');
  });

  it('runs a searcher that drives sub-pipelines through PIPELINE_RUNNER', async () => {
    const dir = tempDir();
    const m = gcnManifest({ configurations: undefined, search: { use: 'grid', options: { option: 'lanes', values: [1, 2, 8, 4] } } });
    const res = await runManifest(writeManifest(dir, m), { searchOptions: { budget: 3, resume: true } });
    expect(res.error).toBeUndefined();
    const points = (res.search!.details as { points: Array<{ value: number; cycles: number }>; resume: boolean }).points;
    expect(points.map((p) => p.value)).toEqual([1, 2, 8]);
    // more lanes never costs cycles in this model, and the searcher keeps the minimum
    expect(points[0].cycles).toBeGreaterThan(points[1].cycles);
    expect(res.search!.best).toEqual(points[2]);
    expect(res.search!.evaluations).toBe(3);
    expect((res.search!.details as { resume: boolean }).resume).toBe(true);
    const results = JSON.parse(fs.readFileSync(path.join(res.outDir, 'results.json'), 'utf8'));
    expect(results.search.best).toEqual(points[2]);
  });
});

describe('IR verification (instrument.verify)', () => {
  // A verifier in the role of @fuseflow/ir's verifyProgram: every statement must be in exactly one group.
  const verifyIr = (m: { stage: string; program?: { statements: Array<{ name: string }>; groups?: Array<{ statements: string[] }> } }) => {
    const groups = m.program?.groups;
    if (!groups) return;
    const seen = groups.flatMap((g) => g.statements);
    const missing = m.program!.statements.filter((s) => !seen.includes(s.name)).map((s) => s.name);
    if (missing.length) throw Object.assign(new Error(`statement(s) ${missing.join(', ')} in no fusion group`), { code: 'FF_INPUT_INVALID' });
  };

  it('runs after the frontend and every pass, and names the plugin that broke the IR', async () => {
    const dir = tempDir();
    const breaker = path.join(dir, 'drop-group.js');
    fs.writeFileSync(
      breaker,
      `module.exports = { default: { name: 'drop-group', version: '1.0.0', apiVersion: 1, kind: 'pass', id: 'drop-group',
  register(c) { c.register(Symbol.for('fuseflow.pass'), { useValue: { id: 'drop-group', reads: 'program', writes: 'program',
    run: (ir) => ({ ...ir, program: { ...ir.program, groups: ir.program.groups.slice(1) } }) } }); } } };`,
    );
    const m = gcnManifest({ configurations: [{ name: 'ok' }, { name: 'broken', passes: [{ use: 'toy-fuse', options: { granularity: 'none' } }, { use: './drop-group.js' }] }] });
    const res = await runManifest(writeManifest(dir, m), { verifyIr: verifyIr as never });
    expect(res.runs[0].error).toBeUndefined();
    expect(res.runs[1].error).toMatchObject({
      code: 'FF_PLUGIN_ERROR',
      plugin: 'drop-group',
      hook: 'verify',
      pluginCode: 'FF_INPUT_INVALID',
      message: `[plugin drop-group] hook "run" produced invalid 'program' IR: statement(s) s0 in no fusion group`,
    });
    // instrument.verify: false switches it off
    const off = await runManifest(writeManifest(dir, { ...m, instrument: { verify: false } }), { verifyIr: verifyIr as never, outDir: path.join(dir, 'off') });
    expect(off.ok).toBe(true);
  });
});
