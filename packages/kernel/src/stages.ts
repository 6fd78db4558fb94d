import type { InjectionToken } from 'tsyringe';
import type { IrModule } from './plugin';

/**
 * An IR stage as a contribution (MLIR dialect-style): the plugin that produces a stage registers
 * its definition under STAGE, and the session verifies every module of that stage right after the
 * hook that produced it and prints it with `print` (--print-ir, instrument.printIrAfter).
 */
export interface StageDefinition {
  /** the `stage` tag of the modules it describes, e.g. 'dataflow'. */
  readonly name: string;
  /** throws on a broken invariant (the kernel names the producing plugin and hook). */
  verify(m: IrModule): void;
  /** readable text form (never the bound tensor data in full). */
  print(m: IrModule): string;
  /** the module back from `print`'s text, for stages whose text is complete. */
  parse?(text: string): IrModule;
}

/** Contribution point of stage definitions (multi-registered; the first of a name wins). */
export const STAGE: InjectionToken<StageDefinition> = Symbol.for('fuseflow.stage');
