import * as fs from 'node:fs';
import * as path from 'node:path';
import { container as rootContainer, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { FuseFlowError, isFuseFlowError } from './errors';
import { createKernelEmitter, type KernelEmitter } from './events';
import { normalisePasses, readManifestFile, validateManifest, type Manifest, type PluginUse } from './manifest';
import { clone, deepFreeze, deepMerge } from './merge';
import { parsePassPipeline } from './pass-pipeline';
import { PluginLoader } from './plugin-loader';
import { resolvePluginOptions } from './plugin-options';
import {
  BACKEND,
  FRONTEND,
  PASS,
  PIPELINE_RUNNER,
  REPORTER,
  SEARCHER,
  type Backend,
  type Diagnostic,
  type Frontend,
  type FuseFlowPlugin,
  type IrModule,
  type Pass,
  type PipelineRunner,
  type PluginKind,
  type Report,
  type Reporter,
  type RunContext,
  type SearchResult,
  type Searcher,
} from './plugin';

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
  /** text form of IR modules for instrument.printIrAfter (default: JSON). */
  printIr?: (m: IrModule) => string;
  /** IR verifier run after the frontend and every pass unless instrument.verify is false; throws on a broken invariant. */
  verifyIr?: (m: IrModule) => void;
  /** run only these configurations (by name). */
  configurations?: string[];
  /** merged into `search.options` (CLI --budget/--resume). */
  searchOptions?: Record<string, unknown>;
}

/** An error as recorded in RunResult / results.json. */
export interface RunError {
  code: string;
  message: string;
  path?: string;
  suggestion?: string;
  plugin?: string;
  hook?: string;
  pluginCode?: string;
}

/** Per-pass record of one run. */
export interface PassRecord {
  pass: string;
  ms: number;
  stats?: Record<string, number>;
}

/** One pipeline run (one configuration). */
export interface RunRecord {
  configuration?: string;
  report?: Report;
  error?: RunError;
  /** wall time of the whole pipeline (ms). */
  ms?: number;
  passes?: PassRecord[];
}

/** What runManifest returns (never throws for manifest, plugin or run errors: see `error`). */
export interface RunResult {
  ok: boolean;
  outDir: string;
  /** path of the written manifest.resolved.json ('' if the manifest never resolved). */
  resolvedManifestPath: string;
  runs: RunRecord[];
  search?: SearchResult;
  error?: RunError;
  /** files written by reporters (absolute paths). */
  files?: string[];
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

/** Record form of any thrown value. */
export function toRunError(e: unknown): RunError {
  if (isFuseFlowError(e)) {
    const out: RunError = { code: e.code, message: e.message };
    for (const k of ['path', 'suggestion', 'plugin', 'hook', 'pluginCode'] as const) if (e[k] !== undefined) out[k] = e[k];
    return out;
  }
  const x = e as NodeJS.ErrnoException;
  // Writing into a folder that cannot take it is the user's setup, not a bug: no stack trace.
  if (x instanceof Error && typeof x.code === 'string' && UNWRITABLE_ERRNOS.has(x.code) && WRITE_SYSCALLS.has(x.syscall ?? '')) {
    return { code: 'FF_OUTPUT_UNWRITABLE', message: `cannot write ${x.path ?? 'the output'}: ${x.code} (${x.syscall})`, suggestion: 'choose another folder with --out, or make this one a writable directory' };
  }
  return { code: 'FF_INTERNAL', message: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}

/**
 * Rollup-style: every call into a plugin goes through here, so an error names the plugin and hook
 * (FF_PLUGIN_ERROR, keeping the plugin's own code as pluginCode and the error as cause).
 */
export async function callPluginHook<T>(plugin: FuseFlowPlugin, hook: string, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw wrapPluginError(e, plugin, hook);
  }
}

function wrapPluginError(e: unknown, plugin: FuseFlowPlugin, hook: string): FuseFlowError {
  // Errors from a nested call (a searcher's sub-pipeline) already name their plugin.
  if (isFuseFlowError(e) && e.code === 'FF_PLUGIN_ERROR' && e.plugin) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: unknown }).code;
  const pluginCode = typeof code === 'string' ? code : undefined;
  return new FuseFlowError('FF_PLUGIN_ERROR', `[plugin ${plugin.name}] hook "${hook}" failed${pluginCode ? ` (${pluginCode})` : ''}: ${err.message}`, {
    plugin: plugin.name,
    hook,
    pluginCode,
    // the plugin's hint (e.g. which option raises a limit) is for the user, keep it
    ...(isFuseFlowError(err) && err.suggestion ? { suggestion: err.suggestion } : {}),
    cause: err,
  });
}

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
  if (opts.searchOptions && m.search) m.search = { ...m.search, options: deepMerge(m.search.options ?? {}, opts.searchOptions) };
  const name = m.name ?? (file ? path.basename(file).replace(/\.json$/i, '') : 'run');
  const loader = new PluginLoader({ baseDir, extraPlugins: m.plugins });
  const resolved = resolvePlan(m, loader, opts.configurations);
  return { ...resolved, manifest: deepFreeze(m), name, seed: m.seed ?? 1, baseDir, loader, file };
}

