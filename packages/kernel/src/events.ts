import { EventEmitter } from 'eventemitter3';
import type { Diagnostic, IrModule } from './plugin';

/** Typed kernel events. Listeners must not throw (the CLI draws progress bars from these). */
export interface KernelEvents {
  'run:start': (e: { runId: string; manifest: string; seed: number; configuration?: string }) => void;
  'pass:start': (e: { runId: string; pass: string; index: number }) => void;
  'pass:end': (e: { runId: string; pass: string; index: number; ms: number; stats?: Record<string, number> }) => void;
  progress: (e: { runId?: string; plugin: string; done: number; total?: number; message?: string }) => void;
  diagnostic: (e: Diagnostic & { runId?: string }) => void;
  /** instrumentation: a hook produced (and the session verified) this module. */
  'ir:after': (e: { runId: string; configuration?: string; plugin: string; hook: string; module: IrModule }) => void;
  /** instrumentation: the IR after a pass was written as text (instrument.printIrAfter). */
  'ir:printed': (e: { runId: string; pass: string; index: number; file: string }) => void;
  'run:end': (e: { runId: string; ok: boolean; ms: number; error?: string }) => void;
}

export type KernelEmitter = EventEmitter<KernelEvents>;

export function createKernelEmitter(): KernelEmitter {
  return new EventEmitter<KernelEvents>();
}
