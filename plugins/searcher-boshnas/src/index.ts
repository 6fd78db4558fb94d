import { definePlugin } from '@fuseflow/kernel/plugin-api';
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

/**
 * One plugin, two searchers: 'boshnas' (CNN search) and 'boshcode' (CNN + accelerator co-design).
 * `mode` (or the alias "boshcode", which sets mode 'codesign') picks the one the kernel runs (the first SEARCHER bound); the other is bound too, so
 * `container.resolveAll(SEARCHER)` offers both ids.
 */
const plugin = definePlugin<'searcher', BoshOptions>('searcher', require('../package.json') as { name: string; version: string }, {
  id: 'boshnas',
  description: 'BOSHNAS neural architecture search and BOSHCODE CNN/accelerator co-design (heteroscedastic surrogate + second-order GOBI), with random and regularized-evolution baselines',
  optionsSchema,
  defaultOptions,
  // A manifest may say "use": "boshcode" for the co-design searcher.
  aliases: { boshcode: { mode: 'codesign' } },
  create(options) {
    const first = options.mode === 'codesign' ? 'codesign' : 'nas';
    const second = first === 'codesign' ? 'nas' : 'codesign';
    return [new BoshSearcher(options, first), new BoshSearcher(options, second)];
  },
});

export default plugin;