function resolveUse(loader: PluginLoader, u: PluginUse, kind: PluginKind, jsonPath: string): ResolvedUse {
  const plugin = loader.resolve(u.use, kind, `${jsonPath}/use`);
  return { use: u.use, plugin, options: resolvePluginOptions(plugin, u.options, jsonPath), jsonPath };
}

function resolvePlan(m: Manifest, loader: PluginLoader, only?: string[]): Pick<ResolvedManifest, 'pipelines' | 'search' | 'reporters'> {
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

function defaultOutDir(r: { name: string; baseDir: string }, m: Manifest, opts: RunManifestOptions): string {
  if (opts.outDir) return path.resolve(opts.outDir);
  if (m.outDir) return path.resolve(r.baseDir, m.outDir);
  return path.join(r.baseDir, 'out', safeName(r.name));
}

function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, jsonReplacer, 2) + '\n');
  fs.renameSync(tmp, file);
}

/** Typed arrays are written as plain arrays; the rest is standard JSON. */
function jsonReplacer(_k: string, v: unknown): unknown {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}

let runCounter = 0;

/** Where and how one pipeline runs (see runPipeline / compilePipeline). */
export interface PipelineEnv {
  seed: number;
  baseDir: string;
  outDir: string;
  events: KernelEmitter;
  /** container the run's child container is created from (default: tsyringe's root). */
  parent?: DependencyContainer;
  printIrAfter?: string[];
  printIr?: (m: IrModule) => string;
  verifyIr?: (m: IrModule) => void;
  /** prefix of the runId in events (a counter is appended) ... */
  idPrefix?: string;
  /** ... or the exact runId to use. */
  runId?: string;
}

/** Register one plugin use into a container and return the contribution it added under `token`. */
async function contribute<T>(c: DependencyContainer, u: ResolvedUse, token: InjectionToken<T>, tokenName: string): Promise<T> {
  const count = () => (c.isRegistered(token, false) ? c.resolveAll(token).length : 0);
  const before = count();
  await callPluginHook(u.plugin, 'register', () => u.plugin.register(c, clone(u.options)));
  const all = c.isRegistered(token, false) ? c.resolveAll(token) : [];
  if (all.length <= before) {
    throw new FuseFlowError('FF_PLUGIN_ERROR', `[plugin ${u.plugin.name}] hook "register" added no ${tokenName} contribution (a ${u.plugin.kind} plugin must call container.register(${tokenName}, ...))`, {
      plugin: u.plugin.name,
      hook: 'register',
      path: u.jsonPath,
    });
  }
  return all[before];
}

function makeContext(env: PipelineEnv, c: DependencyContainer, runId: string, configuration: string | undefined, statSink: { current?: Record<string, number> }): RunContext {
  fs.mkdirSync(env.outDir, { recursive: true });
  return {
    seed: env.seed,
    baseDir: env.baseDir,
    outDir: env.outDir,
    events: env.events,
    container: c,
    configuration,
    shared: new Map(),
    diagnostic: (d: Diagnostic) => env.events.emit('diagnostic', { ...d, runId }),
    progress: (p) => env.events.emit('progress', { ...p, runId }),
    stat: (name: string, value: number) => {
      if (statSink.current) statSink.current[name] = (statSink.current[name] ?? 0) + value;
    },
  };
}

