import * as fs from 'node:fs';
import * as path from 'node:path';
import { RUNNER } from './plugin';
import { createHostContainer, runManifest, Session } from './session';
import { gcnManifest, tempDir, writeManifest } from './__fixtures__/toy';

/** A pass that points every statement at an undeclared tensor: @fuseflow/ir's program verifier refuses it. */
const BREAK_PASS = `module.exports = { default: { name: 'break', version: '1.0.0', apiVersion: 1, kind: 'pass', id: 'break',
  register(c) { c.register(Symbol.for('fuseflow.pass'), { useValue: { id: 'break', reads: 'program', writes: 'program',
    run: (ir) => ({ ...ir, program: { ...ir.program, statements: ir.program.statements.map((s) => ({ ...s, lhs: { ...s.lhs, tensor: 'Nowhere' } })) } }) } }); } } };`;

/** A searcher that does its nested work through RUNNER only: a nested run, an evaluation, a design-space question. */
const NESTED_SEARCHER = `module.exports = { default: { name: 'nested', version: '1.0.0', apiVersion: 1, kind: 'searcher', id: 'nested',
  register(c) { c.register(Symbol.for('fuseflow.searcher'), { useValue: { id: 'nested', async search(ctx) {
    const runner = ctx.container.resolve(Symbol.for('fuseflow.pipeline-runner'));
    const nested = await runner.run({ ...runner.baseManifest, configurations: undefined, passes: [{ use: './break.js' }] }, { outDir: ctx.outDir + '/nested' });
    const good = await runner.run({ ...runner.baseManifest, configurations: undefined }, { outDir: ctx.outDir + '/good' });
    let evalError;
    try {
      await runner.evaluate({ stage: 'program', program: { name: 'p', tensors: {}, statements: [{ name: 's0', lhs: { tensor: 'Y', indices: ['i'] }, rhs: { kind: 'access', tensor: 'X', indices: ['i'] } }] }, data: {} }, { use: 'dense-eval' }, ctx);
    } catch (e) {
      evalError = { code: e.code, plugin: e.plugin, hook: e.hook, message: e.message };
    }
    const space = await runner.designSpace({ use: 'dense-eval' });
    return { searcher: 'nested', evaluations: 2, details: { nested: nested.runs[0] && nested.runs[0].error, good: good.runs[0] && good.runs[0].report.metrics, evalError, space: space === undefined ? 'none' : space, base: runner.baseManifest.search === undefined, file: runner.manifestFile } };
  } } }); } } };`;

describe('Session: nested runs re-enter the kernel with the same checks', () => {
  it("a searcher's nested run, evaluation and design-space question go through RUNNER, verified like the top-level run", async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'break.js'), BREAK_PASS);
    fs.writeFileSync(path.join(dir, 'nested.js'), NESTED_SEARCHER);
    const file = writeManifest(dir, gcnManifest({ configurations: undefined, search: { use: './nested.js' } }));
    const res = await runManifest(file);
    expect(res.error).toBeUndefined();
    const d = res.search!.details as Record<string, unknown>;
    // the nested run verified the IR after the breaking pass and named it
    expect(d.nested).toMatchObject({ code: 'FF_PLUGIN_ERROR', plugin: 'break', hook: 'verify', message: expect.stringMatching(/^\[plugin break\] hook "run" produced invalid 'program' IR: .*Nowhere/) });
    // the same nested run without the breaking pass computes what the top-level pipeline computes
    const top = await runManifest(writeManifest(dir, gcnManifest({ configurations: undefined })), { outDir: path.join(dir, 'top') });
    expect(d.good).toEqual(top.runs[0].report!.metrics);
    // a module the searcher built is verified before the backend sees it
    expect(d.evalError).toMatchObject({ code: 'FF_PLUGIN_ERROR', hook: 'verify', message: expect.stringMatching(/hook "evaluate" produced invalid 'program' IR/) });
    expect(d.space).toBe('none');
    expect(d.base).toBe(true);
    expect(d.file).toBe(file);
  });

  it('is resolved and frozen before anything runs; compile prints with the stage the frontend contributed', async () => {
    const dir = tempDir();
    const s = Session.open(writeManifest(dir, gcnManifest()), { outDir: path.join(dir, 'out') });
    expect(Object.isFrozen(s.resolved.manifest)).toBe(true);
    expect(() => ((s.resolved.manifest as { seed?: number }).seed = 1)).toThrow(TypeError);
    const fused = s.resolved.pipelines.find((p) => p.configuration === 'fused')!;
    const { ir, text } = await s.compile(fused);
    expect(ir.stage).toBe('program');
    expect(text.split('\n')).toEqual(expect.arrayContaining(['program tensor-text', 'group g0 = s0, s1']));
    // nothing but the compile's folder was written: no results.json before run()
    expect(fs.existsSync(path.join(dir, 'out', 'results.json'))).toBe(false);
  });

  it('a host container gives plugin commands RUNNER (the CLI hands it to simulate)', async () => {
    const dir = tempDir();
    writeManifest(dir, gcnManifest({ configurations: undefined }));
    const runner = createHostContainer({ baseDir: dir }).resolve(RUNNER);
    const r = await runner.run('manifest.json', { outDir: path.join(dir, 'host') });
    expect(r.ok).toBe(true);
    expect(r.outDir).toBe(path.join(dir, 'host'));
    expect(r.runs[0].report!.metrics.cycles).toBeGreaterThan(0);
  });
});
