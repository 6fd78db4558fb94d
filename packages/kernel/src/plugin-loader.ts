import { deepMerge } from './merge';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FuseFlowError, isFuseFlowError } from './errors';
import { PLUGIN_API_VERSION, type FuseFlowPlugin, type PluginKind } from './plugin';
import { didYouMean } from './suggest';

/** A CLI sub-command as a plugin's package.json declares it (enough for `fuseflow --help`). */
export interface PluginCommandMetadata {
  name: string;
  description: string;
  /** positional arguments, e.g. ['<graph>']. */
  args?: string[];
}

/**
 * The `fuseflow` field of a plugin's package.json: what discovery needs to know about a plugin
 * without importing it (importing every plugin costs more than most commands run for).
 */
export interface PluginMetadata {
  kind: PluginKind;
  id: string;
  /** other short ids the plugin answers to (its `aliases` keys). */
  aliases?: string[];
  /**
   * the CLI sub-commands it contributes. Absent means "unknown": the plugin is imported when the
   * command list is needed; `[]` says it contributes none.
   */
  commands?: PluginCommandMetadata[];
  /** subpath export holding the plugin object (e.g. "./plugin"), lighter than the package's main entry. */
  plugin?: string;
}

/** A package (or file) that may hold a FuseFlow plugin, as found by discovery. */
export interface PluginCandidate {
  /** npm package name, or the path when loaded from a file/folder without a package name. */
  packageName: string;
  /** absolute, symlink-resolved folder (or file) it was loaded from. */
  location: string;
  origin: 'node_modules' | 'workspace' | 'manifest';
  /** the package.json `fuseflow` field when well-formed: known without importing the plugin. */
  meta?: PluginMetadata;
  /** the plugin object; reading it (or `error`) imports the plugin on first access. */
  readonly plugin?: FuseFlowPlugin;
  /** why this package is not usable (failed to import, not a plugin, wrong apiVersion). */
  readonly error?: string;
  /** whether the plugin module has been imported (reading `plugin`/`error` imports it). */
  readonly loaded: boolean;
}

/** Validated `fuseflow` field of a package.json, or undefined when absent or malformed. */
export function readPluginMetadata(pkg: Record<string, unknown> | undefined): PluginMetadata | undefined {
  const f = pkg?.fuseflow as Record<string, unknown> | undefined;
  if (!f || typeof f !== 'object' || typeof f.id !== 'string' || !KINDS.includes(f.kind as PluginKind)) return undefined;
  const strings = (x: unknown) => Array.isArray(x) && x.every((s) => typeof s === 'string');
  if (f.aliases !== undefined && !strings(f.aliases)) return undefined;
  if (f.plugin !== undefined && typeof f.plugin !== 'string') return undefined;
  if (f.commands !== undefined) {
    const ok = Array.isArray(f.commands) && f.commands.every((c: Record<string, unknown>) => c && typeof c.name === 'string' && typeof c.description === 'string' && (c.args === undefined || strings(c.args)));
    if (!ok) return undefined;
  }
  return f as unknown as PluginMetadata;
}

/** Discovery result whose plugin module is imported only when `plugin` or `error` is read. */
class LazyCandidate implements PluginCandidate {
  private state?: { plugin?: FuseFlowPlugin; error?: string };

  constructor(
    readonly packageName: string,
    readonly location: string,
    readonly origin: PluginCandidate['origin'],
    readonly meta: PluginMetadata | undefined,
    private readonly importer: () => { plugin?: FuseFlowPlugin; error?: string },
  ) {}

  get loaded(): boolean {
    return this.state !== undefined;
  }

  get plugin(): FuseFlowPlugin | undefined {
    return (this.state ??= this.importer()).plugin;
  }

  get error(): string | undefined {
    return (this.state ??= this.importer()).error;
  }

