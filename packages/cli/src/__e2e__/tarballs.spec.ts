import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..', '..');

interface Packed {
  name: string;
  files: Array<{ path: string }>;
}

// What `npm publish` would upload for every workspace package: built code, types, README (and
// runtime assets a package declares), never sources, tests, configs or build caches.
describe('package tarballs', () => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--workspaces'], { cwd: ROOT, encoding: 'utf8', env, timeout: 120_000 });
  const packed: Packed[] = r.status === 0 ? JSON.parse(r.stdout) : [];

  it('npm pack lists every workspace package', () => {
    expect(r.stderr.includes('npm error') ? r.stderr : '').toBe('');
    const dirs = ['packages', 'plugins'].flatMap((g) => fs.readdirSync(path.join(ROOT, g)).filter((d) => fs.existsSync(path.join(ROOT, g, d, 'package.json'))));
    expect(packed.length).toBe(dirs.length);
  });

  it('each tarball holds only built code, types and the README', () => {
    const problems: string[] = [];
    for (const p of packed) {
      const files = p.files.map((f) => f.path);
      const bad = files.filter((f) => f.startsWith('src/') || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)) || /\.spec\.|tsbuildinfo|tsconfig|jest\.config|__fixtures__|__e2e__/.test(f));
      if (bad.length) problems.push(`${p.name}: ${bad.join(', ')}`);
      if (!files.includes('README.md')) problems.push(`${p.name}: no README.md`);
      const dir = path.join(ROOT, fs.existsSync(path.join(ROOT, 'packages', p.name.split('/')[1])) ? 'packages' : 'plugins', p.name.split('/')[1]);
      if (fs.existsSync(path.join(dir, 'dist', 'index.js')) && !(files.includes('dist/index.js') && files.includes('dist/index.d.ts'))) problems.push(`${p.name}: dist/index.js or dist/index.d.ts not packed`);
    }
    expect(problems).toEqual([]);
  });

  it('the kernel ships its manifest JSON Schema', () => {
    const kernel = packed.find((p) => p.name === '@fuseflow/kernel')!;
    expect(kernel.files.map((f) => f.path)).toContain('manifest.schema.json');
  });
});
