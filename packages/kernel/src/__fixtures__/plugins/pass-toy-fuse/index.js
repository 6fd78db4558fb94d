'use strict';
// Test pass: groups statements so that an intermediate produced by one statement and consumed by
// the next stays inside one fusion group (granularity "full"), or one group per statement ("none").
const { PASS } = require('@fuseflow/kernel');

class ToyFusePass {
  constructor(options) {
    this.id = 'toy-fuse';
    this.reads = 'program';
    this.writes = 'program';
    this.options = options;
  }
  run(ir, ctx) {
    const p = ir.program;
    const groups = [];
    for (const s of p.statements) {
      const last = groups[groups.length - 1];
      const consumesPrev = last && this.options.granularity === 'full' && JSON.stringify(s.rhs).includes(`"tensor":"${p.statements.find((x) => x.name === last.statements[last.statements.length - 1]).lhs.tensor}"`);
      if (consumesPrev) last.statements.push(s.name);
      else groups.push({ name: `g${groups.length}`, statements: [s.name] });
    }
    if (ctx.stat) ctx.stat('groups', groups.length);
    return { ...ir, program: { ...p, groups } };
  }
}

module.exports = {
  default: {
    name: 'fuseflow-pass-toy-fuse',
    version: '0.0.1',
    apiVersion: 1,
    kind: 'pass',
    id: 'toy-fuse',
    optionsSchema: { type: 'object', additionalProperties: false, properties: { granularity: { enum: ['none', 'full'] } } },
    defaultOptions: { granularity: 'full' },
    register(container, options) {
      container.register(PASS, { useValue: new ToyFusePass(options) });
    },
  },
  ToyFusePass,
};
