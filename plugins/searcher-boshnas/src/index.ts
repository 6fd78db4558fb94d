import { SEARCHER, type FuseFlowPlugin } from '@fuseflow/kernel/plugin-api';
import { BoshSearcher, defaultOptions, optionsSchema, type BoshOptions } from './searcher';

export * from './embedding';
export * from './engine';
export * from './evaluator';
export * from './gobi';
export * from './model-graph';
export * from './objective';
export * from './pareto';
export * from './rng';
export * from './searcher';
export * from './space';
export * from './surrogate';

const pkg = require('../package.json') as { name: string; version: string };

/**
 * One plugin, two searchers: 'boshnas' (CNN search) and 'boshcode' (CNN + accelerator co-design).
 * `mode` (or the alias "boshcode", which sets mode 'codesign') picks the one the kernel runs (the first SEARCHER bound); the other is bound too, so
 * `container.resolveAll(SEARCHER)` offers both ids.
 */
const plugin: FuseFlowPlugin<BoshOptions> = {
  name: pkg.name,
  version: pkg.version,
  apiVersion: 1,
  kind: 'searcher',
  id: 'boshnas',
  description: 'BOSHNAS neural architecture search and BOSHCODE CNN/accelerator co-design (heteroscedastic surrogate + second-order GOBI), with random and regularized-evolution baselines',
  optionsSchema: optionsSchema as unknown as Record<string, unknown>,
  defaultOptions,
  // A manifest may say "use": "boshcode" for the co-design searcher.
  aliases: { boshcode: { mode: 'codesign' } },
  register(container, options) {
    const first = options.mode === 'codesign' ? 'codesign' : 'nas';
    const second = first === 'codesign' ? 'nas' : 'codesign';
    container.register(SEARCHER, { useValue: new BoshSearcher(options, first) });
    container.register(SEARCHER, { useValue: new BoshSearcher(options, second) });
  },
};

export default plugin;