function checkStage(ir: unknown, plugin: FuseFlowPlugin, hook: string): IrModule {
  const m = ir as IrModule;
  if (!m || typeof m !== 'object' || typeof m.stage !== 'string') {
    throw new FuseFlowError('FF_PLUGIN_ERROR', `[plugin ${plugin.name}] hook "${hook}" returned ${m === undefined ? 'undefined' : typeof m} instead of an IR module ({ stage, ... })`, { plugin: plugin.name, hook });
  }
  return m;
}

/**
 * Default text form of an IR module (JSON, typed arrays as lists). The kernel does not depend on
 * @fuseflow/ir (which depends on the kernel); hosts that have its printers pass `printIr`.
 */
export function printIr(m: IrModule): string {
  return JSON.stringify(m, jsonReplacer, 2);
}

/** MLIR-style: verify the IR right after the plugin that produced it, so a broken invariant names that plugin. */
function verify(env: PipelineEnv, ir: IrModule, plugin: FuseFlowPlugin, hook: string): void {
  if (!env.verifyIr) return;
  try {
    env.verifyIr(ir);
  } catch (e) {
    const err = e as Error & { code?: unknown };
    throw new FuseFlowError('FF_PLUGIN_ERROR', `[plugin ${plugin.name}] hook "${hook}" produced invalid '${ir.stage}' IR: ${err.message}`, {
      plugin: plugin.name,
      hook: 'verify',
      pluginCode: typeof err.code === 'string' ? err.code : undefined,
      cause: e,
    });
  }
}

/** Run one resolved pipeline in a fresh child container: frontend -> passes -> backend. */
export async function runPipeline(p: ResolvedPipeline, env: PipelineEnv): Promise<{ report: Report; passes: PassRecord[] }> {
  const r = await executePipeline(p, env, true);
  return { report: r.report!, passes: r.passes };
}

/** Frontend and passes only (no backend): the compiled IR module, e.g. for `fuseflow validate --print-ir`. */
export async function compilePipeline(p: ResolvedPipeline, env: PipelineEnv): Promise<{ ir: IrModule; passes: PassRecord[] }> {
  const r = await executePipeline(p, env, false);
  return { ir: r.ir, passes: r.passes };
}

