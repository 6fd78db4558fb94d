import * as fs from 'node:fs';
import * as path from 'node:path';
import { PluginLoader } from './plugin-loader';
import { resolvePluginOptions } from './plugin-options';
import { tempDir, TOY_PLUGINS_DIR, toyPluginPaths } from './__fixtures__/toy';

describe('PluginLoader', () => {
  it('resolves by short id, package name, "module:" name and relative path', () => {
    const dir = tempDir();
    const loader = new PluginLoader({ baseDir: dir, extraPlugins: toyPluginPaths() });
    expect(loader.resolve('toy-fuse', 'pass', '/passes/0/use').name).toBe('fuseflow-pass-toy-fuse');
    const rel = path.relative(dir, path.join(TOY_PLUGINS_DIR, 'backend-dense-eval'));
    expect(loader.resolve(rel.startsWith('.') ? rel : `./${rel}`, 'backend', '/backend/use').id).toBe('dense-eval');
    expect(loader.resolve(path.join(TOY_PLUGINS_DIR, 'reporter-csv', 'index.js'), 'reporter', '/reporters/0/use').id).toBe('csv');
    // a package installed in node_modules next to the manifest, found by name and by the fuseflow-<kind>-<id> convention
    const nm = path.join(dir, 'node_modules', 'fuseflow-searcher-grid');
    fs.mkdirSync(path.dirname(nm), { recursive: true });
    fs.symlinkSync(path.join(TOY_PLUGINS_DIR, 'searcher-grid'), nm);
    const plain = new PluginLoader({ baseDir: dir });
    expect(plain.resolve('grid', 'searcher', '/search/use').name).toBe('fuseflow-searcher-grid');
    expect(plain.resolve('module:fuseflow-searcher-grid', 'searcher', '/search/use').id).toBe('grid');
  });

  it('discovers workspace plugins and reports the ones that cannot be used, with the reason', () => {
    const loader = new PluginLoader({ baseDir: tempDir(), extraPlugins: [...toyPluginPaths(), './nope'] });
    const found = loader.discover();
    const toy = found.find((c) => c.packageName === 'fuseflow-pass-toy-fuse')!;
    expect(toy.plugin?.kind).toBe('pass');
    expect(toy.error).toBeUndefined();
    expect(found.find((c) => c.packageName === 'fuseflow-pass-future-api')!.error).toContain('apiVersion 2 is not supported');
    expect(found.find((c) => c.packageName === './nope')!.error).toContain('/plugins/');
    // the repo's own plugins/* folders are scanned too (via the kernel's own workspace)
    const ws = found.filter((c) => c.origin === 'workspace').map((c) => c.packageName);
    expect(ws).toContain('@fuseflow/pass-fusion');
  });

  it('resolves an alias to the plugin with the alias option defaults merged', () => {
    const dir = tempDir();
    const pkg = path.join(dir, 'plugins', 'searcher-multi');
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'fuseflow-searcher-multi', version: '1.0.0', main: 'index.js' }));
    fs.writeFileSync(
      path.join(pkg, 'index.js'),
      `module.exports = { name: 'fuseflow-searcher-multi', version: '1.0.0', apiVersion: 1, kind: 'searcher', id: 'multi',
        defaultOptions: { mode: 'a', budget: 3 }, aliases: { 'multi-b': { mode: 'b' } }, register() {} };`,
    );
    const loader = new PluginLoader({ baseDir: dir, extraPlugins: ['./plugins/searcher-multi'] });
    const viaAlias = loader.resolve('multi-b', 'searcher', '/search/use');
    expect(viaAlias.id).toBe('multi-b');
    expect(viaAlias.defaultOptions).toEqual({ mode: 'b', budget: 3 });
    const direct = loader.resolve('multi', 'searcher', '/search/use');
    expect(direct.defaultOptions).toEqual({ mode: 'a', budget: 3 });
    expect(() => loader.resolve('multi-c', 'searcher', '/search/use')).toThrow('no searcher plugin "multi-c"');
  });

  it('a plugin that throws on import is reported as broken, not fatal', () => {
    const dir = tempDir();
    const bad = path.join(dir, 'plugins', 'pass-broken');
    fs.mkdirSync(bad, { recursive: true });
    fs.writeFileSync(path.join(bad, 'package.json'), JSON.stringify({ name: 'fuseflow-pass-broken', version: '1.0.0', main: 'index.js' }));
    fs.writeFileSync(path.join(bad, 'index.js'), "throw new Error('half-built: missing ./engine');");
    const loader = new PluginLoader({ baseDir: dir, extraPlugins: ['./plugins/pass-broken', path.join(TOY_PLUGINS_DIR, 'pass-toy-fuse')] });
    const c = loader.discover().find((x) => x.packageName === 'fuseflow-pass-broken')!;
    expect(c.error).toBe('half-built: missing ./engine');
    expect(loader.resolve('toy-fuse', 'pass', '/passes/0/use').id).toBe('toy-fuse');
  });
});

