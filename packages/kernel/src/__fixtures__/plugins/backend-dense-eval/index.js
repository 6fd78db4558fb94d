'use strict';
// Test backend: evaluates a TensorProgram densely, counting effective FLOPs and the bytes moved
// between fusion groups, and estimates cycles = ceil(flops / lanes) + ceil(bytes / bytesPerCycle).
const { BACKEND } = require('@fuseflow/kernel');
const { toDenseArray, storedBytes } = require('../tensor-text-lib');

function accesses(e, out = []) {
  if (e.kind === 'access') out.push(e);
  else if (e.kind === 'binary') { accesses(e.lhs, out); accesses(e.rhs, out); }
  else if (e.kind === 'unary' || e.kind === 'reduce') accesses(e.arg, out);
  return out;
}
function opCount(e) {
  if (e.kind === 'binary') return 1 + opCount(e.lhs) + opCount(e.rhs);
  if (e.kind === 'unary') return 1 + opCount(e.arg);
  return 0;
}
const BIN = { add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => (b === 0 ? 0 : a / b), max: Math.max, min: Math.min };
const UN = { relu: (a) => Math.max(0, a), exp: Math.exp, neg: (a) => -a };

function strides(shape) {
  const s = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

class DenseEvalBackend {
  constructor(options) {
    this.id = 'dense-eval';
    this.consumes = ['program'];
    this.options = options;
  }
  run(ir, ctx) {
    const p = ir.program;
    const dense = {};
    for (const [name, t] of Object.entries(ir.data)) dense[name] = toDenseArray(t);
    const decl = p.tensors;
    let flops = 0;
    for (const s of p.statements) {
      const vars = [...s.lhs.indices];
      const extent = {};
      s.lhs.indices.forEach((v, k) => (extent[v] = decl[s.lhs.tensor].shape[k]));
      for (const a of accesses(s.rhs)) a.indices.forEach((v, k) => {
        if (!vars.includes(v)) vars.push(v);
        extent[v] = decl[a.tensor].shape[k];
      });
      const summed = vars.length > s.lhs.indices.length;
      const ops = opCount(s.rhs) + (summed ? 1 : 0);
      const out = new Float64Array(decl[s.lhs.tensor].shape.reduce((a, b) => a * b, 1));
      const outStr = strides(decl[s.lhs.tensor].shape);
      const env = {};
      const evalE = (e) => {
        switch (e.kind) {
          case 'const': return e.value;
          case 'access': {
            const st = strides(decl[e.tensor].shape);
            let off = 0;
            e.indices.forEach((v, k) => (off += env[v] * st[k]));
            return dense[e.tensor][off];
          }
          case 'binary': return BIN[e.op](evalE(e.lhs), evalE(e.rhs));
          case 'unary': return UN[e.op](evalE(e.arg));
          default: throw Object.assign(new Error(`expression kind ${e.kind} is not supported`), { code: 'TOY_UNSUPPORTED' });
        }
      };
      const loop = (d) => {
        if (d === vars.length) {
          const v = evalE(s.rhs);
          if (v !== 0) {
            flops += ops;
            let off = 0;
            s.lhs.indices.forEach((x, k) => (off += env[x] * outStr[k]));
            out[off] += v;
          }
          return;
        }
        for (let x = 0; x < extent[vars[d]]; x++) {
          env[vars[d]] = x;
          loop(d + 1);
        }
      };
      loop(0);
      dense[s.lhs.tensor] = out;
    }
    // Bytes: every group reads its inputs and writes its results; intermediates that stay inside a
    // group never leave the chip.
    const groups = p.groups || p.statements.map((s) => ({ name: s.name, statements: [s.name] }));
    const byName = Object.fromEntries(p.statements.map((s) => [s.name, s]));
    let bytes = 0;
    for (const g of groups) {
      const produced = new Set(g.statements.map((n) => byName[n].lhs.tensor));
      const read = new Set();
      for (const n of g.statements) for (const a of accesses(byName[n].rhs)) if (!produced.has(a.tensor)) read.add(a.tensor);
      for (const t of read) bytes += ir.data[t] ? storedBytes(ir.data[t]) : dense[t].length * 8;
      const consumedLater = (t) => groups.some((h) => h !== g && h.statements.some((n) => accesses(byName[n].rhs).some((a) => a.tensor === t)));
      for (const t of produced) if (decl[t].role === 'output' || consumedLater(t)) bytes += dense[t].length * 8;
    }
    const cycles = Math.ceil(flops / this.options.lanes) + Math.ceil(bytes / this.options.bytesPerCycle);
    const outputs = Object.fromEntries(p.outputs.map((o) => [o, Array.from(dense[o])]));
    return { backend: 'dense-eval', metrics: { cycles, flops, bytes }, details: { outputs, groups: groups.length }, text: `cycles=${cycles} flops=${flops} bytes=${bytes}` };
  }
}

module.exports = {
  default: {
    name: 'fuseflow-backend-dense-eval',
    version: '0.0.1',
    apiVersion: 1,
    kind: 'backend',
    id: 'dense-eval',
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: { lanes: { type: 'integer', minimum: 1 }, bytesPerCycle: { type: 'number', exclusiveMinimum: 0 } },
    },
    defaultOptions: { lanes: 4, bytesPerCycle: 16 },
    register(container, options) {
      container.register(BACKEND, { useValue: new DenseEvalBackend(options) });
    },
  },
  DenseEvalBackend,
};
