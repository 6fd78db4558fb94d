import { definePlugin, type PluginSpec } from './define-plugin';
import type { FuseFlowPlugin } from './plugin';

/** What a one-pass plugin says about itself; the rest of its plugin object follows from it. */
export type PassPluginSpec<O> = Omit<PluginSpec<'pass', O>, 'aliases' | 'commands'>;

/** The plugin object of a package that contributes one pass (definePlugin of kind 'pass'). */
export function passPlugin<O>(pkg: { name: string; version: string }, spec: PassPluginSpec<O>): FuseFlowPlugin<O> {
  return definePlugin('pass', pkg, spec);
}
