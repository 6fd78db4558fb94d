/** One unit of work: a deterministic key (dedup/resume), its position, and a JSON payload. */
export interface Job<P = unknown> {
  /** stable identity of the job (e.g. a hash of the candidate configuration). */
  key: string;
  /** position in the sweep; results files are ordered by it. */
  index: number;
  payload: P;
}

/** Which module runs a job: `require(module)[exportName](payload, info)` in the worker. */
export interface JobHandlerRef {
  /** absolute path (or package specifier) of a CommonJS module. */
  module: string;
  /** exported function name (default 'runJob'). */
  exportName?: string;
}

export interface JobInfo {
  key: string;
  index: number;
  attempt: number;
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
