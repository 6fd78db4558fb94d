'use strict';
// Test searcher: evaluates each value of one backend option through the kernel's PIPELINE_RUNNER
// and keeps the configuration with the fewest cycles.
const { SEARCHER, PIPELINE_RUNNER } = require('@fuseflow/kernel');

module.exports = {
  default: {
    name: 'fuseflow-searcher-grid',
    version: '0.0.1',
    apiVersion: 1,
    kind: 'searcher',
    id: 'grid',
    optionsSchema: {
      type: 'object',
      required: ['option', 'values'],
      properties: { option: { type: 'string' }, values: { type: 'array', minItems: 1 }, budget: { type: 'integer', minimum: 1 }, resume: { type: 'boolean' } },
    },
    defaultOptions: {},
    register(container, options) {
      container.register(SEARCHER, {
        useValue: {
          id: 'grid',
          async search(ctx) {
            const runner = ctx.container.resolve(PIPELINE_RUNNER);
            const values = options.values.slice(0, options.budget || options.values.length);
            const points = [];
            for (let i = 0; i < values.length; i++) {
              const [report] = await runner.runPipeline({ backend: { options: { [options.option]: values[i] } } }, ctx);
              points.push({ value: values[i], cycles: report.metrics.cycles });
              ctx.progress({ plugin: 'grid', done: i + 1, total: values.length });
            }
            const best = points.reduce((a, b) => (b.cycles < a.cycles ? b : a));
            return { searcher: 'grid', best, evaluations: points.length, details: { points, resume: !!options.resume } };
          },
        },
      });
    },
  },
};
