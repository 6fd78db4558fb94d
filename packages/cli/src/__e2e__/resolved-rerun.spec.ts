/**
 * `fuseflow run <out>/manifest.resolved.json` (issue 18): the resolved manifest of a real run
 * (pytorch frontend, rda-sim with value checking) re-runs from another folder with the same numbers.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { memoryIo } from '../io';
import { runCli } from '../main';

const SMALL = path.resolve(__dirname, '../../../../examples/gcn/small.json');

describe('fuseflow run <out>/manifest.resolved.json', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-resolved-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const run = async (cwd: string, ...args: string[]) => {
    const io = memoryIo(cwd);
    const code = await runCli(['run', ...args, '--no-report'], io);
    return { code, err: io.err.join('\n') };
  };
  const results = (out: string) => JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8'));
  const numbers = (r: { runs: Array<{ configuration: string; report: { metrics: object; valuesChecked: boolean } }> }) =>
    r.runs.map((x) => ({ configuration: x.configuration, metrics: x.report.metrics, valuesChecked: x.report.valuesChecked }));

  it('re-runs from another working directory with identical cycles and values checked; a version mismatch is a warning line', async () => {
    const first = await run(path.dirname(SMALL), SMALL, '--out', path.join(dir, 'a'), '--quiet');
    expect(first.code).toBe(0);
    const expected = numbers(results(path.join(dir, 'a')));
    expect(expected.map((r) => r.configuration)).toEqual(['unfused', 'partially fused', 'fully fused']);
    expect(expected.every((r) => r.valuesChecked === true)).toBe(true);

    // a copy far from examples/gcn, run by a relative path from a third folder
    const copyDir = path.join(dir, 'copy');
    const cwd = path.join(dir, 'cwd');
    fs.mkdirSync(copyDir);
    fs.mkdirSync(cwd);
    fs.copyFileSync(path.join(dir, 'a', 'manifest.resolved.json'), path.join(copyDir, 'resolved.json'));
    const again = await run(cwd, '../copy/resolved.json', '--out', 'b', '--quiet');
    expect(again).toEqual({ code: 0, err: '' });
    expect(numbers(results(path.join(cwd, 'b')))).toEqual(expected);

    const m = JSON.parse(fs.readFileSync(path.join(copyDir, 'resolved.json'), 'utf8'));
    m.configurations[0].backend.version = '0.0.1-recorded';
    fs.writeFileSync(path.join(copyDir, 'old.json'), JSON.stringify(m));
    const warned = await run(cwd, '../copy/old.json', '--out', 'c', '-c', 'unfused');
    expect(warned.code).toBe(0);
    expect(warned.err).toMatch(/warning \[@fuseflow\/backend-rda-sim\]: \/configurations\/0\/backend\/version: the manifest records @fuseflow\/backend-rda-sim@0\.0\.1-recorded, installed is \d+\.\d+\.\d+/);
    expect(numbers(results(path.join(cwd, 'c')))).toEqual(expected.slice(0, 1));
  });

  it('a plugin record naming another package exits 2 with FF_MANIFEST_INVALID and the JSON path', async () => {
    const m = JSON.parse(fs.readFileSync(SMALL, 'utf8'));
    m.baseDir = path.dirname(SMALL);
    m.backend.plugin = '@acme/fuseflow-backend-rda';
    const file = path.join(dir, 'wrong-plugin.json');
    fs.writeFileSync(file, JSON.stringify(m));
    const res = await run(dir, file, '--out', path.join(dir, 'd'), '--quiet');
    expect(res.code).toBe(2);
    expect(res.err).toContain('FF_MANIFEST_INVALID: /backend/plugin: "rda-sim" resolves to @fuseflow/backend-rda-sim@');
    expect(res.err).toContain('but the manifest records @acme/fuseflow-backend-rda');
  });

  it('validate names a recorded version that differs from the installed one (text on stderr, JSON in warnings) and still exits 0', async () => {
    const m = JSON.parse(fs.readFileSync(SMALL, 'utf8'));
    m.baseDir = path.dirname(SMALL);
    m.backend.version = '0.0.1-recorded';
    const file = path.join(dir, 'old-version.json');
    fs.writeFileSync(file, JSON.stringify(m));
    const text = memoryIo(dir);
    expect(await runCli(['validate', file], text)).toBe(0);
    expect(text.err.join('\n')).toMatch(/^warning \[@fuseflow\/backend-rda-sim\]: \/backend\/version: the manifest records @fuseflow\/backend-rda-sim@0\.0\.1-recorded, installed is \d+\.\d+\.\d+/m);
    const json = memoryIo(dir);
    expect(await runCli(['--json', 'validate', file], json)).toBe(0);
    const out = JSON.parse(json.out.join('\n'));
    expect(out.warnings).toEqual([expect.objectContaining({ severity: 'warning', path: '/backend/version', plugin: '@fuseflow/backend-rda-sim' })]);
  });
});
