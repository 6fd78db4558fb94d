'use strict';
// Test reporter: one CSV line per report (backend, cycles, flops, bytes).
const fs = require('node:fs');
const path = require('node:path');
const { REPORTER } = require('@fuseflow/kernel');

module.exports = {
  default: {
    name: 'fuseflow-reporter-csv',
    version: '0.0.1',
    apiVersion: 1,
    kind: 'reporter',
    id: 'csv',
    optionsSchema: { type: 'object', properties: { file: { type: 'string' } } },
    defaultOptions: { file: 'summary.csv' },
    register(container, options) {
      container.register(REPORTER, {
        useValue: {
          id: 'csv',
          report(result, ctx) {
            const file = path.join(ctx.outDir, options.file);
            const rows = result.reports.map((r) => [r.backend, r.metrics.cycles, r.metrics.flops, r.metrics.bytes].join(','));
            fs.writeFileSync(file, ['backend,cycles,flops,bytes', ...rows].join('\n') + '\n');
            return [file];
          },
        },
      });
    },
  },
};
