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
      // source maps would point at src/, which is not shipped
      const bad = files.filter((f) => f.startsWith('src/') || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)) || /\.map$|\.spec\.|tsbuildinfo|tsconfig|jest\.config|__fixtures__|__e2e__/.test(f));
      if (bad.length) problems.push(`${p.name}: ${bad.join(', ')}`);
      if (!files.includes('README.md')) problems.push(`${p.name}: no README.md`);
      if (!files.includes('LICENSE')) problems.push(`${p.name}: no LICENSE`);
      const dir = path.join(ROOT, fs.existsSync(path.join(ROOT, 'packages', p.name.split('/')[1])) ? 'packages' : 'plugins', p.name.split('/')[1]);
      if (fs.existsSync(path.join(dir, 'dist', 'index.js')) && !(files.includes('dist/index.js') && files.includes('dist/index.d.ts'))) problems.push(`${p.name}: dist/index.js or dist/index.d.ts not packed`);
    }
    expect(problems).toEqual([]);
  });

  it('package.json: metadata, no export condition a bundler would pick for unshipped sources, ranges for siblings', () => {
    const rootLicense = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).license;
    const problems: string[] = [];
    for (const g of ['packages', 'plugins']) {
      for (const d of fs.readdirSync(path.join(ROOT, g))) {
        const f = path.join(ROOT, g, d, 'package.json');
        if (!fs.existsSync(f)) continue;
        const pj = JSON.parse(fs.readFileSync(f, 'utf8'));
        const where = `${g}/${d}/package.json`;
        if (pj.license !== rootLicense) problems.push(`${where}: license ${pj.license} (root: ${rootLicense})`);
        if (pj.repository?.directory !== `${g}/${d}` || !pj.repository?.url) problems.push(`${where}: repository.directory`);
        if (!pj.engines?.node || !pj.homepage) problems.push(`${where}: engines.node / homepage`);
        if (fs.readFileSync(path.join(ROOT, g, d, 'LICENSE'), 'utf8') !== fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')) problems.push(`${g}/${d}/LICENSE differs from the root's`);
        const conditions = (e: unknown): string[] => (e && typeof e === 'object' ? Object.entries(e).flatMap(([k, v]) => [k, ...conditions(v)]) : []);
        // `development` is set by bundlers (webpack, vite, esbuild) and would select ./src, which is not published
        if (conditions(pj.exports).includes('development')) problems.push(`${where}: exports use the "development" condition`);
        for (const field of ['dependencies', 'peerDependencies', 'devDependencies']) {
          for (const [n, v] of Object.entries((pj[field] ?? {}) as Record<string, string>)) {
            if (n.startsWith('@fuseflow/') && !/^\^/.test(v)) problems.push(`${where}: ${field}.${n} is ${v}, not a caret range`);
          }
        }
        // one kernel per process: plugins take the host's (a peer), never a copy of their own
        if (g === 'plugins' && (pj.dependencies?.['@fuseflow/kernel'] || !pj.peerDependencies?.['@fuseflow/kernel'])) problems.push(`${where}: @fuseflow/kernel must be a peerDependency`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('the kernel ships its manifest JSON Schema', () => {
    const kernel = packed.find((p) => p.name === '@fuseflow/kernel')!;
    expect(kernel.files.map((f) => f.path)).toContain('manifest.schema.json');
  });
});
