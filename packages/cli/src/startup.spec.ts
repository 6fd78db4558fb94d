import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { importPlugin, packageEntry, pluginFromModule, readPluginMetadata } from '@fuseflow/kernel';

const ROOT = path.join(__dirname, '..', '..', '..');
const PLUGINS = path.join(ROOT, 'plugins');

/** Run the CLI from sources in a fresh node process; returns its output and the files it loaded. */
function runLoaded(args: string[]): { code: number; out: string[]; err: string[]; modules: string[] } {
  const r = spawnSync(process.execPath, ['--conditions=@fuseflow/source', '-r', '@swc-node/register', path.join(__dirname, '__fixtures__', 'loaded-modules.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, SWC_NODE_PROJECT: path.join(__dirname, '..', 'tsconfig.spec.json') },
  });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Workspace packages (folder under packages/ or plugins/) and npm packages among the loaded files. */
function packagesOf(modules: string[]): Set<string> {
  const out = new Set<string>();
  for (const m of modules) {
    const nm = m.match(/node_modules\/((@[^/]+\/)?[^/]+)\/[^]*$/);
    if (nm && !/node_modules\/@fuseflow\//.test(m)) out.add(nm[1].split('/node_modules/').pop()!);
    const ws = path.relative(ROOT, m).match(/^(packages|plugins)\/([^/]+)\//);
    if (ws) out.add(`${ws[1]}/${ws[2]}`);
  }
  return out;
}

/** Files of packages/report among the loaded ones, relative to the repository. */
const reportModules = (modules: string[]) => modules.map((m) => path.relative(ROOT, m)).filter((m) => m.startsWith(`packages${path.sep}report${path.sep}`));
const FORMAT = path.join('packages', 'report', 'src', 'format.ts');

describe('start-up: a command loads only the plugins it needs', () => {
  const simulate = ['simulate', '--expr', 'X(i,j) = B(i,k) * C(k,j)', '--format', 'B=csr', '--format', 'C=csr', '--gen', 'B=uniform:32x32:0.1:seed=1', '--gen', 'C=uniform:32x32:0.1:seed=2'];
  const heavy = [
    'plugins/searcher-boshnas', 'plugins/searcher-dse', 'plugins/frontend-pytorch', 'plugins/backend-systolic', 'plugins/backend-estimate',
    'plugins/pass-fusion', 'plugins/pass-parallelize', 'plugins/pass-dataflow-order', 'plugins/pass-sparsity-blocking', 'packages/executor', 'packages/plots',
    '@tensorflow/tfjs', '@tensorflow/tfjs-core', 'protobufjs', 'onnx-proto', 'bullmq', 'ioredis', 'cli-progress', 'vega', 'vega-lite',
  ];

  it('simulate (no --report) loads frontend-expr, lower-sam and rda-sim, and no other plugin or heavy library', () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-startup-'));
    const r = runLoaded([...simulate, '--out', outDir]);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/^cycles: \d+\nvalues checked: yes/);
    const loaded = packagesOf(r.modules);
    for (const p of ['plugins/frontend-expr', 'plugins/pass-lower-sam', 'plugins/backend-rda-sim', 'packages/kernel', 'packages/ir', 'ajv']) expect(loaded).toContain(p);
    // the report writer and its layout engine only when a report is written (the tables' number formatter is shared)
    expect([...heavy, 'elkjs'].filter((p) => loaded.has(p))).toEqual([]);
    expect(reportModules(r.modules)).toEqual([FORMAT]);
    expect(fs.existsSync(path.join(outDir, 'report.html'))).toBe(false);
    // rda-sim through its "./plugin" entry: its index (protobuf import/export) stays unloaded
    expect(r.modules.filter((m) => m.includes(`backend-rda-sim${path.sep}src${path.sep}`)).map((m) => path.basename(m))).not.toContain('proto.ts');
  });

  it('simulate --report adds the report writer and ELK, and still no chart library or other plugin', () => {
    const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-startup-'));
    const r = runLoaded([...simulate, '--out', outDir, '--report']);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toContain(`report: ${path.join(outDir, 'report.html')} (`);
    const loaded = packagesOf(r.modules);
    expect(loaded).toContain('elkjs');
    expect(reportModules(r.modules)).toEqual(expect.arrayContaining([FORMAT, path.join('packages', 'report', 'src', 'report.ts')]));
    expect(heavy.filter((p) => loaded.has(p))).toEqual([]);
  });

  it('--help lists every plugin command without importing any plugin, ajv or tsyringe', () => {
    const r = runLoaded(['--help']);
    expect(r.code).toBe(0);
    const help = r.out.join('\n');
    for (const line of [/\n {2}simulate \[options\] +simulate one index-notation statement/, /\n {2}comal-sim \[options\] <graph> /, /\n {2}experiment \[options\] <id> /, /\n {2}worker \[options\] /, /\n {2}import \[options\] <model> /]) {
      expect(help).toMatch(line);
    }
    const loaded = [...packagesOf(r.modules)];
    expect(loaded.filter((p) => p.startsWith('plugins/') || ['ajv', 'tsyringe', 'packages/ir', 'elkjs'].includes(p))).toEqual([]);
    // of the report package only its number formatter (one module, no imports), which the tables share
    expect(reportModules(r.modules)).toEqual([FORMAT]);
  });
});

describe("plugins' package.json metadata", () => {
  // Discovery trusts the `fuseflow` field instead of importing plugins: it must say what the plugin says.
  for (const dir of fs.readdirSync(PLUGINS).filter((d) => fs.existsSync(path.join(PLUGINS, d, 'package.json')))) {
    it(`${dir}: kind, id, aliases and commands match the plugin object`, () => {
      const location = path.join(PLUGINS, dir);
      const pkg = JSON.parse(fs.readFileSync(path.join(location, 'package.json'), 'utf8'));
      const meta = readPluginMetadata(pkg);
      expect(meta).toBeDefined();
      const plugin = importPlugin(location, pkg.name)!;
      expect({ kind: meta!.kind, id: meta!.id, aliases: meta!.aliases ?? [] }).toEqual({ kind: plugin.kind, id: plugin.id, aliases: Object.keys(plugin.aliases ?? {}) });
      expect(meta!.commands).toEqual((plugin.commands ?? []).map((c) => ({ name: c.name, description: c.description, ...(c.args?.length ? { args: c.args } : {}) })));
      // a lighter plugin entry must hold the very object the package's main entry exports
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      if (meta!.plugin) expect(pluginFromModule(require(packageEntry(location)))).toBe(plugin);
    });
  }
});
