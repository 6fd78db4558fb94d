'use strict';
// Shared helpers of the kernel's test plugins: a parser for a small index-notation text form
// that produces a real @fuseflow/ir TensorProgram, seeded data, and a dense evaluator.

/** mulberry32: tiny seeded PRNG, uniform floats in [0, 1). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function fail(lineNo, line, msg) {
  const e = new Error(`line ${lineNo}: ${msg}: ${line.trim()}`);
  e.code = 'TOY_PARSE';
  throw e;
}

/**
 * Parse:  tensor A(4,4) csr density=0.5 input   |   Y(i,j) = A(i,k) * X(k,j) + B(i,j)
 * Roles default to input; the last statement's lhs is the output.
 */
function parseTensorText(text) {
  const tensors = {};
  const statements = [];
  const densities = {};
  text.split('\n').forEach((raw, n) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    let m = /^tensor\s+(\w+)\s*\(([\d,\s]+)\)\s*(\w+)?(.*)$/.exec(line);
    if (m) {
      const shape = m[2].split(',').map((s) => Number(s.trim()));
      const fmt = (m[3] || 'dense').toLowerCase();
      if (fmt !== 'dense' && fmt !== 'csr') fail(n + 1, raw, `format '${fmt}' (expected dense or csr)`);
      if (fmt === 'csr' && shape.length !== 2) fail(n + 1, raw, 'csr needs a rank-2 tensor');
      const rest = m[4] || '';
      const dm = /density=([\d.]+)/.exec(rest);
      const role = /\boutput\b/.test(rest) ? 'output' : /\bintermediate\b/.test(rest) ? 'intermediate' : 'input';
      tensors[m[1]] = {
        name: m[1],
        shape,
        format: { levels: fmt === 'csr' ? ['dense', 'compressed'] : shape.map(() => 'dense'), modeOrder: shape.map((_, i) => i) },
        role,
      };
      densities[m[1]] = dm ? Number(dm[1]) : 1;
      return;
    }
    m = /^(\w+)\s*\(([\w,\s]*)\)\s*=\s*(.+)$/.exec(line);
    if (!m) fail(n + 1, raw, 'expected "tensor NAME(dims) [dense|csr] [density=x] [input|intermediate|output]" or "T(i,j) = expr"');
    const lhs = { tensor: m[1], indices: m[2].split(',').map((s) => s.trim()).filter(Boolean) };
    if (!tensors[lhs.tensor]) fail(n + 1, raw, `undeclared tensor ${lhs.tensor}`);
    statements.push({ name: `s${statements.length}`, lhs, rhs: parseExpr(m[3], n + 1, raw, tensors) });
  });
  const outputs = Object.values(tensors).filter((t) => t.role === 'output').map((t) => t.name);
  return { program: { name: 'tensor-text', tensors, statements, outputs }, densities };
}

function parseExpr(src, lineNo, raw, tensors) {
  const toks = src.match(/\s*(\d+\.?\d*|\w+|[-+*/(),])/g).map((t) => t.trim());
  let i = 0;
  const peek = () => toks[i];
  const take = (t) => {
    if (t !== undefined && toks[i] !== t) fail(lineNo, raw, `expected '${t}' but found '${toks[i] ?? 'end'}'`);
    return toks[i++];
  };
  const sum = () => {
    let e = term();
    while (peek() === '+' || peek() === '-') e = { kind: 'binary', op: take() === '+' ? 'add' : 'sub', lhs: e, rhs: term() };
    return e;
  };
  const term = () => {
    let e = factor();
    while (peek() === '*' || peek() === '/') e = { kind: 'binary', op: take() === '*' ? 'mul' : 'div', lhs: e, rhs: factor() };
    return e;
  };
  const factor = () => {
    const t = take();
    if (t === undefined) fail(lineNo, raw, 'unexpected end of expression');
    if (t === '(') {
      const e = sum();
      take(')');
      return e;
    }
    if (/^\d/.test(t)) return { kind: 'const', value: Number(t) };
    if (['relu', 'exp', 'neg'].includes(t)) {
      take('(');
      const arg = sum();
      take(')');
      return { kind: 'unary', op: t, arg };
    }
    if (!tensors[t]) fail(lineNo, raw, `undeclared tensor ${t}`);
    take('(');
    const indices = [];
    while (peek() !== ')') {
      indices.push(take());
      if (peek() === ',') take(',');
    }
    take(')');
    return { kind: 'access', tensor: t, indices };
  };
  const e = sum();
  if (i !== toks.length) fail(lineNo, raw, `unexpected '${toks[i]}'`);
  return e;
}

/** Seeded input data as @fuseflow/ir SparseTensorData (dense or CSR). */
function generateData(program, densities, seed) {
  const random = rng(seed);
  const data = {};
  for (const t of Object.values(program.tensors)) {
    if (t.role !== 'input') continue;
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (t.format.levels[1] === 'compressed') {
      const [rows, cols] = t.shape;
      const pos = [0];
      const crd = [];
      const vals = [];
      for (let r = 0; r < rows; r++) {
        for (let c = 0; c < cols; c++) {
          if (random() < densities[t.name]) {
            crd.push(c);
            vals.push(Math.round((random() * 2 - 1) * 100) / 100 || 0.5);
          }
        }
        pos.push(crd.length);
      }
      data[t.name] = { name: t.name, shape: t.shape, format: t.format, levels: [{ format: 'dense', size: rows }, { format: 'compressed', size: cols, pos: Int32Array.from(pos), crd: Int32Array.from(crd) }], vals: Float64Array.from(vals) };
    } else {
      const vals = new Float64Array(size);
      for (let k = 0; k < size; k++) vals[k] = Math.round((random() * 2 - 1) * 100) / 100 || 0.25;
      data[t.name] = { name: t.name, shape: t.shape, format: t.format, levels: t.shape.map((s) => ({ format: 'dense', size: s })), vals };
    }
  }
  return data;
}

/** Dense row-major copy of a dense or CSR tensor. */
function toDenseArray(t) {
  const size = t.shape.reduce((a, b) => a * b, 1);
  if (t.levels.length === 2 && t.levels[1].format === 'compressed') {
    const out = new Float64Array(size);
    const { pos, crd } = t.levels[1];
    for (let r = 0; r < t.shape[0]; r++) for (let p = pos[r]; p < pos[r + 1]; p++) out[r * t.shape[1] + crd[p]] = t.vals[p];
    return out;
  }
  return Float64Array.from(t.vals);
}

function storedBytes(t) {
  let b = t.vals.length * 8;
  for (const l of t.levels) b += ((l.pos && l.pos.length) || 0) * 4 + ((l.crd && l.crd.length) || 0) * 4;
  return b;
}

module.exports = { rng, parseTensorText, generateData, toDenseArray, storedBytes };
