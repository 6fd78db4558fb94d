import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { KernelEmitter, KernelEvents } from './events';
import type { Manifest, PluginUse } from './manifest';
import type { RunResult } from './results';

/** The kinds of contribution a plugin can make. */
export type PluginKind = 'frontend' | 'pass' | 'backend' | 'searcher' | 'reporter';

/** Kernel plugin API version; a plugin declaring another version is refused (FF_PLUGIN_API_VERSION). */
export const PLUGIN_API_VERSION = 1 as const;

/** JSON Schema object (draft-07 subset understood by ajv). */
export type JsonSchema = Record<string, unknown>;

/**
 * What a plugin package default-exports. `register` only binds contributions into the
 * run's child container; no work happens at import time.
 */
export interface FuseFlowPlugin<O = Record<string, unknown>> {
  /** npm package name, e.g. '@fuseflow/pass-fusion'. */
  name: string;
  /** package version (recorded in manifest.resolved.json). */
  version: string;
  apiVersion: typeof PLUGIN_API_VERSION;
  kind: PluginKind;
  /** short id used in manifests and pass strings, e.g. 'fusion'. */
  id: string;
  description?: string;
  /** JSON Schema for the plugin's options; the kernel validates and merges defaults. */
  optionsSchema?: JsonSchema;
  defaultOptions?: Partial<O>;
  /** Bind contributions (under the kernel tokens below) into the run container. */
  register(container: DependencyContainer, options: O): void;
  /**
   * Other short ids this plugin answers to, each with the option defaults it implies, e.g.
   * `{ boshcode: { mode: 'codesign' } }` lets a manifest say `"use": "boshcode"`.
   */
  aliases?: Record<string, Partial<O>>;
  /** Optional CLI sub-commands this plugin contributes (e.g. `fuseflow simulate`). */
  commands?: CliCommandSpec[];
}

/**
 * A stage-tagged IR value flowing through the pipeline. The kernel does not know the
 * stage types (they live in @fuseflow/ir); it only routes by `stage`.
 */
export interface IrModule {
  stage: 'model' | 'program' | 'dataflow' | string;
  [key: string]: unknown;
}

export interface Diagnostic {
  severity: 'info' | 'warning' | 'error';
  message: string;
  plugin?: string;
  path?: string;
}

/** Per-run context handed to every contribution. */
export interface RunContext {
  /** seed of this run (manifest `seed`, or CLI --seed). */
  seed: number;
  /** directory of the manifest (relative paths in options resolve against it). */
  baseDir: string;
  /** output directory of this run (results, manifest.resolved.json). */
  outDir: string;
  events: KernelEmitter;
  /** the run's child container: contributions may resolve other contributions by token. */
  container: DependencyContainer;
  /** name of the current configuration (manifest `configurations[].name`), if any. */
  configuration?: string;
  diagnostic(d: Diagnostic): void;
  progress(p: { plugin: string; done: number; total?: number; message?: string }): void;
  /**
   * Record a statistic of the running pass (MLIR-style counters, e.g. fusedGroups); the kernel
   * reports them in `pass:end` and results.json. Optional so hand-built contexts in tests stay valid.
   */
  stat?(name: string, value: number): void;
}

/** The input a frontend receives: its own (validated) options plus the run context. */
export interface Frontend {
  readonly id: string;
  load(ctx: RunContext): Promise<IrModule> | IrModule;
}

export interface Pass {
  readonly id: string;
  /** IR stage read and written (the kernel checks the stage before and after). */
  readonly reads: string;
  readonly writes: string;
  run(ir: IrModule, ctx: RunContext): Promise<IrModule> | IrModule;
}

/** A report: free-form JSON plus the common headline numbers when they apply. */
export interface Report {
  backend: string;
  /** headline metrics, e.g. { cycles, flops, bytes, latencyS, energyJ, areaMm2 }. */
  metrics: Record<string, number>;
  /** whether output values were checked against the reference and passed (undefined: not applicable). */
  valuesChecked?: boolean;
  /** anything else the backend reports (per-node stats, per-layer tables...). */
  details?: unknown;
  /** readable text form. */
  text?: string;
  /** files written by the backend (absolute paths). */
  files?: string[];
}