async function executePipeline(p: ResolvedPipeline, env: PipelineEnv, withBackend: boolean): Promise<{ ir: IrModule; report?: Report; passes: PassRecord[] }> {
  const c = (env.parent ?? rootContainer).createChildContainer();
  const runId = env.runId ?? `${env.idPrefix ?? 'run'}#${++runCounter}`;
  const statSink: { current?: Record<string, number> } = {};
  const ctx = makeContext(env, c, runId, p.configuration, statSink);
  const frontend = await contribute<Frontend>(c, p.frontend, FRONTEND, 'FRONTEND');
  const passes: Array<{ u: ResolvedUse; pass: Pass }> = [];
  for (const u of p.passes) passes.push({ u, pass: await contribute<Pass>(c, u, PASS, 'PASS') });
  const backend = withBackend ? await contribute<Backend>(c, p.backend, BACKEND, 'BACKEND') : undefined;

  let ir = checkStage(await callPluginHook(p.frontend.plugin, 'load', () => frontend.load(ctx)), p.frontend.plugin, 'load');
  verify(env, ir, p.frontend.plugin, 'load');
  const records: PassRecord[] = [];
  for (let i = 0; i < passes.length; i++) {
    const { u, pass } = passes[i];
    if (pass.reads && pass.reads !== '*' && pass.reads !== ir.stage) {
      throw new FuseFlowError('FF_STAGE_MISMATCH', `${u.jsonPath}: pass "${u.plugin.id}" reads the '${pass.reads}' stage, but the IR is at the '${ir.stage}' stage here (check the pass order)`, { path: u.jsonPath, plugin: u.plugin.name });
    }
    env.events.emit('pass:start', { runId, pass: u.plugin.id, index: i });
    statSink.current = {};
    const t0 = performance.now();
    const out = checkStage(await callPluginHook(u.plugin, 'run', () => pass.run(ir, ctx)), u.plugin, 'run');
    const ms = performance.now() - t0;
    const stats = statSink.current;
    statSink.current = undefined;
    if (pass.writes && pass.writes !== '*' && out.stage !== pass.writes) {
      throw new FuseFlowError('FF_STAGE_MISMATCH', `${u.jsonPath}: pass "${u.plugin.id}" declares that it writes '${pass.writes}' but returned a '${out.stage}' module`, { path: u.jsonPath, plugin: u.plugin.name });
    }
    verify(env, out, u.plugin, 'run');
    ir = out;
    const hasStats = Object.keys(stats).length > 0;
    records.push({ pass: u.plugin.id, ms, ...(hasStats ? { stats } : {}) });
    env.events.emit('pass:end', { runId, pass: u.plugin.id, index: i, ms, ...(hasStats ? { stats } : {}) });
    const pia = env.printIrAfter;
    if (pia && (pia.includes('all') || pia.includes(u.plugin.id) || pia.includes(u.use))) {
      const f = path.join(env.outDir, 'ir', `${String(i).padStart(2, '0')}-${u.plugin.id}.txt`);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, (env.printIr ?? printIr)(ir) + '\n');
    }
  }
  if (!backend) return { ir, passes: records };
  const consumes = backend.consumes ?? [];
  if (consumes.length && !consumes.includes(ir.stage)) {
    throw new FuseFlowError('FF_STAGE_MISMATCH', `${p.backend.jsonPath}: backend "${p.backend.plugin.id}" consumes ${consumes.map((s) => `'${s}'`).join(' or ')}, but the pipeline ends at the '${ir.stage}' stage (add a lowering pass?)`, { path: p.backend.jsonPath, plugin: p.backend.plugin.name });
  }
  const report = await callPluginHook(p.backend.plugin, 'run', () => backend.run(ir, ctx));
  if (!report || typeof report !== 'object' || typeof report.metrics !== 'object' || report.metrics === null) {
    throw new FuseFlowError('FF_PLUGIN_ERROR', `[plugin ${p.backend.plugin.name}] hook "run" returned no report ({ backend, metrics, ... })`, { plugin: p.backend.plugin.name, hook: 'run' });
  }
  return { ir, report: { ...report, backend: report.backend ?? p.backend.plugin.id }, passes: records };
}

/** Longest file-name component written for a user-chosen name (file systems allow 255 bytes). */
const MAX_NAME_CHARS = 100;

/**
 * A user-chosen name (manifest or configuration) as one path component that stays inside its
 * folder: only [A-Za-z0-9_.-], no leading dot (so never '.', '..' or hidden), at most 100
 * characters (a long name keeps a hash of the whole so that two long names stay apart).
 */
export function safeName(s: string): string {
  let out = s.replace(/[^\w.-]+/g, '_').replace(/^\.+/, (d) => '_'.repeat(d.length));
  if (out.length > MAX_NAME_CHARS) {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    out = `${out.slice(0, MAX_NAME_CHARS - 9)}-${h.toString(16).padStart(8, '0')}`;
  }
  return out || '_';
}

const UNWRITABLE_ERRNOS = new Set(['ENOTDIR', 'EACCES', 'EPERM', 'EROFS', 'EEXIST', 'ENOSPC', 'EISDIR']);
/** syscalls that only ever write (an `open` may be a read, so it stays FF_INTERNAL). */
const WRITE_SYSCALLS = new Set(['mkdir', 'rename', 'write', 'mkdtemp', 'copyfile', 'symlink', 'unlink']);

