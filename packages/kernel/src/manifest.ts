import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { FuseFlowError } from './errors';
import { parseJsonText } from './json-source';
import { parsePassPipeline, type PassEntry } from './pass-pipeline';
import { didYouMean } from './suggest';

/** `{ use, options }`: names a plugin and its options. */
export interface PluginUse {
  use: string;
  options?: Record<string, unknown>;
  /** package `use` resolved to when recorded (manifest.resolved.json); re-running refuses another. */
  plugin?: string;
  /** version of that package when recorded; another installed version is a warning. */
  version?: string;
}

/** One named run of the pipeline (e.g. "unfused"); passes replace the top-level passes. */
export interface ManifestConfiguration {
  name: string;
  description?: string;
  passes?: Array<PassEntry | string> | string;
  frontend?: Partial<PluginUse>;
  backend?: Partial<PluginUse>;
}

/** The pipeline manifest (manifest.schema.json is the authority). */
export interface Manifest {
  $schema?: string;
  version?: 1;
  name?: string;
  description?: string;
  /** manifest file this one was resolved from (manifest.resolved.json); informational. */
  source?: string | null;
  /** folder relative paths in options, `plugins` and `use` resolve against (relative to the manifest's folder). */
  baseDir?: string;
  /** kernel that resolved this manifest (manifest.resolved.json). */
  kernel?: { name: string; version: string };
  seed?: number;
  outDir?: string;
  frontend?: PluginUse;
  passes?: Array<PassEntry | string> | string;
  backend?: PluginUse;
  search?: PluginUse;
  reporters?: PluginUse[];
  configurations?: ManifestConfiguration[];
  instrument?: { printIrAfter?: string[]; timing?: boolean; verify?: boolean };
  plugins?: string[];
}

/** Absolute path of the manifest JSON Schema shipped in this package. */
export const MANIFEST_SCHEMA_PATH = path.join(__dirname, '..', 'manifest.schema.json');

let manifestValidator: ValidateFunction | undefined;
function validator(): ValidateFunction {
  if (!manifestValidator) {
    const schema = JSON.parse(fs.readFileSync(MANIFEST_SCHEMA_PATH, 'utf8'));
    // The schema ships with the kernel and its spec checks it against draft-07: skipping the
    // meta-schema check and ajv's code optimisation passes halves the compile (start-up) cost.
    manifestValidator = new Ajv({ allErrors: true, strict: false, verbose: true, validateSchema: false, code: { optimize: false } }).compile(schema);
  }
  return manifestValidator;
}

/** Read and JSON-parse a manifest file (FF_MANIFEST_INVALID with line:column on bad JSON). */
export function readManifestFile(file: string): Manifest {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new FuseFlowError('FF_MANIFEST_INVALID', `cannot read manifest ${file}: ${(e as Error).message}`, { cause: e });
  }
  const value = parseJsonText(text, file);
  validateManifest(value, file);
  return value as Manifest;
}

/** Validate a parsed manifest against the kernel schema; throws FF_MANIFEST_INVALID naming the JSON path. */
export function validateManifest(value: unknown, file = '<manifest>'): asserts value is Manifest {
  const v = validator();
  if (v(value)) return;
  const errors = pickErrors(v.errors ?? []);
  const lines = errors.map((e) => describeAjvError(e, ''));
  const first = errors[0];
  throw new FuseFlowError('FF_MANIFEST_INVALID', `${file}: manifest does not match the schema:\n  ${lines.join('\n  ')}`, {
    path: errorPath(first, ''),
    suggestion: suggestionFor(first),
  });
}

/**
 * Ajv with allErrors reports one error per failed branch of a oneOf; keep the deepest ones (the
 * branch the user most likely meant) and drop the summarising oneOf/if errors.
 */
export function pickErrors(errors: ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
  const pool = specific.length > 0 ? specific : errors;
  // An error at a path that has deeper errors below it comes from a failed alternative branch
  // (e.g. "must be string" for passes given as an array): the deeper ones say what is wrong.
  const paths = pool.map((e) => errorPath(e, ''));
  const kept = pool.filter((e, i) => !paths.some((q) => q !== paths[i] && q.startsWith(paths[i] === '/' ? '/' : `${paths[i]}/`)));
  const seen = new Set<string>();
  return kept
    .filter((e) => {
      const k = errorPath(e, '') + e.message;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .slice(0, 8);
}

/** JSON pointer of the offending value (for unknown or missing keys: of that key). */
export function errorPath(e: ErrorObject, prefix: string): string {
  let p = prefix + e.instancePath;
  if (e.keyword === 'additionalProperties') p += `/${(e.params as { additionalProperty: string }).additionalProperty}`;
  if (e.keyword === 'required') p += `/${(e.params as { missingProperty: string }).missingProperty}`;
  return p || '/';
}

/** One readable line: the JSON path, what was expected and what was found. */
export function describeAjvError(e: ErrorObject, prefix: string): string {
  const at = errorPath(e, prefix);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
      const hint = hintFor(e);
      return `${at}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of: ${allowed.join(', ')}`;
    }
    case 'required':
      return `${at}: required key is missing`;
    case 'type':
      return `${at}: expected ${params.type}, got ${describe(e.data)}`;
    case 'enum': {
      const hint = hintFor(e);
      return `${at}: expected one of ${(params.allowedValues as unknown[]).map((x) => JSON.stringify(x)).join(', ')}, got ${describe(e.data)}${hint ? ` (did you mean "${hint}"?)` : ''}`;
    }
    case 'const':
      return `${at}: expected ${JSON.stringify(params.allowedValue)}, got ${describe(e.data)}`;
    default:
      return `${at}: ${e.message}${e.data !== undefined && typeof e.data !== 'object' ? `, got ${describe(e.data)}` : ''}`;
  }
}

/** The closest allowed key (unknown key) or value (string not in an enum), if one is close. */
function hintFor(e: ErrorObject): string | undefined {
  if (e.keyword === 'additionalProperties') {
    const allowed = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
    return didYouMean(String((e.params as { additionalProperty: string }).additionalProperty), allowed);
  }
  if (e.keyword === 'enum' && typeof e.data === 'string') {
    const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).filter((x): x is string => typeof x === 'string');
    return didYouMean(e.data, allowed);
  }
  return undefined;
}

/** The FuseFlowError suggestion for the first schema error ("did you mean ...?"), if any. */
export function suggestionFor(e: ErrorObject | undefined): string | undefined {
  const hint = e && hintFor(e);
  return hint ? `did you mean "${hint}"?` : undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return `${JSON.stringify(v)} (${typeof v})`;
}

/** Normalise a manifest `passes` value (array with bare ids, or a pipeline string) to entries. */
export function normalisePasses(passes: Manifest['passes']): PassEntry[] {
  if (passes === undefined) return [];
  if (typeof passes === 'string') return parsePassPipeline(passes);
  return passes.map((p) => (typeof p === 'string' ? { use: p } : p));
}
