import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KernelEmitter } from './events';
import { FuseFlowError } from './errors';
import { normalisePasses, readManifestFile, validateManifest, type Manifest, type PluginUse } from './manifest';
import { clone, deepFreeze, deepMerge } from './merge';
import { manifestBaseDir } from './output';
import { parsePassPipeline } from './pass-pipeline';
import { PluginLoader } from './plugin-loader';
import { resolvePluginOptions } from './plugin-options';
import type { Diagnostic, FuseFlowPlugin, IrModule, PluginKind } from './plugin';

/* Planning: a manifest (file or object) with its overrides, resolved and frozen before anything runs. */

/** Options of runManifest; each overrides the manifest's own setting. */
export interface RunManifestOptions {
  /**
   * folder of a manifest object (default: cwd): relative paths resolve against it, or against the
   * manifest's own `baseDir` taken relative to it.
   */
  baseDir?: string;
  /** output folder (default: manifest outDir, else <manifest dir>/out/<name>). */
  outDir?: string;
  seed?: number;
  /** pass-pipeline string replacing the manifest's passes (and every configuration's). */
  passes?: string;
  events?: KernelEmitter;
  /** passes (ids or `use` names, or 'all') after which to write the IR as text; replaces instrument.printIrAfter. */
  printIrAfter?: string[];
  /** fallback text form of IR modules of a stage no plugin defines (default: JSON). */
  printIr?: (m: IrModule) => string;
  /**
   * extra verifier run after every producing hook besides the stages' own (unless
   * instrument.verify is false); throws on a broken invariant.
   */
  verifyIr?: (m: IrModule) => void;
  /** run only these configurations (by name). */
  configurations?: string[];
  /** merged into `search.options` (CLI --budget/--resume). */
  searchOptions?: Record<string, unknown>;
}

/** A plugin with its validated options, at a manifest path. */
export interface ResolvedUse {
  use: string;
  plugin: FuseFlowPlugin;
  options: Record<string, unknown>;
  jsonPath: string;
}

/** One pipeline, fully resolved: what a configuration runs. */
export interface ResolvedPipeline {
  configuration?: string;
  frontend: ResolvedUse;
  passes: ResolvedUse[];
  backend: ResolvedUse;
}

/** The whole manifest, resolved and frozen before anything runs. */
export interface ResolvedManifest {
  manifest: Manifest;
  name: string;
  seed: number;
  /** folder relative paths in options, `plugins` and `use` resolve against (manifest `baseDir`, else manifestDir). */
  baseDir: string;
  /** folder of the manifest file (opts.baseDir or cwd for an object): `outDir` and the default output folder are relative to it. */
  manifestDir: string;
  /** found while resolving (a recorded version that is not the installed one); Session.run emits them as 'diagnostic' events. */
  warnings: Diagnostic[];
  pipelines: ResolvedPipeline[];
  search?: ResolvedUse;
  reporters: ResolvedUse[];
  /** plugins available by id besides installed ones (manifest `plugins`). */
  loader: PluginLoader;
}

const KERNEL_NAME = '@fuseflow/kernel';
const KERNEL_VERSION: string = (() => {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
})();

