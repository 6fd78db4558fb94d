import type { InjectionToken } from 'tsyringe';
import { FuseFlowError } from './errors';
import {
  BACKEND,
  FRONTEND,
  PASS,
  PLUGIN_API_VERSION,
  REPORTER,
  SEARCHER,
  type Backend,
  type CliCommandSpec,
  type Frontend,
  type FuseFlowPlugin,
  type JsonSchema,
  type Pass,
  type PluginKind,
  type Reporter,
  type Searcher,
} from './plugin';
import { STAGE, type StageDefinition } from './stages';

/** What each kind of plugin contributes. */
export interface Contributions {
  frontend: Frontend;
  pass: Pass;
  backend: Backend;
  searcher: Searcher;
  reporter: Reporter;
}

// One token per kind: a plugin cannot bind a backend under PASS by mistake.
const TOKENS: { [K in PluginKind]: InjectionToken<Contributions[K]> } = { frontend: FRONTEND, pass: PASS, backend: BACKEND, searcher: SEARCHER, reporter: REPORTER };

/** What a plugin contributing one kind of thing says about itself; the rest of its plugin object follows from it. */
export interface PluginSpec<K extends PluginKind, O> {
  id: string;
  description: string;
  optionsSchema: object;
  defaultOptions: Partial<O>;
  /** other ids this plugin answers to, with the option defaults each implies (FuseFlowPlugin.aliases). */
  aliases?: Record<string, Partial<O>>;
  /** CLI sub-commands; a getter is kept a getter, so a command's heavy imports load only when the CLI asks. */
  commands?: CliCommandSpec[];
  /**
   * IR stages this plugin produces, bound under STAGE at register after its contributions, in this
   * order (the session verifies and prints a module with the first definition of its stage's name).
   */
  stages?: readonly StageDefinition[];
  /**
   * The contributions of one run, from the options the kernel validated and merged. A list is bound in
   * its order: the kernel runs the first, `resolveAll` offers them all.
   */
  create(options: O): Contributions[K] | Array<Contributions[K]>;
}

/**
 * The plugin object of a package whose contributions are all of one kind. Name and version come from
 * the package's package.json, so they cannot drift from what npm publishes.
 */
export function definePlugin<K extends PluginKind, O>(kind: K, pkg: { name: string; version: string }, spec: PluginSpec<K, O>): FuseFlowPlugin<O> {
  if (!pkg || typeof pkg.name !== 'string' || !pkg.name || typeof pkg.version !== 'string' || !pkg.version) {
    throw new FuseFlowError('FF_PLUGIN_ERROR', `${kind} plugin '${String(spec?.id)}': its package.json needs a non-empty "name" and "version", got ${JSON.stringify(pkg)}`, { path: 'package.json' });
  }
  const token = TOKENS[kind] as InjectionToken<Contributions[K]> | undefined;
  if (!token) throw new FuseFlowError('FF_PLUGIN_ERROR', `${pkg.name}: unknown plugin kind '${String(kind)}' (one of ${Object.keys(TOKENS).join(', ')})`, { path: `${pkg.name}/kind` });
  const stages = checkStages(pkg.name, spec.stages);
  const plugin: FuseFlowPlugin<O> = {
    name: pkg.name,
    version: pkg.version,
    apiVersion: PLUGIN_API_VERSION,
    kind,
    id: spec.id,
    description: spec.description,
    optionsSchema: spec.optionsSchema as JsonSchema,
    defaultOptions: spec.defaultOptions,
    ...(spec.aliases ? { aliases: spec.aliases } : {}),
    register(container, options) {
      const made = spec.create(options);
      const list = Array.isArray(made) ? made : [made];
      // a plugin that binds nothing would surface later as "no backend" far from its cause
      if (list.length === 0) throw new FuseFlowError('FF_PLUGIN_ERROR', `${pkg.name}: create() returned no ${kind}`, { plugin: pkg.name, hook: 'register' });
      for (const c of list) container.register(token, { useValue: c });
      for (const s of stages) container.register(STAGE, { useValue: s });
    },
  };
  const commands = Object.getOwnPropertyDescriptor(spec, 'commands');
  if (commands) Object.defineProperty(plugin, 'commands', { ...commands, enumerable: true });
  return plugin;
}

// Checked when the plugin is defined: a nameless or printer-less stage would otherwise surface only
// when a module of that stage is verified or printed, far from the plugin that declared it.
function checkStages(plugin: string, stages: unknown): readonly StageDefinition[] {
  if (stages === undefined) return [];
  const fail = (i: number | undefined, what: string): never => {
    const at = i === undefined ? 'stages' : `stages[${i}]`;
    throw new FuseFlowError('FF_PLUGIN_ERROR', `${plugin}: ${at} ${what}`, { plugin, path: `${plugin}/stages${i === undefined ? '' : `/${i}`}` });
  };
  if (!Array.isArray(stages)) return fail(undefined, `must be a list of stage definitions, got ${typeof stages}`);
  const seen = new Set<string>();
  for (const [i, s] of stages.entries()) {
    if (!s || typeof s !== 'object') fail(i, `must be a stage definition ({ name, verify, print }), got ${s === null ? 'null' : typeof s}`);
    const d = s as Partial<Record<keyof StageDefinition, unknown>>;
    if (typeof d.name !== 'string' || !d.name) return fail(i, `has no "name" (the stage tag of the modules it describes, e.g. 'dataflow')`);
    for (const f of ['verify', 'print'] as const) if (typeof d[f] !== 'function') fail(i, `('${d.name}') has no ${f}() function`);
    if (d.parse !== undefined && typeof d.parse !== 'function') fail(i, `('${d.name}') has a "parse" that is not a function`);
    // a second definition of a name would never be used (the first wins), so it is a mistake
    if (seen.has(d.name)) fail(i, `defines the stage '${d.name}' a second time`);
    seen.add(d.name);
  }
  // a copy: the list that was checked is the list that is bound
  return [...(stages as StageDefinition[])];
}
