/** One unit of work: a deterministic key (dedup/resume), its position, and a JSON payload. */
export interface Job<P = unknown> {
  /** stable identity of the job (e.g. a hash of the candidate configuration). */
  key: string;
  /** position in the sweep; results files are ordered by it. */
  index: number;
  payload: P;
}

/**
 * What runs a job. `kind` names a job kind registered by an installed plugin: the only thing a
 * queue carries, so workers run installed code only. `module` (a CommonJS path) is for in-process
 * and thread-pool executors, where the caller's own code is trusted; with both, local executors use
 * `module` and the queue sends `kind`.
 */
export interface JobHandlerRef {
  kind?: string;
  /** absolute path (or package specifier) of a CommonJS module. */
  module?: string;
  /** exported function name (default 'runJob'). */
  exportName?: string;
  /**
   * Submitter side: what the payload reads besides itself (e.g. digests of its input files),
   * hashed into the job's content address. Never sent to workers.
   */
  fingerprint?: (payload: unknown) => unknown;
}

export interface JobInfo {
  key: string;
  index: number;
  attempt: number;
  /**
   * The kernel's runner service in the process (or thread) the job runs in: a handler runs a
   * pipeline as a kernel session rebuilt from the manifest in its payload. Created on first read.
   */
  readonly runner: import('@fuseflow/kernel/plugin-api').Runner;
}

export type JobHandler<P = unknown, R = unknown> = (payload: P, info: JobInfo) => R | Promise<R>;

/** The outcome of one job as recorded in the results files. */
export interface JobRecord<R = unknown> {
  key: string;
  index: number;
  ok: boolean;
  result?: R;
  error?: { code?: string; message: string };
}

/** Timing and placement of a finished job; journal only (not part of the canonical results). */
export interface JobTiming {
  key: string;
  ms: number;
  worker: string;
  finishedAt: string;
}

export interface ProgressInfo {
  done: number;
  total: number;
  failed: number;
  /** jobs skipped because a previous (interrupted) run already finished them. */
  resumed: number;
  elapsedMs: number;
  /** estimated remaining time from the mean job rate so far. */
  etaMs?: number;
  last?: JobRecord;
}

/** Where jobs run: an in-process loop, a local worker-thread pool, or a Redis queue. */
export interface Executor {
  readonly name: string;
  /**
   * Run jobs, calling onDone once per job as it finishes (in completion order).
   * Resolves when every job has a record.
   */
  execute<P, R>(jobs: Job<P>[], handler: JobHandlerRef, onDone: (rec: JobRecord<R>, timing: JobTiming) => void): Promise<void>;
  close(): Promise<void>;
}
