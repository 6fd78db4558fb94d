import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KernelEmitter } from './events';
import { FuseFlowError } from './errors';
import { normalisePasses, readManifestFile, validateManifest, type Manifest, type PluginUse } from './manifest';
import { clone, deepFreeze, deepMerge } from './merge';
import { parsePassPipeline } from './pass-pipeline';
import { PluginLoader } from './plugin-loader';
import { resolvePluginOptions } from './plugin-options';
import type { FuseFlowPlugin, IrModule, PluginKind } from './plugin';

/* Planning: a manifest (file or object) with its overrides, resolved and frozen before anything runs. */

/** Options of runManifest; each overrides the manifest's own setting. */
export interface RunManifestOptions {
  /** folder relative paths resolve against when `manifest` is an object (default: cwd). */
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
  baseDir: string;
  pipelines: ResolvedPipeline[];
  search?: ResolvedUse;
  reporters: ResolvedUse[];
  /** plugins available by id besides installed ones (manifest `plugins`). */
  loader: PluginLoader;
}

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
  let baseDir: string;
  let file: string | undefined;
  if (typeof manifest === 'string') {
    file = path.resolve(manifest);
    m = readManifestFile(file);
    baseDir = path.dirname(file);
  } else {
    m = clone(manifest);
    validateManifest(m, '<manifest>');
    baseDir = path.resolve(opts.baseDir ?? process.cwd());
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
  const resolved = resolvePlan(m, loader, opts.configurations);
  return { ...resolved, manifest: deepFreeze(m), name, seed: m.seed ?? 1, baseDir, loader, file };
}

export function resolveUse(loader: PluginLoader, u: PluginUse, kind: PluginKind, jsonPath: string): ResolvedUse {
  const plugin = loader.resolve(u.use, kind, `${jsonPath}/use`);
  return { use: u.use, plugin, options: resolvePluginOptions(plugin, u.options, jsonPath), jsonPath };
}

/** The pipelines, searcher and reporters of a manifest, each plugin resolved and its options validated. */
export function resolvePlan(m: Manifest, loader: PluginLoader, only?: string[]): Pick<ResolvedManifest, 'pipelines' | 'search' | 'reporters'> {
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
      const fe = deepMerge(m.frontend, c?.frontend) as PluginUse | undefined;
      const be = deepMerge(m.backend, c?.backend) as PluginUse | undefined;
      if (!fe?.use) throw new FuseFlowError('FF_MANIFEST_INVALID', `${at('frontend')}/use: a frontend is required${c ? ` (configuration "${c.name}")` : ''}`, { path: `${at('frontend')}/use` });
      if (!be?.use) throw new FuseFlowError('FF_MANIFEST_INVALID', `${at('backend')}/use: a backend is required${c ? ` (configuration "${c.name}")` : ''}`, { path: `${at('backend')}/use` });
      const passBase = c?.passes !== undefined ? `/configurations/${i}/passes` : '/passes';
      const passes = normalisePasses(c?.passes !== undefined ? c.passes : m.passes)
        .map((p, k) => ({ p, k }))
        .filter(({ p }) => p.enabled !== false)
        .map(({ p, k }) => resolveUse(loader, p, 'pass', `${passBase}/${k}`));
      pipelines.push({ configuration: c?.name, frontend: resolveUse(loader, fe, 'frontend', at('frontend')), passes, backend: resolveUse(loader, be, 'backend', at('backend')) });
    }
  }
  const search = m.search ? resolveUse(loader, m.search, 'searcher', '/search') : undefined;
  const reporters = (m.reporters ?? []).map((r, i) => resolveUse(loader, r, 'reporter', `/reporters/${i}`));
  return { pipelines, search, reporters };
}

/** JSON written as manifest.resolved.json: everything needed to reproduce the run. */
export function describeResolved(r: ResolvedManifest & { file?: string }): Record<string, unknown> {
  const u = (x: ResolvedUse) => ({ use: x.use, plugin: x.plugin.name, version: x.plugin.version, options: x.options });
  const pipe = (p: ResolvedPipeline) => ({ frontend: u(p.frontend), passes: p.passes.map(u), backend: u(p.backend) });
  return {
    $schema: r.manifest.$schema,
    version: 1,
    name: r.name,
    source: r.file ?? null,
    seed: r.seed,
    kernel: { name: '@fuseflow/kernel', version: KERNEL_VERSION },
    ...(r.pipelines.length === 1 && r.pipelines[0].configuration === undefined
      ? pipe(r.pipelines[0])
      : { configurations: r.pipelines.map((p) => ({ name: p.configuration, ...pipe(p) })) }),
    ...(r.search ? { search: u(r.search) } : {}),
    ...(r.reporters.length ? { reporters: r.reporters.map(u) } : {}),
    ...(r.manifest.instrument ? { instrument: r.manifest.instrument } : {}),
    ...(r.manifest.plugins ? { plugins: r.manifest.plugins } : {}),
  };
}