export interface Backend {
  readonly id: string;
  /** stages this backend consumes (e.g. ['dataflow'] or ['model']). */
  readonly consumes: string[];
  run(ir: IrModule, ctx: RunContext): Promise<Report> | Report;
  /**
   * A searchable hardware configuration space, for co-design searchers. Its shape is agreed between
   * the plugins that share it (HardwareDesignSpace in @fuseflow/ir), not by the kernel; a
   * configuration passed as `ir.hardware` to run evaluates it.
   */
  readonly designSpace?: unknown;
}

/** Options of a nested run (Runner.run). */
export interface SubRunOptions {
  /** output folder of the nested run (default: the manifest's outDir, else <baseDir>/out/<name>). */
  outDir?: string;
  /** folder relative paths resolve against (default: the session's). */
  baseDir?: string;
  seed?: number;
  /** run only these configurations (by name). */
  configurations?: string[];
  /** called with every module a hook of the nested run produced (after verification), e.g. to draw it. */
  onIr?: (e: Parameters<KernelEvents['ir:after']>[0]) => void;
}

/**
 * The kernel's runner service, resolved from the container (RUNNER) by searchers and commands: every
 * nested run goes through a kernel session, so verification, stage checks, events and hook-error
 * naming hold there as on the top-level run (MLIR nested pass managers).
 */
export interface Runner {
  /** the session's manifest minus `search` and `instrument`: what sub-pipelines start from. */
  readonly baseManifest: Manifest;
  /** the session's manifest file, or null when it was given as an object. */
  readonly manifestFile: string | null;
  /** Run the pipelines of baseManifest with `overrides` merged over it; one report per pipeline. */
  runPipeline(overrides: Record<string, unknown>, ctx: RunContext): Promise<Report[]>;
  /** Run a whole manifest as a nested session (never throws for run errors: see RunResult.error). */
  run(manifest: Manifest | string, opts: SubRunOptions): Promise<RunResult>;
  /**
   * Evaluate an IR module on a backend: the session's backend of that id when its pipeline has one,
   * else the backend plugin `use` names (with `options`); the module is verified first. `jsonPath`
   * names where the backend was chosen (error messages).
   */
  evaluate(ir: IrModule, backend: PluginUse, ctx: RunContext, jsonPath?: string): Promise<Report>;
  /** The backend's design space (undefined when it has none), found as in evaluate. */
  designSpace(backend: PluginUse, jsonPath?: string): Promise<unknown>;
}

/** @deprecated the runner's former name; use Runner. */
export type PipelineRunner = Runner;

export interface SearchResult {
  searcher: string;
  best?: unknown;
  pareto?: unknown[];
  evaluations: number;
  details?: unknown;
  text?: string;
  files?: string[];
}

export interface Searcher {
  readonly id: string;
  search(ctx: RunContext): Promise<SearchResult>;
}

export interface Reporter {
  readonly id: string;
  report(result: { reports: Report[]; search?: SearchResult }, ctx: RunContext): Promise<string[]> | string[];
}

/** Contribution points (multi-registered, resolved with resolveAll). */
export const FRONTEND: InjectionToken<Frontend> = Symbol.for('fuseflow.frontend');
export const PASS: InjectionToken<Pass> = Symbol.for('fuseflow.pass');
export const BACKEND: InjectionToken<Backend> = Symbol.for('fuseflow.backend');
export const SEARCHER: InjectionToken<Searcher> = Symbol.for('fuseflow.searcher');
export const REPORTER: InjectionToken<Reporter> = Symbol.for('fuseflow.reporter');
/** The runner service (every session container, and the CLI's container for plugin commands). */
export const RUNNER: InjectionToken<Runner> = Symbol.for('fuseflow.pipeline-runner');
/** @deprecated the runner token's former name; use RUNNER. */
export const PIPELINE_RUNNER = RUNNER;

/**
 * A CLI sub-command contributed by a plugin. Kept independent of commander so plugins do not
 * depend on the CLI library; packages/cli adapts it.
 */
export interface CliCommandSpec {
  name: string;
  description: string;
  /** positional arguments, e.g. ['<manifest>'] or ['[file]']. */
  args?: string[];
  options?: Array<{
    flags: string; // commander syntax, e.g. '--format <tensor=fmt>'
    description: string;
    default?: unknown;
    /** option may be given several times; values are collected into an array. */
    repeatable?: boolean;
  }>;
  /** returns the process exit code. Printing goes to ctx.stdout/stderr. */
  action(args: string[], options: Record<string, unknown>, io: CliIo): Promise<number> | number;
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  isTTY: boolean;
  /** the host's container: a command resolves RUNNER from it to run anything. */
  container?: DependencyContainer;
}
