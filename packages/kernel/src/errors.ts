/** Stable error codes (tests and users match on these strings). */
export type FuseFlowErrorCode =
  | 'FF_MANIFEST_INVALID'
  | 'FF_PLUGIN_NOT_FOUND'
  | 'FF_PLUGIN_KIND_MISMATCH'
  | 'FF_PLUGIN_API_VERSION'
  | 'FF_OPTIONS_INVALID'
  | 'FF_PLUGIN_ERROR'
  | 'FF_INPUT_INVALID'
  | 'FF_SIM_DEADLOCK'
  | 'FF_SIM_BUDGET'
  | 'FF_VALUE_MISMATCH'
  /** a pass or backend got an IR stage it does not read (passes in the wrong order). */
  | 'FF_STAGE_MISMATCH'
  /** plugin-specific codes: FF_ plus an upper-case name, stable once published. */
  | `FF_${string}`;

/** An error with a stable code, the manifest JSON path it concerns, and an optional hint. */
export class FuseFlowError extends Error {
  readonly code: FuseFlowErrorCode;
  /** JSON path into the manifest, e.g. '/passes/2/options/blockSize'. */
  readonly path?: string;
  readonly suggestion?: string;
  readonly plugin?: string;
  readonly hook?: string;
  /** the code of the original error thrown inside a plugin, if it had one. */
  readonly pluginCode?: string;

  constructor(
    code: FuseFlowErrorCode,
    message: string,
    extra: { path?: string; suggestion?: string; plugin?: string; hook?: string; pluginCode?: string; cause?: unknown } = {},
  ) {
    super(message, extra.cause !== undefined ? { cause: extra.cause } : undefined);
    this.name = 'FuseFlowError';
    this.code = code;
    this.path = extra.path;
    this.suggestion = extra.suggestion;
    this.plugin = extra.plugin;
    this.hook = extra.hook;
    this.pluginCode = extra.pluginCode;
  }
}

/**
 * True for a FuseFlowError, including one thrown by another copy of this package (a plugin
 * loaded from its own node_modules), recognised by its name and code.
 */
export function isFuseFlowError(e: unknown): e is FuseFlowError {
  if (e instanceof FuseFlowError) return true;
  const x = e as { name?: unknown; code?: unknown } | null;
  return !!x && typeof x === 'object' && x.name === 'FuseFlowError' && typeof x.code === 'string' && x.code.startsWith('FF_');
}

/** What `errorOf` returns: the thrown error, with the FuseFlowError fields when it has them. */
export type ThrownError = Error & { code?: string; path?: string; suggestion?: string; plugin?: string; hook?: string };

/**
 * The error `fn` throws, for code that expects a failure (tests above all); with `code`, it must
 * carry that code. When fn returns normally, or throws another code, this throws instead, so a
 * missing or different failure can never pass for the expected one.
 */
export function errorOf(fn: () => unknown, code?: string): ThrownError {
  let thrown: ThrownError | undefined;
  try {
    fn();
  } catch (e) {
    thrown = (e instanceof Error ? e : new Error(String(e))) as ThrownError;
  }
  if (!thrown) throw new Error(`expected ${code ?? 'an error'}, but the call returned normally`);
  if (code !== undefined && thrown.code !== code) throw new Error(`expected ${code}, got ${thrown.code ?? 'an error without a code'}: ${thrown.message}`, { cause: thrown });
  return thrown;
}
