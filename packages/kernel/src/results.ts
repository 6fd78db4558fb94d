/** What a run records (RunResult / results.json): plain data, shared by hosts and plugins. */

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
  report?: import('./plugin').Report;
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
  search?: import('./plugin').SearchResult;
  error?: RunError;
  /** files written by reporters (absolute paths). */
  files?: string[];
}