/** An fs error from creating or writing the output folder, as FF_OUTPUT_UNWRITABLE naming the path. */
function outputUnwritable(e: unknown, outDir: string): unknown {
  const x = e as NodeJS.ErrnoException;
  if (!x || typeof x.code !== 'string' || !UNWRITABLE_ERRNOS.has(x.code)) return e;
  return new FuseFlowError('FF_OUTPUT_UNWRITABLE', `cannot write the output folder ${outDir}: ${x.code}${x.path && x.path !== outDir ? ` (${x.path})` : ''}`, {
    suggestion: 'choose another folder with --out, or make this one a writable directory',
  });
}

/**
 * Run a manifest (a file path, or a manifest object with opts.baseDir): every configuration's
 * pipeline, or the searcher when `search` is present; reporters get all reports. Writes
 * manifest.resolved.json up front and results.json after every run into the output folder.
 * Never throws for manifest, plugin or run errors: they come back in `error` (and per run).
 */
export async function runManifest(manifest: string | Manifest, opts: RunManifestOptions = {}): Promise<RunResult> {
  const events = opts.events ?? createKernelEmitter();
  let resolved: ResolvedManifest & { file?: string };
  try {
    resolved = resolveManifest(manifest, opts);
  } catch (e) {
    const base = typeof manifest === 'string' ? path.dirname(path.resolve(manifest)) : path.resolve(opts.baseDir ?? process.cwd());
    const name = typeof manifest === 'string' ? path.basename(manifest).replace(/\.json$/i, '') : (manifest as Manifest)?.name ?? 'run';
    return { ok: false, outDir: opts.outDir ? path.resolve(opts.outDir) : path.join(base, 'out', safeName(String(name))), resolvedManifestPath: '', runs: [], error: toRunError(e) };
  }
  const outDir = defaultOutDir(resolved, resolved.manifest, opts);
  const resolvedManifestPath = path.join(outDir, 'manifest.resolved.json');
  try {
    fs.mkdirSync(outDir, { recursive: true });
    writeJsonAtomic(resolvedManifestPath, describeResolved(resolved));
  } catch (e) {
    return { ok: false, outDir, resolvedManifestPath: '', runs: [], error: toRunError(outputUnwritable(e, outDir)) };
  }

  const result: RunResult = { ok: true, outDir, resolvedManifestPath, runs: [] };
  const resultsFile = path.join(outDir, 'results.json');
  const save = () =>
    writeJsonAtomic(resultsFile, { name: resolved.name, manifest: resolved.file ?? null, seed: resolved.seed, ok: result.ok, runs: result.runs, ...(result.search ? { search: result.search } : {}), ...(result.error ? { error: result.error } : {}), ...(result.files ? { files: result.files } : {}) });
  const fail = (e: RunError) => {
    result.ok = false;
    result.error ??= e;
  };
  const printIrAfter = resolved.manifest.instrument?.printIrAfter;
  const multi = resolved.pipelines.length > 1 || resolved.pipelines[0]?.configuration !== undefined;

  if (resolved.search) {
    await runSearch(resolved, { outDir, events, printIrAfter, verifyIr: resolved.manifest.instrument?.verify === false ? undefined : opts.verifyIr }, result).catch((e) => fail(toRunError(e)));
    save();
  } else {
    for (const p of resolved.pipelines) {
      const runOut = multi && p.configuration ? path.join(outDir, safeName(p.configuration)) : outDir;
      const runId = `${resolved.name}${p.configuration ? `/${p.configuration}` : ''}`;
      const t0 = performance.now();
      events.emit('run:start', { runId, manifest: resolved.file ?? '<manifest>', seed: resolved.seed, configuration: p.configuration });
      const record: RunRecord = { ...(p.configuration !== undefined ? { configuration: p.configuration } : {}) };
      try {
        const { report, passes } = await runPipeline(p, { seed: resolved.seed, baseDir: resolved.baseDir, outDir: runOut, events, parent: rootContainer, printIrAfter, printIr: opts.printIr, verifyIr: resolved.manifest.instrument?.verify === false ? undefined : opts.verifyIr, runId });
        record.report = report;
        record.passes = passes;
      } catch (e) {
        record.error = toRunError(e);
        fail(record.error);
      }
      record.ms = performance.now() - t0;
      result.runs.push(record);
      events.emit('run:end', { runId, ok: !record.error, ms: record.ms, ...(record.error ? { error: `${record.error.code}: ${record.error.message}` } : {}) });
      save();
    }
  }

  if (resolved.reporters.length) {
    const reports = result.runs.flatMap((r) => (r.report ? [r.report] : []));
    const c = rootContainer.createChildContainer();
    const ctx = makeContext({ seed: resolved.seed, baseDir: resolved.baseDir, outDir, events, parent: c, idPrefix: 'report' }, c, `${resolved.name}/report`, undefined, {});
    for (const u of resolved.reporters) {
      try {
        const reporter = await contribute<Reporter>(c, u, REPORTER, 'REPORTER');
        const files = await callPluginHook(u.plugin, 'report', () => reporter.report({ reports, search: result.search }, ctx));
        (result.files ??= []).push(...(files ?? []));
      } catch (e) {
        fail(toRunError(e));
      }
    }
    save();
  }
  return result;
}

