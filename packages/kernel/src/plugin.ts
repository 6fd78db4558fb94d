import type { DependencyContainer, InjectionToken } from 'tsyringe';
import type { KernelEmitter } from './events';

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
  /** free-form data shared between contributions of one run (e.g. bound tensor data). */
  shared: Map<string, unknown>;
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
  /** hardware backends with a searchable configuration space expose it here (co-design searchers). */
  readonly designSpace?: HardwareDesignSpace;
}

/**
 * A hardware model's configuration space, as a co-design searcher sees it. A configuration is
 * plain JSON; passing it as `ir.hardware` to Backend.run evaluates that configuration.
 */
export interface HardwareDesignSpace {
  /** names of the embedding's dimensions, in order. */
  readonly dimensions: string[];
  /** draw n valid configurations; `random()` returns uniform floats in [0, 1). */
  sample(n: number, random: () => number): Record<string, unknown>[];
  /** fixed-length numeric embedding of a configuration. */
  embed(config: Record<string, unknown>): number[];
  /** per-dimension [min, max] of the embedding over the space. */
  bounds(): Array<[number, number]>;
  /** nearest valid configuration to an embedding vector (projection back to the space). */
  decode(vector: number[]): Record<string, unknown>;
  /** canonical string key of a configuration (deduplication). */
  key(config: Record<string, unknown>): string;
}

/** Lets a searcher run pipelines: the kernel's runner, exposed through the container. */
export interface PipelineRunner {
  /** Run one pipeline described by a (partial) manifest merged over the current one. */
  runPipeline(overrides: Record<string, unknown>, ctx: RunContext): Promise<Report[]>;
}

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
export const PIPELINE_RUNNER: InjectionToken<PipelineRunner> = Symbol.for('fuseflow.pipeline-runner');

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
}