  /** Plain-data view (JSON.stringify does not see getters). */
  toJSON(): Record<string, unknown> {
    return { packageName: this.packageName, location: this.location, origin: this.origin, meta: this.meta, plugin: this.plugin, error: this.error };
  }
}

/** Whether a candidate answers to a short id, judged from its metadata when it has some. */
function mayAnswerTo(c: PluginCandidate, use: string): boolean {
  if (!c.meta) return true;
  return c.meta.id === use || (c.meta.aliases ?? []).includes(use);
}

export interface PluginLoaderOptions {
  /** folder relative `use` paths and `plugins` entries resolve against (the manifest's folder). */
  baseDir: string;
  /** extra packages or paths to load and make available by id (manifest `plugins`). */
  extraPlugins?: string[];
}

const KINDS: PluginKind[] = ['frontend', 'pass', 'backend', 'searcher', 'reporter'];
const PLUGIN_PACKAGE = /(^|\/)(fuseflow-)?(frontend|pass|backend|searcher|reporter)-[^/]+$/;
/** Pre-filter of package.json text: a PLUGIN_PACKAGE name contains one of these. */
const KIND_IN_TEXT = /(frontend|pass|backend|searcher|reporter)-/;

/** Structural check of a default export (a plugin is plain data plus `register`). */
export function isPluginShape(x: unknown): x is FuseFlowPlugin {
  const p = x as FuseFlowPlugin;
  return !!p && typeof p === 'object' && typeof p.register === 'function' && typeof p.id === 'string' && typeof p.kind === 'string';
}

/** The plugin object a module exports: its default export, or the module itself. */
export function pluginFromModule(mod: unknown): FuseFlowPlugin | undefined {
  const m = mod as { default?: unknown };
  if (m && isPluginShape(m.default)) return m.default;
  if (isPluginShape(mod)) return mod;
  return undefined;
}

