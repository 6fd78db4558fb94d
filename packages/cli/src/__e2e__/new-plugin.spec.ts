import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runManifest } from '@fuseflow/kernel';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const KINDS = ['frontend', 'pass', 'backend', 'searcher', 'reporter'];

// tools/new-plugin.js: every kind it generates type-checks, passes its own test, and works in a
// manifest through the kernel's loader. Generated into a temp folder whose node_modules points at
// the repo's, so nothing in the working tree changes. The generated spec files are loaded into this
// suite (their describe/it blocks run here), which avoids a nested jest process.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-newplugin-'));
fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
const gen = (kind: string, id: string) => spawnSync(process.execPath, [path.join(ROOT, 'tools', 'new-plugin.js'), '--kind', kind, '--id', id, '--dir', path.join(dir, 'plugins', `${kind}-${id}`)], { encoding: 'utf8' });
const generated = KINDS.map((k) => ({ kind: k, r: gen(k, `my-${k}`) }));

describe('generated plugin packages (their own tests)', () => {
  for (const { kind } of generated) {
    const spec = path.join(dir, 'plugins', `${kind}-my-${kind}`, 'src', 'index.spec.ts');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    if (fs.existsSync(spec)) require(spec);
  }
});

describe('npm run new-plugin', () => {
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates a package of each kind that type-checks', () => {
    for (const g of generated) expect([g.kind, g.r.status, g.r.stderr]).toEqual([g.kind, 0, '']);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'plugins', 'backend-my-backend', 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: '@fuseflow/backend-my-backend', fuseflow: { kind: 'backend', id: 'my-backend' }, main: './dist/index.js', license: 'MIT' });
    // the packaging rules of the workspace packages (tarballs.spec.ts) hold for generated ones too
    const kernelVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'packages', 'kernel', 'package.json'), 'utf8')).version;
    expect(pkg.peerDependencies).toEqual({ '@fuseflow/kernel': `^${kernelVersion}` });
    expect(pkg.dependencies['@fuseflow/kernel']).toBeUndefined();
    expect(pkg.files).toEqual(expect.arrayContaining(['LICENSE', '!dist/**/*.map']));
    expect(fs.readFileSync(path.join(dir, 'plugins', 'backend-my-backend', 'LICENSE'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'));
    for (const k of KINDS) expect(fs.existsSync(path.join(dir, 'plugins', `${k}-my-${k}`, 'jest.config.ts'))).toBe(true);
    fs.writeFileSync(
      path.join(dir, 'tsconfig.all.json'),
      JSON.stringify({ extends: path.join(ROOT, 'tsconfig.base.json'), compilerOptions: { composite: false, noEmit: true, isolatedModules: true, types: ['jest', 'node'] }, include: ['plugins/*/src/**/*.ts'] }),
    );
    const tsc = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.all.json'], { cwd: dir, encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
  }, 120_000);

  it('generated plugins run together in a manifest by short id', async () => {
    const program = {
      name: 'mm',
      tensors: { A: { name: 'A', shape: [4, 8], role: 'input' }, B: { name: 'B', shape: [8, 2], role: 'input' }, C: { name: 'C', shape: [4, 2], role: 'output' }, D: { name: 'D', shape: [4, 2], role: 'intermediate' } },
      statements: [
        { name: 's0', lhs: { tensor: 'C', indices: ['i', 'j'] }, rhs: { kind: 'binary', op: 'mul', lhs: { kind: 'access', tensor: 'A', indices: ['i', 'k'] }, rhs: { kind: 'access', tensor: 'B', indices: ['k', 'j'] } } },
        { name: 's1', lhs: { tensor: 'D', indices: ['i', 'j'] }, rhs: { kind: 'unary', op: 'relu', arg: { kind: 'access', tensor: 'C', indices: ['i', 'j'] } } },
      ],
      outputs: ['C'],
    };
    fs.writeFileSync(path.join(dir, 'mm.json'), JSON.stringify(program));
    const res = await runManifest(
      {
        plugins: ['./plugins/frontend-my-frontend', './plugins/pass-my-pass', './plugins/backend-my-backend', './plugins/reporter-my-reporter'],
        frontend: { use: 'my-frontend', options: { file: 'mm.json' } },
        backend: { use: 'my-backend', options: { opsPerCycle: 4 } },
        reporters: [{ use: 'my-reporter' }],
        configurations: [{ name: 'all', passes: [] }, { name: 'dce', passes: 'my-pass' }],
      },
      { baseDir: dir, outDir: path.join(dir, 'out') },
    );
    expect(res.error).toBeUndefined();
    // 4x2x8 mul+add for s0, 4x2 relu for s1 (removed by the dead-code pass)
    expect(res.runs.map((r) => r.report!.metrics)).toEqual([{ flops: 136, cycles: 34 }, { flops: 128, cycles: 32 }]);
    expect(fs.readFileSync(path.join(dir, 'out', 'report.md'), 'utf8')).toContain('| my-backend | 32 | 128 |');
  });

  it('rejects a bad kind or id with usage help', () => {
    const r = gen('gadget', 'x');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--kind must be one of frontend, pass, backend, searcher, reporter');
    expect(gen('backend', 'My_HW').stderr).toContain('--id must be lower-case');
  });
});