/** RunContext.shared keys a searcher finds: the manifest minus `search` (object) and its file path (or null). */
export const SEARCH_BASE_MANIFEST = 'search.baseManifest';
export const SEARCH_MANIFEST_FILE = 'search.manifestFile';

async function runSearch(r: ResolvedManifest & { file?: string }, env: { outDir: string; events: KernelEmitter; printIrAfter?: string[]; verifyIr?: (m: IrModule) => void }, result: RunResult): Promise<void> {
  const search = r.search!;
  const c = rootContainer.createChildContainer();
  const runId = `${r.name}/search`;
  const t0 = performance.now();
  env.events.emit('run:start', { runId, manifest: r.file ?? '<manifest>', seed: r.seed });
  // A sub-pipeline is the manifest minus its search block, with the searcher's overrides merged in.
  const baseManifest = clone(r.manifest) as Manifest;
  delete baseManifest.search;
  delete baseManifest.instrument;
  let evals = 0;
  const runner: PipelineRunner = {
    runPipeline: async (overrides: Record<string, unknown>, ctx: RunContext): Promise<Report[]> => {
      const merged = deepMerge(baseManifest, overrides) as Manifest;
      validateManifest(merged, '<search override>');
      const plan = resolvePlan(merged, r.loader);
      const reports: Report[] = [];
      for (const p of plan.pipelines) {
        const { report } = await runPipeline(p, { seed: merged.seed ?? ctx.seed, baseDir: r.baseDir, outDir: path.join(env.outDir, 'evals'), events: env.events, parent: c, verifyIr: env.verifyIr, idPrefix: `${runId}/eval${++evals}` });
        reports.push(report);
      }
      return reports;
    },
  };
  c.register(PIPELINE_RUNNER, { useValue: runner });
  // Searchers may inspect the manifest's pipeline contributions (e.g. a backend's designSpace).
  const first = r.pipelines[0];
  if (first) {
    await contribute<Frontend>(c, first.frontend, FRONTEND, 'FRONTEND');
    for (const u of first.passes) await contribute<Pass>(c, u, PASS, 'PASS');
    await contribute<Backend>(c, first.backend, BACKEND, 'BACKEND');
  }
  const searcher = await contribute<Searcher>(c, search, SEARCHER, 'SEARCHER');
  const ctx = makeContext({ seed: r.seed, baseDir: r.baseDir, outDir: env.outDir, events: env.events, parent: c, idPrefix: runId }, c, runId, undefined, {});
  // Searchers that run sub-pipelines in other processes (worker pools, queues) need the manifest itself.
  ctx.shared.set(SEARCH_BASE_MANIFEST, baseManifest);
  ctx.shared.set(SEARCH_MANIFEST_FILE, r.file ?? null);
  let error: RunError | undefined;
  try {
    result.search = await callPluginHook(search.plugin, 'search', () => searcher.search(ctx));
  } catch (e) {
    error = toRunError(e);
    throw e;
  } finally {
    env.events.emit('run:end', { runId, ok: !error, ms: performance.now() - t0, ...(error ? { error: `${error.code}: ${error.message}` } : {}) });
  }
}
