import * as fs from 'node:fs';
import * as path from 'node:path';
import { createKernelEmitter } from './events';
import { mergeUse, resolveManifest } from './plan';
import type { Diagnostic } from './plugin';
import { runManifest, Session } from './session';
import { GCN_LAYER_TT, TOY_PLUGINS_DIR, gcnManifest, tempDir, writeManifest } from './__fixtures__/toy';

/** The toy GCN manifest with its input named by a path relative to the manifest's folder. */
function relativeGcn(dir: string, extra: Record<string, unknown> = {}): string {
  fs.copyFileSync(GCN_LAYER_TT, path.join(dir, 'layer.tt'));
  return writeManifest(dir, gcnManifest({ frontend: { use: 'tensor-text', options: { file: 'layer.tt' } }, ...extra }));
}

function inDir<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const cwd = process.cwd();
  process.chdir(dir);
  return fn().finally(() => process.chdir(cwd));
}

const readJson = (f: string) => JSON.parse(fs.readFileSync(f, 'utf8'));

describe('manifest.resolved.json is a manifest: it re-runs the same session', () => {
  it('re-run from another folder and working directory gives the same metrics and computed values', async () => {
    const src = tempDir();
    const first = await runManifest(relativeGcn(src, { $schema: '../schemas/manifest.schema.json' }), { outDir: path.join(src, 'out1') });
    expect(first.ok).toBe(true);
    const recorded = readJson(first.resolvedManifestPath);
    expect(recorded).toMatchObject({ $schema: path.resolve(src, '../schemas/manifest.schema.json'), baseDir: src, source: path.join(src, 'manifest.json'), kernel: { name: '@fuseflow/kernel' } });
    expect(recorded.configurations[0].frontend).toMatchObject({ use: 'tensor-text', plugin: 'fuseflow-frontend-tensor-text', version: '0.0.1', options: { file: 'layer.tt' } });

    // elsewhere, with layer.tt only reachable through the recorded baseDir
    const other = tempDir();
    const copy = path.join(other, 'resolved.json');
    fs.copyFileSync(first.resolvedManifestPath, copy);
    const events = createKernelEmitter();
    const diagnostics: Diagnostic[] = [];
    events.on('diagnostic', (d) => diagnostics.push(d));
    const cwd = tempDir();
    const again = await inDir(cwd, () => runManifest(path.relative(cwd, copy), { events }));
    expect(again.error).toBeUndefined();
    expect(diagnostics).toEqual([]);
    // outDir defaults next to the resolved file, never into the original run's folder
    expect(again.outDir).toBe(path.join(other, 'out', 'gcn'));
    expect(again.runs.map((r) => r.configuration)).toEqual(['unfused', 'fused']);
    for (let i = 0; i < 2; i++) {
      expect(again.runs[i].report!.metrics).toEqual(first.runs[i].report!.metrics);
      expect(again.runs[i].report!.details).toEqual(first.runs[i].report!.details);
    }
    expect(first.runs[0].report!.metrics.cycles).not.toBe(first.runs[1].report!.metrics.cycles);
    // and resolving it again records the same plan (only `source` moves)
    const { source: _a, ...before } = recorded;
    const { source: _b, ...after } = readJson(again.resolvedManifestPath);
    expect(after).toEqual(before);
  });

  it('without the recorded baseDir the relative input is looked up next to the file (what baseDir fixes)', async () => {
    const src = tempDir();
    const first = await runManifest(relativeGcn(src), { outDir: path.join(src, 'out1') });
    const { baseDir: _d, ...noBase } = readJson(first.resolvedManifestPath);
    const other = tempDir();
    const res = await runManifest(writeManifest(other, noBase));
    expect(res.runs[0].error).toMatchObject({ code: 'FF_PLUGIN_ERROR', message: expect.stringContaining(path.join(other, 'layer.tt')) });
  });

  it('a plugin record naming another package than `use` resolves to is FF_MANIFEST_INVALID at its JSON path', async () => {
    const src = tempDir();
    const first = await runManifest(relativeGcn(src, { configurations: undefined }), { outDir: path.join(src, 'out1') });
    const m = readJson(first.resolvedManifestPath);
    expect(m.passes[0].plugin).toBe('fuseflow-pass-toy-fuse');
    m.passes[0].plugin = '@acme/fuseflow-pass-fuse';
    const res = await runManifest(writeManifest(tempDir(), m));
    expect(res.ok).toBe(false);
    expect(res.runs).toEqual([]);
    expect(res.error).toMatchObject({
      code: 'FF_MANIFEST_INVALID',
      path: '/passes/0/plugin',
      message: '/passes/0/plugin: "toy-fuse" resolves to fuseflow-pass-toy-fuse@0.0.1, but the manifest records @acme/fuseflow-pass-fuse',
    });
  });

  it('a recorded version other than the installed one is a warning event naming path and both versions, recorded in results.json', async () => {
    const src = tempDir();
    const first = await runManifest(relativeGcn(src), { outDir: path.join(src, 'out1') });
    const m = readJson(first.resolvedManifestPath);
    m.configurations[1].backend.version = '9.9.9';
    m.kernel.version = '0.0.0-old';
    const events = createKernelEmitter();
    const diagnostics: Diagnostic[] = [];
    events.on('diagnostic', (d) => diagnostics.push(d));
    const res = await runManifest(writeManifest(tempDir(), m), { events });
    expect(res.ok).toBe(true);
    expect(diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', path: '/kernel/version', message: expect.stringMatching(/^\/kernel\/version: the manifest was resolved by @fuseflow\/kernel@0\.0\.0-old, running @fuseflow\/kernel@\d/) }),
      expect.objectContaining({
        severity: 'warning',
        plugin: 'fuseflow-backend-dense-eval',
        path: '/configurations/1/backend/version',
        message: '/configurations/1/backend/version: the manifest records fuseflow-backend-dense-eval@9.9.9, installed is 0.0.1; results may differ',
      }),
    ]);
    expect(readJson(path.join(res.outDir, 'results.json')).warnings.map((w: Diagnostic) => w.path)).toEqual(['/kernel/version', '/configurations/1/backend/version']);
    // same numbers: the warning changes nothing that runs
    expect(res.runs.map((r) => r.report!.metrics)).toEqual(first.runs.map((r) => r.report!.metrics));
  });

  it('a recorded baseDir that does not exist is FF_MANIFEST_INVALID at /baseDir; a relative one is relative to the manifest', async () => {
    const dir = tempDir();
    expect(() => Session.open(writeManifest(dir, gcnManifest({ baseDir: path.join(dir, 'gone') })))).toThrow(expect.objectContaining({ code: 'FF_MANIFEST_INVALID', path: '/baseDir', message: expect.stringContaining(path.join(dir, 'gone')) }));
    fs.mkdirSync(path.join(dir, 'inputs'));
    fs.copyFileSync(GCN_LAYER_TT, path.join(dir, 'inputs', 'layer.tt'));
    const m = gcnManifest({ baseDir: 'inputs', frontend: { use: 'tensor-text', options: { file: 'layer.tt' } }, configurations: undefined });
    const fromFile = resolveManifest(writeManifest(dir, m));
    expect(fromFile).toMatchObject({ baseDir: path.join(dir, 'inputs'), manifestDir: dir });
    expect(resolveManifest(m, { baseDir: dir }).baseDir).toBe(path.join(dir, 'inputs'));
    const res = await runManifest(m, { baseDir: dir });
    expect(res.error).toBeUndefined();
    expect(res.outDir).toBe(path.join(dir, 'out', 'gcn'));
  });

  it('records are checked in every slot (reporters too), a misspelt record key is a schema error, and a plain manifest resolves as before', () => {
    const dir = tempDir();
    const plain = resolveManifest(writeManifest(dir, gcnManifest()));
    expect(plain.baseDir).toBe(dir);
    expect(plain.manifestDir).toBe(dir);
    expect(plain.warnings).toEqual([]);
    expect(() => resolveManifest(writeManifest(dir, gcnManifest({ reporters: [{ use: 'csv', plugin: 'fuseflow-reporter-other' }] })))).toThrow(expect.objectContaining({ code: 'FF_MANIFEST_INVALID', path: '/reporters/0/plugin' }));
    expect(() => resolveManifest(writeManifest(dir, gcnManifest({ frontend: { use: 'tensor-text', options: { file: GCN_LAYER_TT }, plugni: 'x' } })))).toThrow(
      expect.objectContaining({ code: 'FF_MANIFEST_INVALID', path: '/frontend/plugni', suggestion: 'did you mean "plugin"?' }),
    );
  });
});

describe('mergeUse', () => {
  const base = { use: 'rda-sim', plugin: '@fuseflow/backend-rda-sim', version: '0.1.0', options: { engine: 'fast' } };
  it('keeps the records when the override tunes the same plugin, drops them when it names another', () => {
    expect(mergeUse(base, { options: { hbm: true } })).toEqual({ ...base, options: { engine: 'fast', hbm: true } });
    expect(mergeUse(base, { use: 'rda-sim' })).toEqual(base);
    expect(mergeUse(base, { use: 'systolic' })).toEqual({ use: 'systolic', options: { engine: 'fast' } });
    expect(mergeUse(undefined, { use: 'systolic' })).toEqual({ use: 'systolic' });
  });

  it('a configuration naming another backend than the recorded top-level one is not refused', () => {
    const dir = tempDir();
    const m = gcnManifest({ backend: { use: 'dense-eval', plugin: 'some-other-package', version: '1.0.0' }, configurations: [{ name: 'own', backend: { use: path.join(TOY_PLUGINS_DIR, 'backend-dense-eval') } }] });
    expect(resolveManifest(writeManifest(dir, m)).pipelines[0].backend.plugin.name).toBe('fuseflow-backend-dense-eval');
  });
});
