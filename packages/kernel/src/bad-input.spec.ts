import * as fs from 'node:fs';
import * as path from 'node:path';
import { runManifest } from './runner';
import { gcnManifest, tempDir, TOY_PLUGINS_DIR, writeManifest } from './__fixtures__/toy';

// One test per kind of bad input (issue 2, "Done when"): each checks the stable code and that the
// message names the place and what was expected.
describe('bad input', () => {
  it('a manifest that is not JSON: FF_MANIFEST_INVALID with line and column', async () => {
    const dir = tempDir();
    const file = writeManifest(dir, '{\n  "name": "x",\n  "seed": 1,,\n  "backend": {}\n}\n');
    const res = await runManifest(file);
    expect(res.ok).toBe(false);
    expect(res.error!.code).toBe('FF_MANIFEST_INVALID');
    expect(res.error!.message).toContain(`${file}:3:13`);
    expect(res.error!.message).toMatch(/not valid JSON/);
    expect(res.runs).toEqual([]);
  });

  it('a truncated manifest is reported at its last line', async () => {
    const dir = tempDir();
    const file = writeManifest(dir, '{\n  "name": "x",\n  "seed": 1');
    const res = await runManifest(file);
    expect(res.error!.code).toBe('FF_MANIFEST_INVALID');
    expect(res.error!.message).toContain(`${file}:3:12`);
  });

  it('a manifest that fails the schema: JSON path and what was expected', async () => {
    const dir = tempDir();
    const m = gcnManifest({ seed: 'seven' });
    (m.passes as Array<Record<string, unknown>>)[0].opts = { granularity: 'full' };
    const res = await runManifest(writeManifest(dir, m));
    expect(res.error!.code).toBe('FF_MANIFEST_INVALID');
    expect(res.error!.message).toContain('/seed: expected integer, got "seven" (string)');
    expect(res.error!.message).toContain('/passes/0/opts: unknown key (did you mean "options"?); expected one of: use, options, enabled');
  });

  it('an unknown top-level key suggests the closest one', async () => {
    const res = await runManifest(gcnManifest({ backnd: { use: 'dense-eval' } }) as never, { baseDir: tempDir() });
    expect(res.error!.code).toBe('FF_MANIFEST_INVALID');
    expect(res.error!.path).toBe('/backnd');
    expect(res.error!.suggestion).toBe('did you mean "backend"?');
  });

  it('an unknown plugin: what was tried and a did-you-mean', async () => {
    const dir = tempDir();
    const m = gcnManifest({ backend: { use: 'dense-evl' } });
    const res = await runManifest(writeManifest(dir, m));
    expect(res.error!.code).toBe('FF_PLUGIN_NOT_FOUND');
    expect(res.error!.path).toBe('/backend/use');
    expect(res.error!.message).toContain('no backend plugin "dense-evl"');
    expect(res.error!.message).toContain('Tried: package @fuseflow/backend-dense-evl, package fuseflow-backend-dense-evl, short id "dense-evl"');
    expect(res.error!.suggestion).toBe('did you mean "dense-eval"?');
  });

  it('an unknown relative path names the absolute path it looked at', async () => {
    const dir = tempDir();
    const res = await runManifest(writeManifest(dir, gcnManifest({ backend: { use: './hw/missing-model' } })));
    expect(res.error!.code).toBe('FF_PLUGIN_NOT_FOUND');
    expect(res.error!.message).toContain(`path ${path.join(dir, 'hw', 'missing-model')}`);
  });

  it('a plugin of the wrong kind: FF_PLUGIN_KIND_MISMATCH', async () => {
    const dir = tempDir();
    const m = gcnManifest({ passes: [{ use: 'toy-fuse' }, { use: 'dense-eval' }] });
    const res = await runManifest(writeManifest(dir, m));
    expect(res.error!.code).toBe('FF_PLUGIN_KIND_MISMATCH');
    expect(res.error!.path).toBe('/passes/1/use');
    expect(res.error!.message).toContain('"dense-eval" is a backend plugin (fuseflow-backend-dense-eval), but a pass plugin is expected here');
    expect(res.error!.suggestion).toContain('move it under "backend"');
  });

  it('a plugin built for another kernel API version: FF_PLUGIN_API_VERSION', async () => {
    const dir = tempDir();
    const res = await runManifest(writeManifest(dir, gcnManifest({ passes: [{ use: path.join(TOY_PLUGINS_DIR, 'pass-future-api') }] })));
    expect(res.error!.code).toBe('FF_PLUGIN_API_VERSION');
    expect(res.error!.message).toContain('declares apiVersion 2');
  });

  it('invalid plugin options: the manifest path of the bad key and the schema message', async () => {
    const dir = tempDir();
    const m = gcnManifest({ passes: [{ use: 'toy-fuse', options: { granularity: 'partial' } }], backend: { use: 'dense-eval', options: { lanes: 0, lane: 3 } } });
    let res = await runManifest(writeManifest(dir, m));
    expect(res.error!.code).toBe('FF_OPTIONS_INVALID');
    expect(res.error!.path).toBe('/passes/0/options/granularity');
    expect(res.error!.message).toContain('/passes/0/options/granularity: expected one of "none", "full", got "partial" (string)');
    m.passes = [];
    res = await runManifest(writeManifest(dir, m));
    expect(res.error!.code).toBe('FF_OPTIONS_INVALID');
    expect(res.error!.message).toContain('/backend/options/lanes: must be >= 1, got 0 (number)');
    expect(res.error!.message).toContain('/backend/options/lane: unknown key (did you mean "lanes"?)');
  });

  it('a disabled pass is skipped without validating its options', async () => {
    const m = gcnManifest({ configurations: undefined, passes: [{ use: 'toy-fuse', options: { granularity: 'bogus' }, enabled: false }] });
    const res = await runManifest(m as never, { baseDir: tempDir() });
    expect(res.ok).toBe(true);
    expect(res.runs[0].passes).toEqual([]);
  });

  it('a plugin that throws: its name and hook in the message, the run ends cleanly, earlier results are kept', async () => {
    const dir = tempDir();
    const m = gcnManifest({
      configurations: [{ name: 'unfused' }, { name: 'broken', passes: 'toy-fuse,explode' }, { name: 'fused', passes: 'toy-fuse{granularity=full}' }],
    });
    const res = await runManifest(writeManifest(dir, m));
    expect(res.ok).toBe(false);
    expect(res.error!.code).toBe('FF_PLUGIN_ERROR');
    expect(res.error!.plugin).toBe('fuseflow-pass-explode');
    expect(res.error!.hook).toBe('run');
    expect(res.error!.pluginCode).toBe('E_BOOM');
    expect(res.error!.message).toBe('[plugin fuseflow-pass-explode] hook "run" failed (E_BOOM): boom on 2 statements');
    expect(res.runs.map((r) => [r.configuration, !!r.report, r.error?.code])).toEqual([
      ['unfused', true, undefined],
      ['broken', false, 'FF_PLUGIN_ERROR'],
      ['fused', true, undefined],
    ]);
    const results = JSON.parse(fs.readFileSync(path.join(res.outDir, 'results.json'), 'utf8'));
    expect(results.ok).toBe(false);
    expect(results.runs[0].report.metrics).toEqual(res.runs[0].report!.metrics);
    expect(results.runs[1].error.hook).toBe('run');
  });

  it('a plugin that throws in register is wrapped with hook "register"', async () => {
    const m = gcnManifest({ configurations: undefined, passes: [{ use: 'explode', options: { in: 'register' } }] });
    const res = await runManifest(m as never, { baseDir: tempDir() });
    expect(res.error).toMatchObject({ code: 'FF_PLUGIN_ERROR', plugin: 'fuseflow-pass-explode', hook: 'register', pluginCode: 'E_WIDGETS' });
  });

  it('passes in the wrong stage order: FF_STAGE_MISMATCH naming the pass', async () => {
    const dir = tempDir();
    const stagePass = path.join(dir, 'to-dataflow.js');
    fs.writeFileSync(
      stagePass,
      // Contribution tokens are Symbol.for(...), so a plugin can register without importing the kernel.
      `const PASS = Symbol.for('fuseflow.pass');
module.exports = { default: { name: 'to-dataflow', version: '1.0.0', apiVersion: 1, kind: 'pass', id: 'to-dataflow',
  register(c) { c.register(PASS, { useValue: { id: 'to-dataflow', reads: 'program', writes: 'dataflow', run: (ir) => ({ stage: 'dataflow', nodes: [] }) } }); } } };`,
    );
    const m = gcnManifest({ configurations: undefined, passes: [{ use: './to-dataflow.js' }, { use: 'toy-fuse' }] });
    const res = await runManifest(writeManifest(dir, m));
    expect(res.error!.code).toBe('FF_STAGE_MISMATCH');
    expect(res.error!.message).toContain("/passes/1: pass \"toy-fuse\" reads the 'program' stage, but the IR is at the 'dataflow' stage here");
  });
});
