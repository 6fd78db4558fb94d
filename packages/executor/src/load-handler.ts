import type { JobHandler, JobHandlerRef } from './types';

/** Load a job handler function from its module reference (CommonJS require). */
export function loadHandler(ref: JobHandlerRef): JobHandler {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(ref.module) as Record<string, unknown>;
  const name = ref.exportName ?? 'runJob';
  const fn = mod[name] ?? (mod.default as Record<string, unknown> | undefined)?.[name];
  if (typeof fn !== 'function') {
    throw new Error(`job handler module ${ref.module} has no exported function "${name}"`);
  }
  return fn as JobHandler;
}

/** Turn a thrown value into the error part of a JobRecord. */
export function describeError(err: unknown): { code?: string; message: string } {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown };
    return { ...(typeof e.code === 'string' ? { code: e.code } : {}), message: String(e.message ?? err) };
  }
  return { message: String(err) };
}
