'use strict';
// Test pass that fails on purpose (its own error code), to test the kernel's error wrapping.
const { PASS } = require('@fuseflow/kernel');

module.exports = {
  default: {
    name: 'fuseflow-pass-explode',
    version: '0.0.1',
    apiVersion: 1,
    kind: 'pass',
    id: 'explode',
    optionsSchema: { type: 'object', properties: { in: { enum: ['register', 'run'] } } },
    defaultOptions: { in: 'run' },
    register(container, options) {
      if (options.in === 'register') throw Object.assign(new Error('cannot register: out of widgets'), { code: 'E_WIDGETS' });
      container.register(PASS, {
        useValue: {
          id: 'explode',
          reads: '*',
          writes: '*',
          run(ir) {
            throw Object.assign(new Error(`boom on ${ir.program ? ir.program.statements.length : 0} statements`), { code: 'E_BOOM' });
          },
        },
      });
    },
  },
};
