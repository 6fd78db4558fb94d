/**
 * The plugin API: what a plugin imports (contract types, contribution tokens, errors, event
 * types). The loader and the runner are not here: a plugin runs nested work through the RUNNER
 * service its container provides, so every run goes through a kernel session.
 */
export * from './plugin';
export * from './stages';
export * from './errors';
export type { KernelEmitter, KernelEvents } from './events';
export type { Manifest, PluginUse } from './manifest';
export type * from './results';
export { didYouMean, editDistance } from './suggest';
// pure helpers plugins share with the kernel (JSON merge, file-name-safe names)
export { deepMerge } from './merge';
export { passPlugin, type PassPluginSpec } from './define-pass';
export { definePlugin, type Contributions, type PluginSpec } from './define-plugin';
export { manifestBaseDir, safeName } from './output';