/** Load (if a path), validate and resolve a manifest with the overrides applied; throws FuseFlowError. */
export function resolveManifest(manifest: string | Manifest, opts: RunManifestOptions = {}): ResolvedManifest & { file?: string } {
  let m: Manifest;
  let manifestDir: string;
  let file: string | undefined;
  if (typeof manifest === 'string') {
    file = path.resolve(manifest);
    m = readManifestFile(file);
    manifestDir = path.dirname(file);
  } else {
    m = clone(manifest);
    validateManifest(m, '<manifest>');
    manifestDir = path.resolve(opts.baseDir ?? process.cwd());
  }
  const baseDir = manifestBaseDir(m, manifestDir);
  // A recorded baseDir that is gone (the resolved manifest moved to another machine) would
  // otherwise surface later as some input file "not found" with no hint why.
  if (m.baseDir !== undefined && !fs.statSync(baseDir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new FuseFlowError('FF_MANIFEST_INVALID', `${file ?? '<manifest>'}: /baseDir: folder ${baseDir} does not exist (relative paths in options resolve against it)`, {
      path: '/baseDir',
      suggestion: "set /baseDir to the folder holding the manifest's input files, or remove it to use the manifest's own folder",
    });
  }
  const warnings: Diagnostic[] = [];
  if (m.kernel && m.kernel.version !== KERNEL_VERSION) {
    warnings.push({ severity: 'warning', path: '/kernel/version', message: `/kernel/version: the manifest was resolved by ${m.kernel.name}@${m.kernel.version}, running ${KERNEL_NAME}@${KERNEL_VERSION}; results may differ` });
  }
  if (opts.seed !== undefined) m.seed = opts.seed;
  if (opts.passes !== undefined) {
    m.passes = parsePassPipeline(opts.passes);
    for (const c of m.configurations ?? []) delete c.passes;
  }
  if (opts.printIrAfter !== undefined) m.instrument = { ...m.instrument, printIrAfter: opts.printIrAfter };
  if (opts.searchOptions && m.search) m.search = { ...m.search, options: deepMerge(m.search.options ?? {}, opts.searchOptions) };
  const name = m.name ?? (file ? path.basename(file).replace(/\.json$/i, '') : 'run');
  const loader = new PluginLoader({ baseDir, extraPlugins: m.plugins });
  const resolved = resolvePlan(m, loader, opts.configurations, warnings);
  return { ...resolved, manifest: deepFreeze(m), name, seed: m.seed ?? 1, baseDir, manifestDir, warnings, loader, file };
}

/**
 * Resolve a use and check what a resolved manifest recorded of it: another package behind `use` is
 * an error (a different plugin would run), another version only a warning pushed to `warnings`.
 */
export function resolveUse(loader: PluginLoader, u: PluginUse, kind: PluginKind, jsonPath: string, warnings?: Diagnostic[]): ResolvedUse {
  const plugin = loader.resolve(u.use, kind, `${jsonPath}/use`);
  if (u.plugin !== undefined && u.plugin !== plugin.name) {
    throw new FuseFlowError('FF_MANIFEST_INVALID', `${jsonPath}/plugin: "${u.use}" resolves to ${plugin.name}@${plugin.version}, but the manifest records ${u.plugin}`, {
      path: `${jsonPath}/plugin`,
      plugin: plugin.name,
      suggestion: `install ${u.plugin} (or name it in ${jsonPath}/use), or remove ${jsonPath}/plugin to run ${plugin.name}`,
    });
  }
  // A top-level use shared by several configurations is resolved once per configuration: warn once.
  if (u.version !== undefined && u.version !== plugin.version && !warnings?.some((w) => w.path === `${jsonPath}/version`)) {
    warnings?.push({ severity: 'warning', plugin: plugin.name, path: `${jsonPath}/version`, message: `${jsonPath}/version: the manifest records ${plugin.name}@${u.version}, installed is ${plugin.version}; results may differ` });
  }
  return { use: u.use, plugin, options: resolvePluginOptions(plugin, u.options, jsonPath), jsonPath };
}

/** The pipelines, searcher and reporters of a manifest, each plugin resolved and its options validated. */
export function resolvePlan(m: Manifest, loader: PluginLoader, only?: string[], warnings?: Diagnostic[]): Pick<ResolvedManifest, 'pipelines' | 'search' | 'reporters'> {
  const confs = m.configurations ?? [];
  if (only) {
    const names = new Set(confs.map((c) => c.name));
    const missing = only.filter((n) => !names.has(n));
    if (missing.length) {
      throw new FuseFlowError('FF_MANIFEST_INVALID', `/configurations: no configuration named ${missing.map((n) => `"${n}"`).join(', ')} (have: ${[...names].join(', ') || 'none'})`, { path: '/configurations' });
    }
  }
  const selected = confs.map((c, i) => ({ c, i })).filter(({ c }) => !only || only.includes(c.name));
  const pipelines: ResolvedPipeline[] = [];
  const hasPipeline = m.frontend || m.backend || confs.length > 0 || !m.search;
  if (hasPipeline) {
    const list = confs.length ? selected : [{ c: undefined, i: -1 }];
    for (const { c, i } of list) {
      const at = (key: string) => (c && (c as unknown as Record<string, unknown>)[key] !== undefined ? `/configurations/${i}/${key}` : `/${key}`);
      const fe = mergeUse(m.frontend, c?.frontend);
      const be = mergeUse(m.backend, c?.backend);
      if (!fe?.use) throw new FuseFlowError('FF_MANIFEST_INVALID', `${at('frontend')}/use: a frontend is required${c ? ` (configuration "${c.name}")` : ''}`, { path: `${at('frontend')}/use` });
      if (!be?.use) throw new FuseFlowError('FF_MANIFEST_INVALID', `${at('backend')}/use: a backend is required${c ? ` (configuration "${c.name}")` : ''}`, { path: `${at('backend')}/use` });
      const passBase = c?.passes !== undefined ? `/configurations/${i}/passes` : '/passes';
      const passes = normalisePasses(c?.passes !== undefined ? c.passes : m.passes)
        .map((p, k) => ({ p, k }))
        .filter(({ p }) => p.enabled !== false)
        .map(({ p, k }) => resolveUse(loader, p, 'pass', `${passBase}/${k}`, warnings));
      pipelines.push({ configuration: c?.name, frontend: resolveUse(loader, fe, 'frontend', at('frontend'), warnings), passes, backend: resolveUse(loader, be, 'backend', at('backend'), warnings) });
    }
  }
  const search = m.search ? resolveUse(loader, m.search, 'searcher', '/search', warnings) : undefined;
  const reporters = (m.reporters ?? []).map((r, i) => resolveUse(loader, r, 'reporter', `/reporters/${i}`, warnings));
  return { pipelines, search, reporters };
}

/**
 * A plugin use with an override merged over it (options deep-merged). An override naming another
 * plugin drops the recorded `plugin`/`version`, which were the base plugin's.
 */
export function mergeUse(base: PluginUse | undefined, over: Partial<PluginUse> | undefined): PluginUse | undefined {
  if (base && over?.use !== undefined && over.use !== base.use) {
    const { plugin: _p, version: _v, ...rest } = base;
    void _p, _v;
    return deepMerge(rest, over) as PluginUse;
  }
  return deepMerge(base, over) as PluginUse | undefined;
}

/** A `$schema` path relative to the manifest's folder made absolute: the resolved file lives elsewhere. */
function schemaFrom(schema: string | undefined, manifestDir: string): string | undefined {
  if (schema === undefined || /^[A-Za-z][A-Za-z0-9+.-]+:/.test(schema) || path.isAbsolute(schema)) return schema;
  return path.resolve(manifestDir, schema);
}

/**
 * JSON written as manifest.resolved.json: everything needed to reproduce the run, itself a manifest
 * (`fuseflow run <out>/manifest.resolved.json`). `baseDir` is absolute so relative option paths
 * resolve as they did, wherever the file is run from; `plugin`/`version` are checked on re-run.
 */
export function describeResolved(r: ResolvedManifest & { file?: string }): Record<string, unknown> {
  const u = (x: ResolvedUse) => ({ use: x.use, plugin: x.plugin.name, version: x.plugin.version, options: x.options });
  const pipe = (p: ResolvedPipeline) => ({ frontend: u(p.frontend), passes: p.passes.map(u), backend: u(p.backend) });
  return {
    $schema: schemaFrom(r.manifest.$schema, r.manifestDir),
    version: 1,
    name: r.name,
    source: r.file ?? null,
    baseDir: r.baseDir,
    seed: r.seed,
    kernel: { name: KERNEL_NAME, version: KERNEL_VERSION },
    ...(r.pipelines.length === 1 && r.pipelines[0].configuration === undefined
      ? pipe(r.pipelines[0])
      : { configurations: r.pipelines.map((p) => ({ name: p.configuration, ...pipe(p) })) }),
    ...(r.search ? { search: u(r.search) } : {}),
    ...(r.reporters.length ? { reporters: r.reporters.map(u) } : {}),
    ...(r.manifest.instrument ? { instrument: r.manifest.instrument } : {}),
    ...(r.manifest.plugins ? { plugins: r.manifest.plugins } : {}),
  };
}

