import * as fs from 'node:fs';
import * as path from 'node:path';
import { container as rootContainer, type DependencyContainer, type InjectionToken } from 'tsyringe';
import { FuseFlowError, isFuseFlowError } from './errors';
import { createKernelEmitter, type KernelEmitter } from './events';
import { validateManifest, type Manifest, type PluginUse } from './manifest';
import { clone, deepFreeze, deepMerge } from './merge';
import { defaultOutDir, outputUnwritable, printIr as printJson, safeName, toRunError, writeJsonAtomic } from './output';
import { describeResolved, mergeUse, resolveManifest, resolvePlan, resolveUse, type ResolvedManifest, type ResolvedPipeline, type ResolvedUse, type RunManifestOptions } from './plan';
import { PluginLoader } from './plugin-loader';
import {
  BACKEND,
  FRONTEND,
  PASS,
  REPORTER,
  RUNNER,
  SEARCHER,
  type Backend,
  type Diagnostic,
  type Frontend,
  type FuseFlowPlugin,
  type IrModule,
  type Pass,
  type Report,
  type Reporter,
  type RunContext,
  type Runner,
  type Searcher,
  type SubRunOptions,
} from './plugin';
import type { PassRecord, RunError, RunRecord, RunResult } from './results';
import { STAGE, type StageDefinition } from './stages';

/* Running: a Session owns one resolved manifest and is the only way any pipeline runs. */

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

/** How a session checks and prints IR (MLIR: instrumentation belongs to the pass manager). */
interface Instrumentation {
  /** verify after every producing hook (manifest instrument.verify, default true). */
  verify: boolean;
  /** host verifier run besides the stages' own. */
  verifyIr?: (m: IrModule) => void;
  /** text form of modules of a stage no plugin defines. */
  printIr?: (m: IrModule) => string;
  printIrAfter?: readonly string[];
}

