'use strict';
// Hand-computed roofline numbers for tiny programs (node's built-in test runner: `npm test`).
const test = require('node:test');
const assert = require('node:assert');
const { RooflineBackend, estimateProgram } = require('..');
const plugin = require('..').default;

const dense = (name, shape, vals) => ({ name, shape, format: { levels: shape.map(() => 'dense'), modeOrder: shape.map((_, i) => i) }, levels: shape.map((s) => ({ format: 'dense', size: s })), vals: Float64Array.from(vals) });
// 4x4 CSR with 5 nonzeros: rows 0: {0,2}, 1: {}, 2: {1}, 3: {0,3}
const A = { name: 'A', shape: [4, 4], format: { levels: ['dense', 'compressed'], modeOrder: [0, 1] }, levels: [{ format: 'dense', size: 4 }, { format: 'compressed', size: 4, pos: Int32Array.from([0, 2, 2, 3, 5]), crd: Int32Array.from([0, 2, 1, 0, 3]) }], vals: Float64Array.from([1, 2, 3, 4, 5]) };
const decl = (name, shape, role, levels) => ({ name, shape, role, format: { levels: levels || shape.map(() => 'dense'), modeOrder: shape.map((_, i) => i) } });
const acc = (tensor, indices) => ({ kind: 'access', tensor, indices });
const mul = (lhs, rhs) => ({ kind: 'binary', op: 'mul', lhs, rhs });
const opts = { peakFlopsPerCycle: 64, bytesPerCycle: 32, clockGHz: 1, valueBytes: 4, indexBytes: 4 };

test('SpMV: FLOPs scale with nnz, bytes count values, segments and coordinates', () => {
  const program = {
    name: 'spmv',
    tensors: { A: decl('A', [4, 4], 'input', ['dense', 'compressed']), x: decl('x', [4], 'input'), y: decl('y', [4], 'output') },
    statements: [{ name: 's0', lhs: { tensor: 'y', indices: ['i'] }, rhs: mul(acc('A', ['i', 'j']), acc('x', ['j'])) }],
    outputs: ['y'],
  };
  const [g] = estimateProgram({ stage: 'program', program, data: { A, x: dense('x', [4], [1, 1, 1, 1]) } }, opts);
  assert.strictEqual(g.flops, 5 * 2); // 5 nonzeros x (mul + accumulate)
  assert.strictEqual(g.bytes, 5 * 4 + 5 * 4 + 5 * 4 + 4 * 4 + 4 * 4); // vals + pos + crd of A, x, y
  assert.strictEqual(g.cycles, Math.ceil(92 / 32));
  assert.strictEqual(g.bound, 'memory');
});

test('fusion keeps the intermediate on chip: bytes drop by its write and its read', () => {
  const program = {
    name: 'two',
    tensors: { X: decl('X', [8, 8], 'input'), W: decl('W', [8, 8], 'input'), T: decl('T', [8, 8], 'intermediate'), Y: decl('Y', [8, 8], 'output') },
    statements: [
      { name: 's0', lhs: { tensor: 'T', indices: ['i', 'j'] }, rhs: mul(acc('X', ['i', 'k']), acc('W', ['k', 'j'])) },
      { name: 's1', lhs: { tensor: 'Y', indices: ['i', 'j'] }, rhs: { kind: 'unary', op: 'relu', arg: acc('T', ['i', 'j']) } },
    ],
    outputs: ['Y'],
  };
  const data = { X: dense('X', [8, 8], new Array(64).fill(1)), W: dense('W', [8, 8], new Array(64).fill(2)) };
  const backend = new RooflineBackend(opts);
  const ctx = { progress() {} };
  const unfused = backend.run({ stage: 'program', program, data }, ctx);
  const fused = backend.run({ stage: 'program', program: { ...program, groups: [{ name: 'g0', statements: ['s0', 's1'] }] }, data }, ctx);
  assert.strictEqual(unfused.metrics.flops, 8 * 8 * 8 * 2 + 64);
  assert.strictEqual(fused.metrics.flops, unfused.metrics.flops);
  assert.strictEqual(unfused.metrics.bytes - fused.metrics.bytes, 2 * 64 * 4);
  // compute-bound matmul (1024 FLOPs / 64 = 16 cycles) vs 768 bytes / 32 = 24: memory-bound unfused
  assert.strictEqual(fused.metrics.cycles, Math.max(Math.ceil(1088 / 64), Math.ceil((256 + 256 + 256) / 32)));
});

test('the plugin object follows the FuseFlow contract', () => {
  assert.strictEqual(plugin.apiVersion, 1);
  assert.strictEqual(plugin.kind, 'backend');
  assert.strictEqual(plugin.id, 'roofline');
  const registered = [];
  plugin.register({ register: (token, p) => registered.push([token, p.useValue]) }, opts);
  assert.strictEqual(registered[0][0], Symbol.for('fuseflow.backend'));
  assert.ok(registered[0][1] instanceof RooflineBackend);
});
