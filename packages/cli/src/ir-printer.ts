import { printIr as printJson, type IrModule } from '@fuseflow/kernel';

type Printer = (x: unknown) => string;

/**
 * Text form of an IR module: @fuseflow/ir's printers (printProgram, printDataflow, printModelGraph)
 * when that version exports them, else the kernel's JSON form. Looked up lazily so a half-built IR
 * package never breaks the CLI.
 */
export function printIrModule(m: IrModule): string {
  let ir: Record<string, unknown> = {};
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ir = require('@fuseflow/ir');
  } catch {
    return printJson(m);
  }
  const pick = (...names: string[]) => names.map((n) => ir[n]).find((f): f is Printer => typeof f === 'function');
  try {
    if (m.stage === 'program' && m.program) {
      const p = pick('printProgram');
      if (p) return p(m.program);
    }
    if (m.stage === 'dataflow' && m.graph) {
      const p = pick('printDataflow', 'printDataflowGraph');
      if (p) return p(m.graph);
    }
    if (m.stage === 'model' && m.graph) {
      const p = pick('printModelGraph', 'printModel');
      if (p) return p(m.graph);
    }
  } catch {
    // a printer that throws on this module: fall back to JSON
  }
  return printJson(m);
}

/**
 * Verify an IR module with @fuseflow/ir's verifiers (verifyProgram, verifyDataflowGraph,
 * verifyModel) when this version exports them; throws on a broken invariant.
 */
export function verifyIrModule(m: IrModule): void {
  let ir: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ir = require('@fuseflow/ir');
  } catch {
    return;
  }
  const fn = (name: string) => (typeof ir[name] === 'function' ? (ir[name] as (x: unknown) => void) : undefined);
  if (m.stage === 'program' && m.program) fn('verifyProgram')?.(m.program);
  else if (m.stage === 'dataflow' && Array.isArray(m.graphs)) for (const g of m.graphs) fn('verifyDataflowGraph')?.(g);
  else if (m.stage === 'model' && m.graph) fn('verifyModel')?.(m.graph);
}
