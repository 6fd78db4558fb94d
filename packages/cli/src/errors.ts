import type { RunError } from '@fuseflow/kernel';

/** Codes that mean "the manifest or the command line is wrong" (exit code 2, not 1). */
const USAGE_CODES = new Set(['FF_MANIFEST_INVALID', 'FF_PLUGIN_NOT_FOUND', 'FF_PLUGIN_KIND_MISMATCH', 'FF_PLUGIN_API_VERSION', 'FF_OPTIONS_INVALID', 'FF_USAGE', 'FF_DATASET_UNKNOWN']);

/** Exit code for an error: 2 usage/manifest, 1 run failed. */
export function exitCodeFor(e: Pick<RunError, 'code'>): number {
  return USAGE_CODES.has(e.code) ? 2 : 1;
}

/** `code: message` plus the suggestion, as printed on stderr. */
export function formatError(e: RunError): string {
  return `${e.code}: ${e.message}${e.suggestion ? `\n  suggestion: ${e.suggestion}` : ''}`;
}

/** One diagnostic as the CLI prints it: `warning [plugin]: message`. */
export function formatDiagnostic(d: { severity: string; plugin?: string; message: string }): string {
  return `${d.severity}${d.plugin ? ` [${d.plugin}]` : ''}: ${d.message}`;
}
