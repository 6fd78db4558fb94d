'use strict';
// A roofline accelerator model as a FuseFlow backend plugin (plain CommonJS: no build step).
//
// Per fusion group g of a TensorProgram:  cycles(g) = max(flops(g) / peakFlopsPerCycle,
//                                                        bytes(g) / bytesPerCycle)
// FLOPs count the arithmetic at the points where the multiplied operands are all nonzero (sparse
// operands scale the iteration space by their density); bytes count every tensor a group reads from
// or writes to off-chip memory. Intermediates produced and consumed inside one fusion group stay on
// chip, which is what makes fusion pay off (or not) in this model.
const { BACKEND } = require('@fuseflow/kernel');

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    peakFlopsPerCycle: { type: 'number', exclusiveMinimum: 0, description: 'arithmetic throughput (FLOPs per cycle)' },
    bytesPerCycle: { type: 'number', exclusiveMinimum: 0, description: 'off-chip bandwidth (bytes per cycle)' },
    clockGHz: { type: 'number', exclusiveMinimum: 0, description: 'clock frequency, for latency in seconds' },
    valueBytes: { type: 'integer', enum: [1, 2, 4, 8], description: 'bytes per stored value' },
    indexBytes: { type: 'integer', enum: [1, 2, 4, 8], description: 'bytes per coordinate / segment entry of sparse levels' },
  },
};

const defaultOptions = { peakFlopsPerCycle: 64, bytesPerCycle: 32, clockGHz: 1, valueBytes: 4, indexBytes: 4 };

function product(xs) {
  return xs.reduce((a, b) => a * b, 1);
}

function accesses(e, out = []) {
  if (e.kind === 'access') out.push(e);
  else if (e.kind === 'binary') {
    accesses(e.lhs, out);
    accesses(e.rhs, out);
  } else if (e.kind === 'unary' || e.kind === 'reduce') accesses(e.arg, out);
  return out;
}

/** Arithmetic operations per iteration point (binary and unary nodes; reductions add one). */
function opsPerPoint(e) {
  if (e.kind === 'binary') return 1 + opsPerPoint(e.lhs) + opsPerPoint(e.rhs);
  if (e.kind === 'unary') return 1 + opsPerPoint(e.arg);
  if (e.kind === 'reduce') return 1 + opsPerPoint(e.arg);
  return 0;
}

/** Fraction of iteration points where the expression is nonzero (independent operands). */
function density(e, dens) {
  switch (e.kind) {
    case 'access':
      return dens(e.tensor);
    case 'const':
      return e.value === 0 ? 0 : 1;
    case 'binary': {
      const a = density(e.lhs, dens);
      const b = density(e.rhs, dens);
      return e.op === 'mul' || e.op === 'div' ? a * b : 1 - (1 - a) * (1 - b);
    }
    default:
      return density(e.arg, dens);
  }
}

/** Number of stored entries per level and values of a SparseTensorData (fiber tree). */
function storedBytes(t, o) {
  let b = t.vals.length * o.valueBytes;
  for (const l of t.levels) b += ((l.pos && l.pos.length) || 0) * o.indexBytes + ((l.crd && l.crd.length) || 0) * o.indexBytes;
  return b;
}

/** nnz / size of a bound tensor (1 for tensors without data: intermediates are assumed dense). */
function tensorDensity(t, decl) {
  if (!t) return 1;
  const size = product(decl.shape);
  let nz = 0;
  for (let i = 0; i < t.vals.length; i++) if (t.vals[i] !== 0) nz++;
  return size === 0 ? 0 : nz / size;
}

