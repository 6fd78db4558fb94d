import { FuseFlowError } from '@fuseflow/kernel';
import { findJobKind, jobKindIds } from './job-kinds';
import type { JobHandler, JobHandlerRef } from './types';

/** The module and export that run a handler reference: its own module, else its registered kind's. */
export function handlerModule(ref: JobHandlerRef): { module: string; exportName: string } {
  if (ref.module) return { module: ref.module, exportName: ref.exportName ?? 'runJob' };
  if (!ref.kind) throw new FuseFlowError('FF_OPTIONS_INVALID', 'job handler reference names neither a job kind nor a module');
  const kind = findJobKind(ref.kind);
  if (!kind) throw new FuseFlowError('FF_JOB_REFUSED', `job kind "${ref.kind}" is not registered by any installed plugin (known kinds: ${jobKindIds().join(', ') || 'none'})`);
  return { module: kind.module, exportName: ref.exportName ?? kind.exportName ?? 'runJob' };
}

/** Load a job handler function from its reference (CommonJS require). */
export function loadHandler(ref: JobHandlerRef): JobHandler {
  const { module, exportName: name } = handlerModule(ref);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(module) as Record<string, unknown>;
  const fn = mod[name] ?? (mod.default as Record<string, unknown> | undefined)?.[name];
  if (typeof fn !== 'function') {
    throw new Error(`job handler module ${module} has no exported function "${name}"`);
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
