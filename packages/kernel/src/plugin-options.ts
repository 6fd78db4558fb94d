import Ajv, { type ValidateFunction } from 'ajv';
import { FuseFlowError } from './errors';
import { describeAjvError, errorPath, pickErrors, suggestionFor } from './manifest';
import { deepMerge, isPlainObject } from './merge';
import type { FuseFlowPlugin } from './plugin';

// One ajv instance for option schemas; compiled validators are cached per plugin object
// (ESLint's rule-validator), so a schema is compiled once however many runs use it.
let ajv: Ajv | undefined;
const validators = new WeakMap<FuseFlowPlugin, ValidateFunction | null>();

function validatorFor(plugin: FuseFlowPlugin): ValidateFunction | null {
  if (validators.has(plugin)) return validators.get(plugin)!;
  let v: ValidateFunction | null = null;
  if (plugin.optionsSchema) {
    // optimize: false skips ajv's dead-code passes over the generated validator (same checks,
    // about a third less compile time, which every command pays at start-up).
    ajv ??= new Ajv({ allErrors: true, strict: false, useDefaults: true, verbose: true, code: { optimize: false } });
    try {
      v = ajv.compile(plugin.optionsSchema);
    } catch (e) {
      throw new FuseFlowError('FF_PLUGIN_ERROR', `[plugin ${plugin.name}] its optionsSchema is not a valid JSON Schema: ${(e as Error).message}`, {
        plugin: plugin.name,
        hook: 'optionsSchema',
        cause: e,
      });
    }
  }
  validators.set(plugin, v);
  return v;
}

/**
 * The plugin's defaultOptions deep-merged with the user's options, validated against its
 * optionsSchema (schema defaults filled in). Throws FF_OPTIONS_INVALID naming the manifest path of
 * the bad key, e.g. `/passes/1/options/factor`.
 */
export function resolvePluginOptions(plugin: FuseFlowPlugin, options: unknown, jsonPath: string): Record<string, unknown> {
  if (options !== undefined && !isPlainObject(options)) {
    throw new FuseFlowError('FF_OPTIONS_INVALID', `${jsonPath}/options: expected an object, got ${JSON.stringify(options)}`, { path: `${jsonPath}/options`, plugin: plugin.name });
  }
  const merged = deepMerge<Record<string, unknown>>((plugin.defaultOptions ?? {}) as Record<string, unknown>, options ?? {});
  const v = validatorFor(plugin);
  if (!v || v(merged)) return merged;
  const errors = pickErrors(v.errors ?? []);
  const prefix = `${jsonPath}/options`;
  const first = errors[0];
  const suggestion = suggestionFor(first);
  throw new FuseFlowError(
    'FF_OPTIONS_INVALID',
    `invalid options for ${plugin.kind} "${plugin.id}" (${plugin.name}):\n  ${errors.map((e) => describeAjvError(e, prefix)).join('\n  ')}`,
    { path: errorPath(first, prefix), plugin: plugin.name, suggestion },
  );
}