/** The roofline estimate of a ProgramModule ({ stage: 'program', program, data }). */
function estimateProgram(module, o) {
  const p = module.program;
  const data = module.data || {};
  const decl = p.tensors;
  const densities = {};
  const dens = (name) => (name in densities ? densities[name] : (densities[name] = tensorDensity(data[name], decl[name])));
  const stmtByName = Object.fromEntries(p.statements.map((s) => [s.name, s]));
  const groups = p.groups && p.groups.length ? p.groups : p.statements.map((s) => ({ name: s.name, statements: [s.name] }));
  const groupOf = {};
  for (const g of groups) for (const n of g.statements) groupOf[stmtByName[n].lhs.tensor] = g.name;
  const denseBytes = (name) => Math.ceil(product(decl[name].shape) * dens(name)) * o.valueBytes;
  const perGroup = [];
  for (const g of groups) {
    let flops = 0;
    const reads = new Set();
    const writes = new Set();
    for (const n of g.statements) {
      const s = stmtByName[n];
      const extent = {};
      s.lhs.indices.forEach((v, k) => (extent[v] = decl[s.lhs.tensor].shape[k]));
      for (const a of accesses(s.rhs)) {
        a.indices.forEach((v, k) => (extent[v] = decl[a.tensor].shape[k]));
        if (groupOf[a.tensor] !== g.name) reads.add(a.tensor);
      }
      const vars = Object.keys(extent);
      const summed = vars.length > s.lhs.indices.length;
      const points = product(vars.map((v) => extent[v])) * density(s.rhs, dens);
      flops += points * (opsPerPoint(s.rhs) + (summed ? 1 : 0));
      // a result leaves the chip if it is a program output or another group reads it
      const leaves = decl[s.lhs.tensor].role === 'output' || groups.some((h) => h !== g && h.statements.some((m) => accesses(stmtByName[m].rhs).some((a) => a.tensor === s.lhs.tensor)));
      if (leaves) writes.add(s.lhs.tensor);
    }
    let bytes = 0;
    for (const t of reads) bytes += data[t] ? storedBytes(data[t], o) : denseBytes(t);
    for (const t of writes) bytes += denseBytes(t);
    flops = Math.round(flops);
    const computeCycles = Math.ceil(flops / o.peakFlopsPerCycle);
    const memoryCycles = Math.ceil(bytes / o.bytesPerCycle);
    perGroup.push({ group: g.name, statements: g.statements, flops, bytes, computeCycles, memoryCycles, cycles: Math.max(computeCycles, memoryCycles), bound: computeCycles >= memoryCycles ? 'compute' : 'memory' });
  }
  return perGroup;
}

class RooflineBackend {
  constructor(options) {
    this.id = 'roofline';
    this.consumes = ['program'];
    this.options = options;
  }

  run(module, ctx) {
    const o = this.options;
    const groups = estimateProgram(module, o);
    const sum = (k) => groups.reduce((a, g) => a + g[k], 0);
    const cycles = sum('cycles');
    const flops = sum('flops');
    const bytes = sum('bytes');
    ctx.progress({ plugin: 'roofline', done: groups.length, total: groups.length });
    const text = groups.map((g) => `${g.group} [${g.statements.join(',')}]: ${g.cycles} cycles (${g.bound}-bound), ${g.flops} FLOPs, ${g.bytes} bytes`).join('\n');
    return {
      backend: 'roofline',
      metrics: { cycles, flops, bytes, intensity: bytes ? flops / bytes : 0, latencyS: cycles / (o.clockGHz * 1e9) },
      details: { groups, hardware: { ...o } },
      text,
    };
  }
}

/** @type {import('./index').RooflinePlugin} */
const plugin = {
  name: 'fuseflow-backend-roofline',
  version: require('./package.json').version,
  apiVersion: 1,
  kind: 'backend',
  id: 'roofline',
  description: 'roofline accelerator model: cycles = max(FLOPs / peak, bytes / bandwidth) per fusion group',
  optionsSchema,
  defaultOptions,
  register(container, options) {
    container.register(BACKEND, { useValue: new RooflineBackend(options) });
  },
};

module.exports = plugin;
module.exports.default = plugin;
module.exports.RooflineBackend = RooflineBackend;
module.exports.estimateProgram = estimateProgram;