let tsRegistered = false;
/** Running from compiled JS, a workspace plugin without a build is loaded from its sources (Nx-style). */
function ensureTypeScriptLoader(fromDir: string): void {
  if (tsRegistered || (require as { extensions?: Record<string, unknown> }).extensions?.['.ts']) return;
  const tsNode = require.resolve('ts-node', { paths: [fromDir, process.cwd(), __dirname] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(tsNode).register({ transpileOnly: true, skipProject: true, compilerOptions: { module: 'commonjs', experimentalDecorators: true, emitDecoratorMetadata: true, target: 'es2022', esModuleInterop: true } });
  tsRegistered = true;
}

/** Export condition naming a package's TypeScript entry; custom so that no bundler or runtime selects it by default (the sources are not published). */
const SOURCE_CONDITION = '@fuseflow/source';

/** When the kernel itself runs from TypeScript sources (tests, ts-node), load plugins from theirs too. */
const RUNNING_FROM_SOURCE = __filename.endsWith('.ts');

/**
 * Entry file of a package folder (or of one of its subpath exports, e.g. "./plugin"): `@fuseflow/source`
 * source when running from source, else the build, else the source.
 */
export function packageEntry(dir: string, subpath = '.'): string {
  const pkg = readPackageJson(dir);
  const exp = pkg?.exports as Record<string, unknown> | undefined;
  if (subpath !== '.') {
    const sub = exp && typeof exp === 'object' ? (exp[subpath] as Record<string, unknown> | string | undefined) : undefined;
    const dev = sub && typeof sub === 'object' && typeof sub[SOURCE_CONDITION] === 'string' ? path.join(dir, sub[SOURCE_CONDITION] as string) : undefined;
    if (RUNNING_FROM_SOURCE && dev && fs.existsSync(dev)) return dev;
    const built = typeof sub === 'string' ? sub : sub && typeof sub === 'object' ? ((sub.require ?? sub.default) as string | undefined) : undefined;
    if (built && fs.existsSync(path.join(dir, built))) return path.join(dir, built);
    if (dev && fs.existsSync(dev)) return dev;
    // a subpath the package does not export: fall back to its main entry
  }
  const dot = (exp && typeof exp === 'object' && '.' in exp ? exp['.'] : exp) as Record<string, unknown> | string | undefined;
  const dev = dot && typeof dot === 'object' && typeof dot[SOURCE_CONDITION] === 'string' ? path.join(dir, dot[SOURCE_CONDITION] as string) : undefined;
  if (RUNNING_FROM_SOURCE && dev && fs.existsSync(dev)) return dev;
  const built = typeof dot === 'string' ? dot : dot && typeof dot === 'object' ? ((dot.require ?? dot.default) as string | undefined) : undefined;
  for (const rel of [built, pkg?.main as string | undefined, 'index.js']) {
    if (!rel) continue;
    const f = path.join(dir, rel);
    if (fs.existsSync(f)) return f;
  }
  if (dev && fs.existsSync(dev)) return dev;
  const src = path.join(dir, 'src', 'index.ts');
  if (fs.existsSync(src)) return src;
  return path.join(dir, (pkg?.main as string) ?? 'index.js');
}

function readPackageJson(dir: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Import a plugin module from a file or package folder; FF_PLUGIN_ERROR (hook "import") if it throws. */
export function importPlugin(location: string, label: string): FuseFlowPlugin | undefined {
  let file = location;
  // A package may name a lighter module holding just the plugin object (package.json fuseflow.plugin).
  if (fs.statSync(location).isDirectory()) file = packageEntry(location, readPluginMetadata(readPackageJson(location))?.plugin ?? '.');
  if (file.endsWith('.ts') && !RUNNING_FROM_SOURCE) ensureTypeScriptLoader(path.dirname(file));
  let mod: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(file);
  } catch (e) {
    throw new FuseFlowError('FF_PLUGIN_ERROR', `[plugin ${label}] failed to import ${file}: ${(e as Error).message}`, {
      plugin: label,
      hook: 'import',
      pluginCode: (e as { code?: string }).code,
      cause: e,
    });
  }
  return pluginFromModule(mod);
}

/** Check apiVersion (Babel's assertVersion): an unknown contract version is refused. */
export function checkApiVersion(plugin: FuseFlowPlugin, jsonPath: string): void {
  if (plugin.apiVersion !== PLUGIN_API_VERSION) {
    throw new FuseFlowError(
      'FF_PLUGIN_API_VERSION',
      `${jsonPath}: plugin ${plugin.name} declares apiVersion ${JSON.stringify(plugin.apiVersion)}, but this kernel supports apiVersion ${PLUGIN_API_VERSION}`,
      { path: jsonPath, plugin: plugin.name, suggestion: `upgrade ${plugin.name} or @fuseflow/kernel so their plugin API versions match` },
    );
  }
}

function parentsOf(start: string): string[] {
  const out: string[] = [];
  let d = path.resolve(start);
  for (;;) {
    out.push(d);
    const up = path.dirname(d);
    if (up === d) return out;
    d = up;
  }
}

function realpath(p: string): string {
  try {
    return fs.realpathSync.native(p);
  } catch {
    return p;
  }
}

/** Entry names of a folder ([] when it is missing or not a folder). */
function listNames(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function listDirs(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() || e.isSymbolicLink()).map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

/**
 * Finds and loads plugins the way a manifest names them: by short id among installed plugins
 * (node_modules/@fuseflow/*, fuseflow-* packages, the workspace's plugins/*, manifest `plugins`),
 * by package name, or by path relative to the manifest. Misses say what was tried and suggest the
 * closest id (Babel-style).
 */
export class PluginLoader {
  private readonly baseDir: string;
  private readonly extra: string[];
  private discovered?: PluginCandidate[];
  private extraLoaded?: PluginCandidate[];
  private readonly resolved = new Map<string, FuseFlowPlugin>();

  constructor(opts: PluginLoaderOptions) {
    this.baseDir = path.resolve(opts.baseDir);
    this.extra = opts.extraPlugins ?? [];
  }

  /** Folders searched for installed packages: node_modules up from the manifest, the cwd and the kernel itself. */
  nodeModulesDirs(): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const start of [this.baseDir, process.cwd(), realpath(__dirname)]) {
      for (const d of parentsOf(start)) {
        const nm = path.join(d, 'node_modules');
        if (!seen.has(nm) && fs.existsSync(nm)) {
          seen.add(nm);
          out.push(nm);
        }
      }
    }
    return out;
  }

  /** npm-workspace roots above the manifest, the cwd or the kernel (their plugins/* hold workspace sources). */
  workspaceRoots(): string[] {
    const out = new Set<string>();
    for (const start of [this.baseDir, process.cwd(), realpath(__dirname)]) {
      for (const d of parentsOf(start)) {
        const pkg = readPackageJson(d);
        if (pkg && Array.isArray(pkg.workspaces)) out.add(d);
      }
    }
    return [...out];
  }

  /**
   * Every plugin package found; broken ones carry `error` instead of `plugin`. Finding reads only
   * package.json files: a candidate's module is imported when its `plugin` or `error` is read.
   */
  discover(): PluginCandidate[] {
    if (this.discovered) return this.discovered;
    const byLocation = new Map<string, PluginCandidate>();
    const consider = (dir: string, origin: PluginCandidate['origin']) => {
      let text: string;
      try {
        text = fs.readFileSync(path.join(dir, 'package.json'), 'utf8');
      } catch {
        return;
      }
      // node_modules holds hundreds of packages: only a "fuseflow" field or a <kind>-<id> name
      // makes a plugin, so skip the others before resolving links and parsing JSON
      if (!text.includes('fuseflow') && !KIND_IN_TEXT.test(text)) return;
      const real = realpath(dir);
      if (byLocation.has(real)) return;
      let pkg: Record<string, unknown>;
      try {
        pkg = JSON.parse(text);
      } catch {
        return;
      }
      if (typeof pkg.name !== 'string') return;
      if (!pkg.fuseflow && !PLUGIN_PACKAGE.test(pkg.name)) return;
      byLocation.set(real, this.candidate(real, pkg.name, origin, readPluginMetadata(pkg)));
    };
    for (const c of this.loadExtra()) byLocation.set(c.location, c);
    for (const root of this.workspaceRoots()) for (const d of listDirs(path.join(root, 'plugins'))) consider(d, 'workspace');
    for (const nm of this.nodeModulesDirs()) {
      for (const name of listNames(nm)) {
        if (name.startsWith('@')) for (const s of listNames(path.join(nm, name))) consider(path.join(nm, name, s), 'node_modules');
        else if (name.startsWith('fuseflow-')) consider(path.join(nm, name), 'node_modules');
      }
    }
    this.discovered = [...byLocation.values()].sort((a, b) => a.packageName.localeCompare(b.packageName));
    return this.discovered;
  }

  private candidate(location: string, packageName: string, origin: PluginCandidate['origin'], meta: PluginMetadata | undefined): PluginCandidate {
    return new LazyCandidate(packageName, location, origin, meta, () => {
      try {
        const plugin = importPlugin(location, packageName);
        if (!plugin) return { error: 'does not default-export a FuseFlow plugin ({ kind, id, register, ... })' };
        if (plugin.apiVersion !== PLUGIN_API_VERSION) return { plugin, error: `apiVersion ${plugin.apiVersion} is not supported (kernel: ${PLUGIN_API_VERSION})` };
        return { plugin };
      } catch (e) {
        const cause = (e as { cause?: Error }).cause;
        return { error: (cause ?? (e as Error)).message.split('\n')[0] };
      }
    });
  }

  /** Manifest `plugins` entries, found on disk (imported lazily, like discovered ones). */
  private loadExtra(): PluginCandidate[] {
    if (this.extraLoaded) return this.extraLoaded;
    this.extraLoaded = this.extra.map((spec, i) => {
      const loc = this.locate(spec, []);
      if (!loc) return new LazyCandidate(spec, spec, 'manifest', undefined, () => ({ error: `/plugins/${i}: not found (${spec})` }));
      const meta = fs.statSync(loc.location).isDirectory() ? readPluginMetadata(readPackageJson(loc.location)) : undefined;
      return this.candidate(loc.location, loc.packageName, 'manifest', meta);
    });
    return this.extraLoaded;
  }

  /** Find a path or package name on disk (no import); `tried` collects what was looked at. */
  private locate(spec: string, tried: string[]): { location: string; packageName: string } | undefined {
    const bare = spec.startsWith('module:') ? spec.slice('module:'.length) : spec;
    if (!spec.startsWith('module:') && (spec.startsWith('.') || path.isAbsolute(spec))) {
      const abs = path.resolve(this.baseDir, spec);
      for (const f of [abs, `${abs}.js`, `${abs}.ts`]) {
        if (fs.existsSync(f)) {
          const real = realpath(f);
          return { location: real, packageName: (readPackageJson(real)?.name as string | undefined) ?? spec };
        }
      }
      tried.push(`path ${abs}`);
      return undefined;
    }
    for (const nm of this.nodeModulesDirs()) {
      const d = path.join(nm, bare);
      if (fs.existsSync(path.join(d, 'package.json'))) return { location: realpath(d), packageName: bare };
    }
    for (const root of this.workspaceRoots()) {
      for (const d of listDirs(path.join(root, 'plugins'))) {
        if (readPackageJson(d)?.name === bare) return { location: realpath(d), packageName: bare };
      }
    }
    tried.push(`package ${bare}`);
    return undefined;
  }

  /**
   * Resolve a manifest `use` for the expected kind. Throws FF_PLUGIN_NOT_FOUND,
   * FF_PLUGIN_KIND_MISMATCH, FF_PLUGIN_API_VERSION or FF_PLUGIN_ERROR (import failed).
   */
  resolve(use: string, kind: PluginKind, jsonPath: string): FuseFlowPlugin {
    // A searcher resolves the same names for every evaluation: remember successful lookups.
    const key = `${kind}\0${use}`;
    const cached = this.resolved.get(key);
    if (cached) return cached;
    const plugin = this.resolveUncached(use, kind, jsonPath);
    this.resolved.set(key, plugin);
    return plugin;
  }

  private resolveUncached(use: string, kind: PluginKind, jsonPath: string): FuseFlowPlugin {
    const tried: string[] = [];
    const isPath = use.startsWith('.') || path.isAbsolute(use);
    const isPackage = isPath || use.startsWith('module:') || use.includes('/') || use.startsWith('@');
    // Plugins listed in the manifest's `plugins` win over installed ones with the same id.
    if (!isPackage) {
      const hit = this.loadExtra().find((c) => mayAnswerTo(c, use) && c.plugin && answersTo(c.plugin, use) && c.plugin.kind === kind);
      if (hit?.plugin) return this.accept(asAlias(hit.plugin, use), kind, jsonPath, use);
    }
    const names = isPackage ? [use] : [`@fuseflow/${kind}-${use}`, `fuseflow-${kind}-${use}`];
    for (const name of names) {
      const loc = this.locate(name, tried);
      if (!loc) continue;
      let plugin: FuseFlowPlugin | undefined;
      try {
        plugin = importPlugin(loc.location, loc.packageName);
      } catch (e) {
        if (isFuseFlowError(e)) throw new FuseFlowError(e.code, `${jsonPath}: ${e.message}`, { path: jsonPath, plugin: e.plugin, hook: e.hook, pluginCode: e.pluginCode, cause: e.cause });
        throw e;
      }
      if (!plugin) {
        throw new FuseFlowError('FF_PLUGIN_NOT_FOUND', `${jsonPath}: "${use}" resolved to ${loc.location}, which does not default-export a FuseFlow plugin ({ name, version, apiVersion, kind, id, register })`, { path: jsonPath });
      }
      return this.accept(plugin, kind, jsonPath, use);
    }
    if (!isPackage) {
      const all = this.discover();
      // metadata rules candidates out without importing them; the rest are imported to ask
      const sameId = all.filter((c) => mayAnswerTo(c, use) && c.plugin && answersTo(c.plugin, use));
      const hit = sameId.find((c) => c.plugin!.kind === kind) ?? sameId[0];
      if (hit?.plugin) return this.accept(asAlias(hit.plugin, use), kind, jsonPath, use);
      tried.push(`short id "${use}" among ${all.filter((c) => c.plugin).length} installed plugins`);
    }
    const usable = this.discover().filter((c) => c.plugin && !c.error);
    const ofKind = usable.filter((c) => c.plugin!.kind === kind).map((c) => c.plugin!.id);
    const guess = didYouMean(use.replace(/^.*\//, ''), ofKind) ?? didYouMean(use, usable.map((c) => c.plugin!.id));
    const broken = this.discover().filter((c) => c.error && (c.packageName.endsWith(`-${use}`) || c.packageName === use));
    const brokenNote = broken.length ? `; note: ${broken.map((c) => `${c.packageName} is installed but unusable (${c.error})`).join('; ')}` : '';
    throw new FuseFlowError(
      'FF_PLUGIN_NOT_FOUND',
      `${jsonPath}: no ${kind} plugin "${use}". Tried: ${tried.join(', ')}${brokenNote}. Installed ${kind} plugins: ${ofKind.join(', ') || '(none)'}`,
      { path: jsonPath, suggestion: guess ? `did you mean "${guess}"?` : `install a package that provides it, or list its path in the manifest's "plugins"` },
    );
  }

  private accept(plugin: FuseFlowPlugin, kind: PluginKind, jsonPath: string, use: string): FuseFlowPlugin {
    checkApiVersion(plugin, jsonPath);
    if (!KINDS.includes(plugin.kind)) {
      throw new FuseFlowError('FF_PLUGIN_KIND_MISMATCH', `${jsonPath}: plugin ${plugin.name} has unknown kind "${plugin.kind}" (expected one of ${KINDS.join(', ')})`, { path: jsonPath, plugin: plugin.name });
    }
    if (plugin.kind !== kind) {
      const where = jsonPath.split('/')[1] ?? kind;
      throw new FuseFlowError(
        'FF_PLUGIN_KIND_MISMATCH',
        `${jsonPath}: "${use}" is a ${plugin.kind} plugin (${plugin.name}), but a ${kind} plugin is expected here`,
        { path: jsonPath, plugin: plugin.name, suggestion: `move it under "${plugin.kind === 'pass' ? 'passes' : plugin.kind === 'reporter' ? 'reporters' : plugin.kind === 'searcher' ? 'search' : plugin.kind}" instead of "${where}"` },
      );
    }
    return plugin;
  }
}

/** Whether a plugin answers to a short id: its own id or one of its aliases. */
function answersTo(plugin: FuseFlowPlugin, use: string): boolean {
  return plugin.id === use || Object.prototype.hasOwnProperty.call(plugin.aliases ?? {}, use);
}

/**
 * The plugin as seen through an alias: same contributions, the alias's option defaults merged over
 * the plugin's (e.g. "boshcode" = the boshnas searcher with mode "codesign").
 */
function asAlias(plugin: FuseFlowPlugin, use: string): FuseFlowPlugin {
  if (plugin.id === use || !plugin.aliases?.[use]) return plugin;
  return { ...plugin, id: use, defaultOptions: deepMerge(plugin.defaultOptions ?? {}, plugin.aliases[use]) };
}
