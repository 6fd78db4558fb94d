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
    },
  };
  const commands = Object.getOwnPropertyDescriptor(spec, 'commands');
  if (commands) Object.defineProperty(plugin, 'commands', { ...commands, enumerable: true });
  return plugin;
}