/** Where and how one pipeline runs. */
interface PipelineEnv {
  seed: number;
  baseDir: string;
  outDir: string;
  events: KernelEmitter;
  /** container the run's child container is created from: the session's. */
  parent: DependencyContainer;
  instrument: Instrumentation;
  runId: string;
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

function makeContext(env: { seed: number; baseDir: string; outDir: string; events: KernelEmitter }, c: DependencyContainer, runId: string, configuration: string | undefined, statSink: { current?: Record<string, number> }): RunContext {
  fs.mkdirSync(env.outDir, { recursive: true });
  return {
    seed: env.seed,
    baseDir: env.baseDir,
    outDir: env.outDir,
    events: env.events,
    container: c,
    configuration,
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

/** The definition of a stage contributed in this container (or a parent), if any plugin defines it. */
export function stageDefinition(c: DependencyContainer, name: string): StageDefinition | undefined {
  if (!c.isRegistered(STAGE, true)) return undefined;
  return c.resolveAll(STAGE).find((s) => s.name === name);
}

/** Text form of a module: its stage's printer, else the host's fallback, else JSON. */
export function printModule(c: DependencyContainer, m: IrModule, fallback?: (m: IrModule) => string): string {
  const def = stageDefinition(c, m.stage);
  return def ? def.print(m) : (fallback ?? printJson)(m);
}

/**
 * MLIR-style: verify the IR right after the plugin that produced it, so a broken invariant names
 * that plugin; then tell instrumentation listeners (--dot) what was produced.
 */
function produced(env: PipelineEnv, c: DependencyContainer, ir: IrModule, plugin: FuseFlowPlugin, hook: string, configuration: string | undefined): void {
  if (env.instrument.verify) {
    try {
      stageDefinition(c, ir.stage)?.verify(ir);
      env.instrument.verifyIr?.(ir);
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
  env.events.emit('ir:after', { runId: env.runId, configuration, plugin: plugin.name, hook, module: ir });
}

/** Frontend and passes, then the backend when `withBackend`; in a fresh child of the session container. */
async function executePipeline(p: ResolvedPipeline, env: PipelineEnv, withBackend: boolean): Promise<{ ir: IrModule; report?: Report; passes: PassRecord[]; container: DependencyContainer }> {
  const c = env.parent.createChildContainer();
  const runId = env.runId;
  const statSink: { current?: Record<string, number> } = {};
  const ctx = makeContext(env, c, runId, p.configuration, statSink);
  const frontend = await contribute<Frontend>(c, p.frontend, FRONTEND, 'FRONTEND');
  const passes: Array<{ u: ResolvedUse; pass: Pass }> = [];
  for (const u of p.passes) passes.push({ u, pass: await contribute<Pass>(c, u, PASS, 'PASS') });
  const backend = withBackend ? await contribute<Backend>(c, p.backend, BACKEND, 'BACKEND') : undefined;

  let ir = checkStage(await callPluginHook(p.frontend.plugin, 'load', () => frontend.load(ctx)), p.frontend.plugin, 'load');
  produced(env, c, ir, p.frontend.plugin, 'load', p.configuration);
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
    produced(env, c, out, u.plugin, 'run', p.configuration);
    ir = out;
    const hasStats = Object.keys(stats).length > 0;
    records.push({ pass: u.plugin.id, ms, ...(hasStats ? { stats } : {}) });
    env.events.emit('pass:end', { runId, pass: u.plugin.id, index: i, ms, ...(hasStats ? { stats } : {}) });
    const pia = env.instrument.printIrAfter;
    if (pia && (pia.includes('all') || pia.includes(u.plugin.id) || pia.includes(u.use))) {
      const f = path.join(env.outDir, 'ir', `${String(i).padStart(2, '0')}-${u.plugin.id}.txt`);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      fs.writeFileSync(f, printModule(c, ir, env.instrument.printIr) + '\n');
      env.events.emit('ir:printed', { runId, pass: u.plugin.id, index: i, file: f });
    }
  }
  if (!backend) return { ir, passes: records, container: c };
  const report = await runBackend(backend, p.backend.plugin, p.backend.jsonPath, ir, ctx);
  return { ir, report, passes: records, container: c };
}

/** A backend run on a module at a stage it consumes, its report checked. */
async function runBackend(backend: Backend, plugin: FuseFlowPlugin, jsonPath: string, ir: IrModule, ctx: RunContext): Promise<Report> {
  const consumes = backend.consumes ?? [];
  if (consumes.length && !consumes.includes(ir.stage)) {
    throw new FuseFlowError('FF_STAGE_MISMATCH', `${jsonPath}: backend "${plugin.id}" consumes ${consumes.map((s) => `'${s}'`).join(' or ')}, but the pipeline ends at the '${ir.stage}' stage (add a lowering pass?)`, { path: jsonPath, plugin: plugin.name });
  }
  const report = await callPluginHook(plugin, 'run', () => backend.run(ir, ctx));
  if (!report || typeof report !== 'object' || typeof report.metrics !== 'object' || report.metrics === null) {
    throw new FuseFlowError('FF_PLUGIN_ERROR', `[plugin ${plugin.name}] hook "run" returned no report ({ backend, metrics, ... })`, { plugin: plugin.name, hook: 'run' });
  }
  return { ...report, backend: report.backend ?? plugin.id };
}

/** What a runner needs from its session (or from a host without a manifest). */
interface RunnerScope {
  baseManifest: Manifest;
  manifestFile: string | null;
  baseDir: string;
  outDir: string;
  loader: PluginLoader;
  /** the container searchers' contributions live in (backends found here are reused). */
  container: DependencyContainer;
  /** plugin of each backend instance contributed in `container` (names it in errors). */
  backendPlugins: Map<Backend, FuseFlowPlugin>;
  events: KernelEmitter;
  instrument: Instrumentation;
  runId: string;
}

let evalCounter = 0;

/** The runner service (RUNNER) of a session: nested runs re-enter the kernel with the same checks. */
class SessionRunner implements Runner {
  private readonly backends = new Map<string, { backend: Backend; plugin: FuseFlowPlugin }>();

  constructor(private readonly scope: RunnerScope) {}

  get baseManifest(): Manifest {
    return this.scope.baseManifest;
  }

  get manifestFile(): string | null {
    return this.scope.manifestFile;
  }

  async runPipeline(overrides: Record<string, unknown>, ctx: RunContext): Promise<Report[]> {
    const s = this.scope;
    const merged = deepMerge(s.baseManifest, overrides) as Manifest;
    // an override naming another plugin must not inherit the recorded package of the base one
    for (const slot of ['frontend', 'backend'] as const) if (overrides[slot] !== undefined) merged[slot] = mergeUse(s.baseManifest[slot], overrides[slot] as Partial<PluginUse>);
    validateManifest(merged, '<search override>');
    const plan = resolvePlan(merged, s.loader);
    const reports: Report[] = [];
    for (const p of plan.pipelines) {
      const env: PipelineEnv = { seed: merged.seed ?? ctx.seed, baseDir: s.baseDir, outDir: path.join(s.outDir, 'evals'), events: s.events, parent: s.container, instrument: { ...s.instrument, printIrAfter: undefined }, runId: `${s.runId}/eval${++evalCounter}` };
      reports.push((await executePipeline(p, env, true)).report!);
    }
    return reports;
  }

  async run(manifest: Manifest | string, opts: SubRunOptions): Promise<RunResult> {
    const s = this.scope;
    const base = { baseDir: opts.baseDir ?? s.baseDir, ...(opts.outDir !== undefined ? { outDir: opts.outDir } : {}), ...(opts.seed !== undefined ? { seed: opts.seed } : {}), ...(opts.configurations ? { configurations: opts.configurations } : {}) };
    // a nested run has its own events: the parent's progress display stays the parent's
    const events = createKernelEmitter();
    if (opts.onIr) events.on('ir:after', opts.onIr);
    return runManifest(typeof manifest === 'string' ? path.resolve(base.baseDir, manifest) : manifest, { ...base, events, verifyIr: s.instrument.verify ? s.instrument.verifyIr : undefined, printIr: s.instrument.printIr, ...(s.instrument.verify ? {} : { verify: false }) });
  }

  async evaluate(ir: IrModule, use: PluginUse, ctx: RunContext, jsonPath = '/backend'): Promise<Report> {
    const { backend, plugin } = await this.backend(use, jsonPath);
    const m = checkStage(ir, plugin, 'evaluate');
    // the module was built by the caller (a searcher): verify it as if a hook had produced it
    produced({ seed: ctx.seed, baseDir: ctx.baseDir, outDir: ctx.outDir, events: this.scope.events, parent: this.scope.container, instrument: this.scope.instrument, runId: this.scope.runId }, ctx.container, m, plugin, 'evaluate', ctx.configuration);
    return runBackend(backend, plugin, jsonPath, m, ctx);
  }

  async designSpace(use: PluginUse, jsonPath = '/backend'): Promise<unknown> {
    return (await this.backend(use, jsonPath)).backend.designSpace;
  }

  /** The session's backend of this id when its pipeline contributed one, else the plugin `use` names. */
  private async backend(use: PluginUse, jsonPath: string): Promise<{ backend: Backend; plugin: FuseFlowPlugin }> {
    const s = this.scope;
    const key = JSON.stringify([use.use, use.options ?? {}]);
    const hit = this.backends.get(key);
    if (hit) return hit;
    const registered = s.container.isRegistered(BACKEND, true) ? s.container.resolveAll(BACKEND) : [];
    const own = registered.find((b) => b.id === use.use);
    let found: { backend: Backend; plugin: FuseFlowPlugin };
    if (own) {
      found = { backend: own, plugin: s.backendPlugins.get(own) ?? { name: own.id, version: '', apiVersion: 1, kind: 'backend', id: own.id, register: () => undefined } };
    } else {
      const u = resolveUse(s.loader, use, 'backend', jsonPath.replace(/\/use$/, ''));
      const child = s.container.createChildContainer();
      const backend = await contribute<Backend>(child, u, BACKEND, 'BACKEND');
      found = { backend: child.resolveAll(BACKEND).find((b) => b.id === use.use) ?? backend, plugin: u.plugin };
    }
    this.backends.set(key, found);
    return found;
  }
}

/** Options of createRunner: a runner for a host that runs manifests without one of its own. */
export interface HostRunnerOptions {
  /** folder relative paths resolve against (default: cwd). */
  baseDir?: string;
  /** container whose contributions (e.g. a backend) evaluate/designSpace reuse (default: a child of the root). */
  container?: DependencyContainer;
  events?: KernelEmitter;
}

/**
 * The runner service for a host without a session of its own (the CLI's plugin commands, executor
 * workers, tests): nested runs are sessions like any other.
 */
export function createRunner(opts: HostRunnerOptions = {}): Runner {
  const baseDir = path.resolve(opts.baseDir ?? process.cwd());
  const container = opts.container ?? rootContainer.createChildContainer();
  return new SessionRunner({ baseManifest: {}, manifestFile: null, baseDir, outDir: baseDir, loader: new PluginLoader({ baseDir }), container, backendPlugins: new Map(), events: opts.events ?? createKernelEmitter(), instrument: { verify: true }, runId: 'host' });
}

/** Options of Session.open: RunManifestOptions plus what only nested runs set. */
export interface SessionOptions extends RunManifestOptions {
  /** force verification off (a nested run of a session with instrument.verify false). */
  verify?: false;
}

/**
 * One run of one resolved manifest: the frozen manifest, the session container (child of the root,
 * holding RUNNER) and the events. runManifest = Session.open + run; searchers, commands and executor
 * workers run nested work through RUNNER, which opens sessions the same way.
 */
export class Session {
  readonly container: DependencyContainer;
  readonly events: KernelEmitter;
  readonly outDir: string;
  private readonly instrument: Instrumentation;
  private readonly backendPlugins = new Map<Backend, FuseFlowPlugin>();
  private readonly runner: SessionRunner;

  private constructor(readonly resolved: Readonly<ResolvedManifest & { file?: string }>, opts: SessionOptions) {
    this.events = opts.events ?? createKernelEmitter();
    // outDir is relative to the manifest's folder, not baseDir: re-running <out>/manifest.resolved.json
    // must not write into the original run's output folder
    this.outDir = defaultOutDir({ name: resolved.name, baseDir: resolved.manifestDir }, resolved.manifest, opts);
    this.container = rootContainer.createChildContainer();
    const instr = resolved.manifest.instrument;
    this.instrument = { verify: opts.verify !== false && instr?.verify !== false, verifyIr: opts.verifyIr, printIr: opts.printIr, printIrAfter: instr?.printIrAfter };
    // A sub-pipeline is the manifest minus its search block, with the searcher's overrides merged in.
    const baseManifest = clone(resolved.manifest) as Manifest;
    delete baseManifest.search;
    delete baseManifest.instrument;
    this.runner = new SessionRunner({
      baseManifest: deepFreeze(baseManifest),
      manifestFile: resolved.file ?? null,
      baseDir: resolved.baseDir,
      outDir: this.outDir,
      loader: resolved.loader,
      container: this.container,
      backendPlugins: this.backendPlugins,
      events: this.events,
      instrument: this.instrument,
      runId: `${resolved.name}/search`,
    });
    this.container.register(RUNNER, { useValue: this.runner });
  }

  /** Load, validate and resolve a manifest (throws FuseFlowError); nothing runs and nothing is written yet. */
  static open(manifest: string | Manifest, opts: SessionOptions = {}): Session {
    return new Session(resolveManifest(manifest, opts), opts);
  }

  /** Text form of a module: the stage's printer contributed in `c` (default: the session's), else JSON. */
  print(m: IrModule, c: DependencyContainer = this.container): string {
    return printModule(c, m, this.instrument.printIr);
  }

  /** Frontend and passes of one pipeline (no backend): the compiled IR, verified; e.g. `fuseflow validate --print-ir`. */
  async compile(p: ResolvedPipeline): Promise<{ ir: IrModule; passes: PassRecord[]; text: string }> {
    const r = await executePipeline(p, this.env(this.pipelineOutDir(p), `${this.runId(p)}/compile`), false);
    return { ir: r.ir, passes: r.passes, text: this.print(r.ir, r.container) };
  }

  /** Output folder of one pipeline: its configuration's subfolder when the manifest has configurations. */
  private pipelineOutDir(p: ResolvedPipeline): string {
    const multi = this.resolved.pipelines.length > 1 || this.resolved.pipelines[0]?.configuration !== undefined;
    return multi && p.configuration ? path.join(this.outDir, safeName(p.configuration)) : this.outDir;
  }

  private runId(p: ResolvedPipeline): string {
    return `${this.resolved.name}${p.configuration ? `/${p.configuration}` : ''}`;
  }

  private env(outDir: string, runId: string): PipelineEnv {
    return { seed: this.resolved.seed, baseDir: this.resolved.baseDir, outDir, events: this.events, parent: this.container, instrument: this.instrument, runId };
  }

  /**
   * Every configuration's pipeline, or the searcher when `search` is present; reporters get all
   * reports. Writes manifest.resolved.json up front and results.json after every run. Never throws
   * for plugin or run errors: they come back in `error` (and per run).
   */
  async run(): Promise<RunResult> {
    const resolved = this.resolved;
    const events = this.events;
    const outDir = this.outDir;
    const resolvedManifestPath = path.join(outDir, 'manifest.resolved.json');
    try {
      fs.mkdirSync(outDir, { recursive: true });
      writeJsonAtomic(resolvedManifestPath, describeResolved(resolved));
    } catch (e) {
      return { ok: false, outDir, resolvedManifestPath: '', runs: [], error: toRunError(outputUnwritable(e, outDir)) };
    }

    // emitted here, not while resolving, so listeners attached to opts.events before run() see them
    for (const w of resolved.warnings) events.emit('diagnostic', { ...w, runId: resolved.name });
    const warnings = resolved.warnings.length ? { warnings: resolved.warnings } : {};
    const result: RunResult = { ok: true, outDir, resolvedManifestPath, runs: [] };
    const resultsFile = path.join(outDir, 'results.json');
    const save = () =>
      writeJsonAtomic(resultsFile, { name: resolved.name, manifest: resolved.file ?? null, seed: resolved.seed, ok: result.ok, ...warnings, runs: result.runs, ...(result.search ? { search: result.search } : {}), ...(result.error ? { error: result.error } : {}), ...(result.files ? { files: result.files } : {}) });
    const fail = (e: RunError) => {
      result.ok = false;
      result.error ??= e;
    };

    if (resolved.search) {
      await this.runSearch(result).catch((e) => fail(toRunError(e)));
      save();
    } else {
      for (const p of resolved.pipelines) {
        const runOut = this.pipelineOutDir(p);
        const runId = this.runId(p);
        const t0 = performance.now();
        events.emit('run:start', { runId, manifest: resolved.file ?? '<manifest>', seed: resolved.seed, configuration: p.configuration });
        const record: RunRecord = { ...(p.configuration !== undefined ? { configuration: p.configuration } : {}) };
        try {
          const { report, passes } = await executePipeline(p, this.env(runOut, runId), true);
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
      const c = this.container.createChildContainer();
      const ctx = makeContext({ seed: resolved.seed, baseDir: resolved.baseDir, outDir, events }, c, `${resolved.name}/report`, undefined, {});
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

  private async runSearch(result: RunResult): Promise<void> {
    const r = this.resolved;
    const search = r.search!;
    const c = this.container;
    const runId = `${r.name}/search`;
    const t0 = performance.now();
    this.events.emit('run:start', { runId, manifest: r.file ?? '<manifest>', seed: r.seed });
    let error: RunError | undefined;
    try {
      // Searchers may inspect the manifest's pipeline contributions (e.g. a backend's designSpace).
      const first = r.pipelines[0];
      if (first) {
        await contribute<Frontend>(c, first.frontend, FRONTEND, 'FRONTEND');
        for (const u of first.passes) await contribute<Pass>(c, u, PASS, 'PASS');
        this.backendPlugins.set(await contribute<Backend>(c, first.backend, BACKEND, 'BACKEND'), first.backend.plugin);
      }
      const searcher = await contribute<Searcher>(c, search, SEARCHER, 'SEARCHER');
      const ctx = makeContext({ seed: r.seed, baseDir: r.baseDir, outDir: this.outDir, events: this.events }, c, runId, undefined, {});
      result.search = await callPluginHook(search.plugin, 'search', () => searcher.search(ctx));
    } catch (e) {
      error = toRunError(e);
      throw e;
    } finally {
      this.events.emit('run:end', { runId, ok: !error, ms: performance.now() - t0, ...(error ? { error: `${error.code}: ${error.message}` } : {}) });
    }
  }
}

/**
 * Run a manifest (a file path, or a manifest object with opts.baseDir): resolve it into a Session
 * and run that. Never throws for manifest, plugin or run errors: they come back in `error`.
 */
export async function runManifest(manifest: string | Manifest, opts: SessionOptions = {}): Promise<RunResult> {
  let session: Session;
  try {
    session = Session.open(manifest, opts);
  } catch (e) {
    const base = typeof manifest === 'string' ? path.dirname(path.resolve(manifest)) : path.resolve(opts.baseDir ?? process.cwd());
    const name = typeof manifest === 'string' ? path.basename(manifest).replace(/\.json$/i, '') : (manifest as Manifest)?.name ?? 'run';
    return { ok: false, outDir: opts.outDir ? path.resolve(opts.outDir) : path.join(base, 'out', safeName(String(name))), resolvedManifestPath: '', runs: [], error: toRunError(e) };
  }
  return session.run();
}

/** A host container holding RUNNER (createRunner over it): what the CLI hands plugin commands. */
export function createHostContainer(opts: Omit<HostRunnerOptions, 'container'> = {}): DependencyContainer {
  const c = rootContainer.createChildContainer();
  c.register(RUNNER, { useValue: createRunner({ ...opts, container: c }) });
  return c;
}