describe('resolvePluginOptions', () => {
  it('merges defaults deeply before validating and fills schema defaults', () => {
    const plugin = {
      name: 'p', version: '1', apiVersion: 1 as const, kind: 'backend' as const, id: 'p', register: () => undefined,
      optionsSchema: { type: 'object', properties: { hbm: { type: 'object', properties: { channels: { type: 'integer' }, gbps: { type: 'number' } } }, check: { type: 'boolean', default: true } } },
      defaultOptions: { hbm: { channels: 8, gbps: 64 } },
    };
    expect(resolvePluginOptions(plugin, { hbm: { gbps: 32 } }, '/backend')).toEqual({ hbm: { channels: 8, gbps: 32 }, check: true });
    expect(() => resolvePluginOptions(plugin, { hbm: { channels: 1.5 } }, '/backend')).toThrow('/backend/options/hbm/channels: expected integer, got 1.5 (number)');
  });
});

describe('PluginLoader: discovery from package.json metadata', () => {
  /** A workspace with two plugins that declare themselves in package.json (`fuseflow` field). */
  function workspace(): string {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'ws', private: true, workspaces: ['plugins/*'] }));
    const light = path.join(dir, 'plugins', 'backend-light');
    fs.mkdirSync(light, { recursive: true });
    fs.writeFileSync(
      path.join(light, 'package.json'),
      JSON.stringify({
        name: 'fuseflow-backend-light', version: '2.0.0', main: 'index.js',
        exports: { '.': './index.js', './plugin': './plugin.js', './package.json': './package.json' },
        fuseflow: { kind: 'backend', id: 'light', aliases: ['lite'], commands: [{ name: 'light-cmd', description: 'does light things', args: ['<x>'] }], plugin: './plugin' },
      }),
    );
    // the main entry stands for a package whose index pulls in heavy libraries: it must not be loaded
    fs.writeFileSync(path.join(light, 'index.js'), "throw new Error('the main entry was imported');");
    fs.writeFileSync(
      path.join(light, 'plugin.js'),
      `module.exports = { default: { name: 'fuseflow-backend-light', version: '2.0.0', apiVersion: 1, kind: 'backend', id: 'light',
        defaultOptions: { speed: 1 }, aliases: { lite: { speed: 0 } }, register() {} } };`,
    );
    const heavy = path.join(dir, 'plugins', 'pass-heavy');
    fs.mkdirSync(heavy, { recursive: true });
    fs.writeFileSync(path.join(heavy, 'package.json'), JSON.stringify({ name: 'fuseflow-pass-heavy', version: '1.0.0', main: 'index.js', fuseflow: { kind: 'pass', id: 'heavy', commands: [] } }));
    fs.writeFileSync(path.join(heavy, 'index.js'), "module.exports = { name: 'fuseflow-pass-heavy', version: '1.0.0', apiVersion: 1, kind: 'pass', id: 'heavy', register() {} };");
    return dir;
  }

  it('finds plugins without importing any, and knows kind, id, aliases and commands from metadata', () => {
    const loader = new PluginLoader({ baseDir: workspace() });
    const found = loader.discover();
    expect(found.filter((c) => c.loaded).map((c) => c.packageName)).toEqual([]);
    const light = found.find((c) => c.packageName === 'fuseflow-backend-light')!;
    expect(light.meta).toEqual({ kind: 'backend', id: 'light', aliases: ['lite'], commands: [{ name: 'light-cmd', description: 'does light things', args: ['<x>'] }], plugin: './plugin' });
    // the repository's own plugins are found the same way (their package.json carry the metadata)
    const fusion = found.find((c) => c.packageName === '@fuseflow/pass-fusion')!;
    expect(fusion.meta).toMatchObject({ kind: 'pass', id: 'fusion', commands: [] });
    expect(fusion.loaded).toBe(false);
    // reading `plugin` imports that one plugin, through its "./plugin" subpath, not its main entry
    expect(light.plugin?.version).toBe('2.0.0');
    expect(light.error).toBeUndefined();
    expect(found.filter((c) => c.loaded).map((c) => c.packageName)).toEqual(['fuseflow-backend-light']);
  });

  it('resolves a short id or alias by metadata, importing only the plugin that answers to it', () => {
    const loader = new PluginLoader({ baseDir: workspace() });
    const lite = loader.resolve('lite', 'backend', '/backend/use');
    expect(lite.id).toBe('lite');
    expect(lite.defaultOptions).toEqual({ speed: 0 });
    expect(loader.discover().filter((c) => c.loaded).map((c) => c.packageName)).toEqual(['fuseflow-backend-light']);
  });

  it('ignores malformed metadata (the plugin is imported to learn the same) and a missing subpath falls back to the main entry', () => {
    const dir = workspace();
    const heavy = path.join(dir, 'plugins', 'pass-heavy', 'package.json');
    fs.writeFileSync(heavy, JSON.stringify({ name: 'fuseflow-pass-heavy', version: '1.0.0', main: 'index.js', fuseflow: { kind: 'passes', id: 'heavy', plugin: './nowhere' } }));
    const loader = new PluginLoader({ baseDir: dir });
    const c = loader.discover().find((x) => x.packageName === 'fuseflow-pass-heavy')!;
    expect(c.meta).toBeUndefined();
    expect(c.plugin?.id).toBe('heavy');
    fs.writeFileSync(heavy, JSON.stringify({ name: 'fuseflow-pass-heavy', version: '1.0.0', main: 'index.js', fuseflow: { kind: 'pass', id: 'heavy', plugin: './nowhere' } }));
    expect(new PluginLoader({ baseDir: dir }).resolve('heavy', 'pass', '/passes/0/use').id).toBe('heavy');
  });
});
