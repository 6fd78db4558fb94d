import * as fs from 'node:fs';
import * as path from 'node:path';
import { memoryIo } from './io';
import { runCli } from './main';
import { GCN_LAYER_TT, gcnManifest, tempDir, TOY_PLUGINS_DIR, writeManifest } from '../../kernel/src/__fixtures__/toy';

/** A temp project whose node_modules holds the kernel's toy plugins (as an install would). */
function project(): string {
  const dir = tempDir('ff-cli-');
  const nm = path.join(dir, 'node_modules');
  fs.mkdirSync(nm);
  for (const d of fs.readdirSync(TOY_PLUGINS_DIR, { withFileTypes: true })) {
    if (d.isDirectory()) fs.symlinkSync(path.join(TOY_PLUGINS_DIR, d.name), path.join(nm, `fuseflow-${d.name}`));
  }
  fs.copyFileSync(GCN_LAYER_TT, path.join(dir, 'gcn-layer.tt'));
  return dir;
}

function manifest(extra: Record<string, unknown> = {}) {
  const m = gcnManifest({ frontend: { use: 'tensor-text', options: { file: 'gcn-layer.tt' } }, ...extra });
  delete m.plugins;
  return m;
}

describe('fuseflow CLI', () => {
  it('run: prints a table of configurations with cycles, speedup, flops and bytes', async () => {
    const dir = project();
    writeManifest(dir, manifest());
    const io = memoryIo(dir);
    expect(await runCli(['run', 'manifest.json'], io)).toBe(0);
    const text = io.out.join('\n');
    const results = JSON.parse(fs.readFileSync(path.join(dir, 'out', 'gcn', 'results.json'), 'utf8'));
    const [u, f] = results.runs.map((r: { report: { metrics: Record<string, number> } }) => r.report.metrics);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^configuration\s+status\s+cycles\s+speedup\s+flops\s+bytes\s+values checked$/);
    expect(lines[2]).toMatch(new RegExp(`^unfused\\s+ok\\s+${u.cycles.toLocaleString('en-US')}\\s+1\\.00x\\s+${u.flops}\\s+${u.bytes.toLocaleString('en-US')}\\s+-$`));
    expect(lines[3]).toContain(`${(u.cycles / f.cycles).toFixed(2)}x`);
    expect(u.cycles / f.cycles).toBeGreaterThan(1);
    // not a TTY: plain progress lines on stderr
    expect(io.err.some((l) => /^ {2}toy-fuse \d+\.\d ms groups=1$/.test(l))).toBe(true);
  });

  it('run writes report.html beside results.json unless --no-report', async () => {
    const dir = project();
    writeManifest(dir, manifest());
    const io = memoryIo(dir);
    expect(await runCli(['-q', 'run', 'manifest.json'], io)).toBe(0);
    const file = path.join(dir, 'out', 'gcn', 'report.html');
    expect(fs.readFileSync(file, 'utf8')).toMatch(/^<!doctype html>[\s\S]*<td>unfused<\/td><td>ok<\/td>/);
    expect(io.out[io.out.length - 1].startsWith(`report: ${file} (`)).toBe(true);
    fs.rmSync(file);
    const off = memoryIo(dir);
    expect(await runCli(['-q', 'run', 'manifest.json', '--no-report'], off)).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
    expect(off.out.some((l) => l.startsWith('report:'))).toBe(false);
  });

  it('run --json --seed --out --passes: machine-readable result honouring the global options', async () => {
    const dir = project();
    writeManifest(dir, manifest());
    const io = memoryIo(dir);
    expect(await runCli(['--json', '-q', 'run', 'manifest.json', '--seed', '3', '--out', 'o', '--passes', 'toy-fuse{granularity=none}', '-c', 'fused'], io)).toBe(0);
    const res = JSON.parse(io.out.join('\n'));
    expect(res.outDir).toBe(path.join(dir, 'o'));
    expect(res.runs).toHaveLength(1);
    expect(res.runs[0].passes[0].stats).toEqual({ groups: 2 });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'o', 'manifest.resolved.json'), 'utf8')).seed).toBe(3);
    expect(io.err).toEqual([]);
  });

  it('run: a failing configuration exits 1 with "code: message" and keeps the other results', async () => {
    const dir = project();
    writeManifest(dir, manifest({ configurations: [{ name: 'ok' }, { name: 'bad', passes: 'explode' }] }));
    const io = memoryIo(dir);
    expect(await runCli(['run', 'manifest.json'], io)).toBe(1);
    expect(io.err).toContain('[bad] FF_PLUGIN_ERROR: [plugin fuseflow-pass-explode] hook "run" failed (E_BOOM): boom on 2 statements');
    expect(io.out.join('\n')).toMatch(/\nok\s+ok\s+[\d,]+/);
  });

  it('manifest errors exit 2 and print the suggestion', async () => {
    const dir = project();
    writeManifest(dir, manifest({ backend: { use: 'dense-evl' } }));
    for (const cmd of ['run', 'validate']) {
      const io = memoryIo(dir);
      expect(await runCli([cmd, 'manifest.json'], io)).toBe(2);
      expect(io.err.join('\n')).toMatch(/^FF_PLUGIN_NOT_FOUND: \/backend\/use: no backend plugin "dense-evl"[^]*\n {2}suggestion: did you mean "dense-eval"\?$/);
    }
  });

  it('usage errors exit 2: bad --seed, bad --budget, a bad --passes string (with its position), a missing file', async () => {
    const dir = project();
    writeManifest(dir, manifest());
    const cases: Array<[string[], RegExp]> = [
      [['run', 'manifest.json', '--seed', 'abc'], /^FF_USAGE: --seed: expected an integer, got "abc"\nrun 'fuseflow run --help' for usage$/],
      [['search', 'manifest.json', '--budget', '0'], /^FF_USAGE: --budget: expected a positive integer, got "0"\nrun 'fuseflow search --help' for usage$/],
      [['search', 'manifest.json', '--queue', 'http://x:1'], /^FF_USAGE: --queue: expected redis:\/\/\[:password@\]host:port or rediss:\/\/ \(TLS\), got "http:\/\/x:1"\nrun 'fuseflow search --help' for usage$/],
      [['run', 'manifest.json', '--passes', 'toy-fuse{granularity=full'], /^FF_MANIFEST_INVALID: pass pipeline: expected '}' closing the options of 'toy-fuse' at position 25, found end of input\n {2}toy-fuse\{granularity=full\n {27}\^$/],
      [['validate', 'missing.json'], /^FF_MANIFEST_INVALID: cannot read manifest .*missing\.json: ENOENT/],
    ];
    for (const [args, re] of cases) {
      const io = memoryIo(dir);
      expect(await runCli(args, io)).toBe(2);
      expect(io.err.join('\n')).toMatch(re);
    }
  });

  it('verifies the IR after every pass with @fuseflow/ir and names the pass that broke it', async () => {
    const dir = project();
    fs.writeFileSync(
      path.join(dir, 'bad-pass.js'),
      `module.exports = { default: { name: 'bad-pass', version: '1.0.0', apiVersion: 1, kind: 'pass', id: 'bad-pass',
  register(c) { c.register(Symbol.for('fuseflow.pass'), { useValue: { id: 'bad-pass', reads: 'program', writes: 'program',
    run: (ir) => ({ ...ir, program: { ...ir.program, statements: ir.program.statements.map((s) => ({ ...s, lhs: { ...s.lhs, tensor: 'Nowhere' } })) } }) } }); } } };`,
    );
    writeManifest(dir, manifest({ configurations: undefined, passes: [{ use: './bad-pass.js' }] }));
    const io = memoryIo(dir);
    expect(await runCli(['-q', 'run', 'manifest.json'], io)).toBe(1);
    expect(io.err.join('\n')).toMatch(/FF_PLUGIN_ERROR: \[plugin bad-pass\] hook "run" produced invalid 'program' IR: .*Nowhere/);
  });

  it('validate: prints the resolved pipeline, and the IR with --print-ir', async () => {
    const dir = project();
    writeManifest(dir, manifest());
    const io = memoryIo(dir);
    expect(await runCli(['validate', 'manifest.json', '--print-ir'], io)).toBe(0);
    const text = io.out.join('\n');
    expect(text).toContain('configuration fused:');
    expect(text).toContain('  backend   dense-eval (fuseflow-backend-dense-eval@0.0.1) {"lanes":2,"bytesPerCycle":16}');
    expect(text).toContain('  as --passes: "toy-fuse{granularity=full}"');
    expect(text).toContain('--- IR (program) after the passes of fused ---');
    // the program stage's own text (contributed by the frontend), not a JSON dump of the module
    expect(text).toContain('group g0 = s0, s1');
    expect(text).not.toContain('"statements"');
  });

  it('--print-ir-after <pass> writes the IR after that pass as text, per configuration, and names the files', async () => {
    const dir = project();
    writeManifest(dir, manifest());
    const io = memoryIo(dir);
    expect(await runCli(['-q', '--print-ir-after', 'toy-fuse', 'run', 'manifest.json', '--out', 'o'], io)).toBe(0);
    const files = ['unfused', 'fused'].map((c) => path.join(dir, 'o', c, 'ir', '00-toy-fuse.txt'));
    expect(io.err).toEqual(files.map((f, i) => `IR after toy-fuse (gcn/${['unfused', 'fused'][i]}): ${f}`));
    const fused = fs.readFileSync(files[1], 'utf8');
    expect(fused).toContain('group g0 = s0, s1');
    expect(fs.readFileSync(files[0], 'utf8')).not.toContain('group g0 = s0, s1');
    const bad = memoryIo(dir);
    expect(await runCli(['--print-ir-after', 'no-such-pass', 'validate', 'manifest.json'], bad)).toBe(0);
    expect(bad.err.join('\n')).toContain('--print-ir-after no-such-pass: no such pass ran');
  });

  it('search: passes --budget and --resume to the searcher', async () => {
    const dir = project();
    writeManifest(dir, manifest({ configurations: undefined, search: { use: 'grid', options: { option: 'lanes', values: [1, 2, 4, 8] } } }));
    const io = memoryIo(dir);
    expect(await runCli(['--json', 'search', 'manifest.json', '--budget', '2', '--resume'], io)).toBe(0);
    const res = JSON.parse(io.out.join('\n'));
    expect(res.search.evaluations).toBe(2);
    expect(res.search.details.resume).toBe(true);
    const io2 = memoryIo(dir);
    writeManifest(dir, manifest(), 'plain.json');
    expect(await runCli(['search', 'plain.json'], io2)).toBe(2);
    expect(io2.err[0]).toContain('has no "search" block');
  });

  it('plugins: lists installed plugins with kind, id, version, options, and broken ones with the reason', async () => {
    const dir = project();
    const broken = path.join(dir, 'node_modules', 'fuseflow-backend-broken');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'package.json'), JSON.stringify({ name: 'fuseflow-backend-broken', version: '1.0.0' }));
    fs.writeFileSync(path.join(broken, 'index.js'), "require('./engine-not-written-yet');");
    const io = memoryIo(dir);
    expect(await runCli(['plugins'], io)).toBe(0);
    const text = io.out.join('\n');
    expect(text).toMatch(/\nbackend\s+dense-eval\s+0\.0\.1\s+fuseflow-backend-dense-eval\s+lanes:integer=4 bytesPerCycle:number=16\s+-/);
    expect(text).toMatch(/\nfrontend\s+tensor-text\s+0\.0\.1\s+fuseflow-frontend-tensor-text\s+file!:string\s+tt-stats/);
    expect(text).toMatch(/broken \(\d+\):[^]*fuseflow-backend-broken: .*engine-not-written-yet/);
    // a broken plugin does not break other commands
    writeManifest(dir, manifest());
    expect(await runCli(['-q', 'run', 'manifest.json'], memoryIo(dir))).toBe(0);
  });

  it('plugin-contributed commands become sub-commands', async () => {
    const dir = project();
    const io = memoryIo(dir);
    expect(await runCli(['tt-stats', 'gcn-layer.tt', '--seed', '7', '--tensor', 'A', '--tensor', 'X'], io)).toBe(0);
    expect(io.out[0]).toBe('statements: 2, tensors: 5');
    expect(io.out[2]).toBe('X: 32 stored values');
    const results = await runCli(['-q', '--json', 'run', 'manifest.json', '--seed', '7'], (() => { writeManifest(dir, manifest()); return memoryIo(dir); })());
    expect(results).toBe(0);
    const unknown = memoryIo(dir);
    expect(await runCli(['frobnicate'], unknown)).toBe(2);
    expect(unknown.err.join('\n')).toMatch(/^error: unknown command 'frobnicate'\nrun 'fuseflow --help' for usage$/);
  });

  it('commands declared in package.json metadata: listed without importing, complete once chosen', async () => {
    const dir = project();
    // a plugin that declares its command; importing it leaves a mark, so listing must not import it
    const pkg = path.join(dir, 'node_modules', 'fuseflow-backend-declared');
    fs.mkdirSync(pkg);
    const mark = path.join(dir, 'imported.txt');
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'fuseflow-backend-declared', version: '1.0.0', main: 'index.js', fuseflow: { kind: 'backend', id: 'declared', commands: [{ name: 'greet', description: 'say hello', args: ['<who>'] }] } }));
    fs.writeFileSync(
      path.join(pkg, 'index.js'),
      `require('fs').appendFileSync(${JSON.stringify(mark)}, 'x');
module.exports = { name: 'fuseflow-backend-declared', version: '1.0.0', apiVersion: 1, kind: 'backend', id: 'declared', register() {},
  commands: [{ name: 'greet', description: 'say hello', args: ['<who>'], options: [{ flags: '--loud', description: 'shout' }],
    action(args, o, io) { io.stdout((o.loud ? 'HELLO ' : 'hello ') + args[0] + (o.seed !== undefined ? ' seed ' + o.seed : '')); return 0; } }] };`,
    );
    // a plugin whose package.json declares a command but that fails to import
    const broken = path.join(dir, 'node_modules', 'fuseflow-backend-halfbuilt');
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, 'package.json'), JSON.stringify({ name: 'fuseflow-backend-halfbuilt', version: '1.0.0', main: 'index.js', fuseflow: { kind: 'backend', id: 'halfbuilt', commands: [{ name: 'crash', description: 'never runs' }] } }));
    fs.writeFileSync(path.join(broken, 'index.js'), "require('./not-built-yet');");

    const help = memoryIo(dir);
    expect(await runCli(['--help'], help)).toBe(0);
    expect(help.out.join('\n')).toMatch(/\n {2}greet \[options\] <who> +say hello \[fuseflow-backend-declared\]\n/);
    expect(help.out.join('\n')).toMatch(/\n {2}crash \[options\] +never runs \[fuseflow-backend-halfbuilt\]\n/);
    expect(fs.existsSync(mark)).toBe(false);

    const cmdHelp = memoryIo(dir);
    expect(await runCli(['help', 'greet'], cmdHelp)).toBe(0);
    expect(cmdHelp.out.join('\n')).toMatch(/^Usage: fuseflow greet \[options\] <who>\n[^]*--loud +shout/);

    // global options before the command name, the command's own after it
    const run = memoryIo(dir);
    expect(await runCli(['--seed', '5', 'greet', 'ada', '--loud'], run)).toBe(0);
    expect(run.out).toEqual(['HELLO ada seed 5']);

    const crash = memoryIo(dir);
    expect(await runCli(['crash'], crash)).toBe(1);
    expect(crash.err.join('\n')).toMatch(/^FF_PLUGIN_ERROR: \[plugin fuseflow-backend-halfbuilt\] command "crash" is unavailable: .*not-built-yet/);
  });
  it('--version prints the version of @fuseflow/cli', async () => {
    const version = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version;
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    for (const flag of ['--version', '-V']) {
      const io = memoryIo(project());
      expect(await runCli([flag], io)).toBe(0);
      expect(io.out).toEqual([version]);
    }
  });

  it('usage errors print the error and a one-line hint, not the whole help', async () => {
    const dir = project();
    const cases: Array<[string[], string[]]> = [
      [['run'], ["error: missing required argument 'manifest'", "run 'fuseflow run --help' for usage"]],
      [['validate', 'm.json', '--frob'], ["error: unknown option '--frob'", "run 'fuseflow validate --help' for usage"]],
    ];
    for (const [args, err] of cases) {
      const io = memoryIo(dir);
      expect(await runCli(args, io)).toBe(2);
      expect(io.err).toEqual(err);
      expect(io.out).toEqual([]);
    }
  });
  it('plugins <id>: that plugin in detail, importing no other; an unknown id is FF_PLUGIN_NOT_FOUND with a guess', async () => {
    const dir = project();
    // a plugin with package.json metadata whose import leaves a mark: matching by id must not import it
    const other = path.join(dir, 'node_modules', 'fuseflow-pass-marker');
    fs.mkdirSync(other);
    const mark = path.join(dir, 'imported.txt');
    fs.writeFileSync(path.join(other, 'package.json'), JSON.stringify({ name: 'fuseflow-pass-marker', version: '1.0.0', main: 'index.js', fuseflow: { kind: 'pass', id: 'marker' } }));
    fs.writeFileSync(path.join(other, 'index.js'), `require('fs').appendFileSync(${JSON.stringify(mark)}, 'x'); module.exports = {};`);
    const io = memoryIo(dir);
    expect(await runCli(['plugins', 'dense-eval'], io)).toBe(0);
    const lines = io.out.join('\n').split('\n');
    expect(lines[0]).toMatch(/^backend dense-eval 0\.0\.1 {2}fuseflow-backend-dense-eval \(node_modules: .*backend-dense-eval\)$/);
    const opts = lines.slice(lines.indexOf('  options:') + 1);
    expect(opts[0]).toMatch(/^ {4}option\s+type\s+default\s+description$/);
    expect(opts.slice(2, 4).map((l) => l.trim().split(/\s+/))).toEqual([['lanes', 'integer', '4'], ['bytesPerCycle', 'number', '16']]);
    expect(fs.existsSync(mark)).toBe(false);

    const json = memoryIo(dir);
    expect(await runCli(['--json', 'plugins', 'fuseflow-backend-dense-eval'], json)).toBe(0);
    const p = JSON.parse(json.out.join('\n'));
    expect([p.kind, p.id, p.version, p.defaultOptions]).toEqual(['backend', 'dense-eval', '0.0.1', { lanes: 4, bytesPerCycle: 16 }]);

    const bad = memoryIo(dir);
    expect(await runCli(['plugins', 'dense-evl'], bad)).toBe(2);
    expect(bad.err.join('\n')).toMatch(/^FF_PLUGIN_NOT_FOUND: no installed plugin "dense-evl" .*\n {2}suggestion: did you mean "dense-eval"\?/);
    expect(bad.out).toEqual([]);
  });
  it('run --passes: refuses configurations it would make identical, labels the rows it runs by the passes', async () => {
    const dir = project();
    writeManifest(dir, manifest());
    const refused = memoryIo(dir);
    expect(await runCli(['-q', 'run', 'manifest.json', '--passes', 'toy-fuse{granularity=full}'], refused)).toBe(2);
    expect(refused.err[0]).toBe('FF_USAGE: --passes "toy-fuse{granularity=full}" replaces the passes of every configuration, so "unfused", "fused" would all run the same pipeline; choose one with -c <name> (its frontend and backend) or drop --passes');
    expect(fs.existsSync(path.join(dir, 'out', 'gcn', 'results.json'))).toBe(false);

    const one = memoryIo(dir);
    expect(await runCli(['-q', 'run', 'manifest.json', '--passes', 'toy-fuse{granularity=full}', '-c', 'unfused'], one)).toBe(0);
    const rows = one.out.join('\n').split('\n');
    expect(rows).toHaveLength(5);
    expect(rows[2]).toMatch(/^unfused \+ --passes "toy-fuse\{granularity=full\}"\s+ok\s+[\d,]+\s+1\.00x/);
    expect(rows[4].startsWith(`report: ${path.join(dir, 'out', 'gcn', 'report.html')} (`)).toBe(true);
    expect(rows[4]).toMatch(/\(\d+ KiB, 0 nodes laid out in [\d.]+ s, [\d.]+ CPU-s\)$/);
    // configurations that differ in their backend stay meaningful side by side
    writeManifest(dir, manifest({ configurations: [{ name: 'lanes1', backend: { options: { lanes: 1 } } }, { name: 'lanes4', backend: { options: { lanes: 4 } } }] }), 'lanes.json');
    const lanes = memoryIo(dir);
    expect(await runCli(['-q', 'run', 'lanes.json', '--passes', 'toy-fuse{granularity=full}'], lanes)).toBe(0);
    const lrows = lanes.out.join('\n').split('\n');
    expect(lrows[2]).toMatch(/^lanes1 \+ --passes "toy-fuse\{granularity=full\}"\s+ok/);
    expect(lrows[3]).toMatch(/^lanes4 \+ --passes "toy-fuse\{granularity=full\}"\s+ok/);
    const cycles = (l: string) => Number(l.split(/\s{2,}/)[2].replace(/,/g, ''));
    expect(cycles(lrows[2])).toBeGreaterThan(cycles(lrows[3]));
  });
});
