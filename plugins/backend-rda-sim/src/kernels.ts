import {
  DataflowGraphBuilder,
  parseFormat,
  parseProgram,
  type DataflowGraph,
  type DataflowModule,
  type NodeAttrs,
  type PrimitiveKind,
  type StreamKind,
  type TensorBindings,
  type TensorFormat,
  type TensorProgram,
} from '@fuseflow/ir';

/** A stream: an output port of a node, with its kind. */
export interface Stream {
  node: number;
  port: string;
  kind: StreamKind;
}

/**
 * Hand-wiring helper for SAM graphs (what a lowering emits, written by hand): every helper adds
 * nodes and returns output streams; `split` inserts a broadcast when a stream has several uses.
 */
export class Wiring {
  readonly b: DataflowGraphBuilder;
  private n = 0;
  constructor(name: string) {
    this.b = new DataflowGraphBuilder(name);
  }
  private add(kind: PrimitiveKind, label: string, attrs: NodeAttrs = {}): number {
    return this.b.add(kind, `${label}#${++this.n}`, attrs);
  }
  private to(s: Stream, node: number, port: string): void {
    this.b.connect({ node: s.node, port: s.port }, { node, port }, s.kind);
  }
  tensor(name: string, shape: number[], format: TensorFormat | string, role: 'input' | 'output' | 'intermediate' = 'input'): this {
    const f = typeof format === 'string' ? parseFormat(format, shape.length) : format;
    this.b.tensor({ name, shape, format: f, role });
    return this;
  }
  split(s: Stream, k: number): Stream[] {
    if (k === 1) return [s];
    const id = this.add('broadcast', `bc_${s.port}`, { arity: k });
    this.to(s, id, 'in');
    return Array.from({ length: k }, (_, i) => ({ node: id, port: `out${i}`, kind: s.kind }));
  }
  root(t: string): Stream {
    return { node: this.add('root', `root_${t}`), port: 'ref', kind: 'ref' };
  }
  scan(t: string, level: number, ref: Stream, index?: string): { crd: Stream; ref: Stream } {
    const id = this.add('level_scan', `${t}_${index ?? 'L' + level}`, { tensor: t, level, ...(index ? { index } : {}) });
    this.to(ref, id, 'ref');
    return { crd: { node: id, port: 'crd', kind: 'crd' }, ref: { node: id, port: 'ref', kind: 'ref' } };
  }
  repsig(crd: Stream): Stream {
    const id = this.add('repsig', 'repsig');
    this.to(crd, id, 'crd');
    return { node: id, port: 'repsig', kind: 'repsig' };
  }
  repeat(inp: Stream, sig: Stream): Stream {
    const id = this.add('repeat', 'repeat');
    this.to(inp, id, 'in');
    this.to(sig, id, 'repsig');
    return { node: id, port: 'out', kind: inp.kind };
  }
  joiner(kind: 'intersect' | 'union', pairs: Array<{ crd: Stream; ref: Stream }>, index?: string): { crd: Stream; refs: Stream[] } {
    const id = this.add(kind, `${kind}_${index ?? ''}`, { arity: pairs.length, ...(index ? { index } : {}) });
    pairs.forEach((p, i) => {
      this.to(p.crd, id, `crd${i}`);
      this.to(p.ref, id, `ref${i}`);
    });
    return { crd: { node: id, port: 'crd', kind: 'crd' }, refs: pairs.map((p, i) => ({ node: id, port: `ref${i}`, kind: p.ref.kind })) };
  }
  locate(crd: Stream, ref: Stream): { ref1: Stream; ref2: Stream; crd: Stream } {
    const id = this.add('locate', 'locate');
    this.to(crd, id, 'crd');
    this.to(ref, id, 'ref');
    return { ref1: { node: id, port: 'ref1', kind: 'ref' }, ref2: { node: id, port: 'ref2', kind: 'ref' }, crd: { node: id, port: 'crd', kind: 'crd' } };
  }
  array(t: string, ref: Stream): Stream {
    const id = this.add('array', `vals_${t}`, { tensor: t });
    this.to(ref, id, 'ref');
    return { node: id, port: 'val', kind: 'val' };
  }
  alu(op: NonNullable<NodeAttrs['alu']>, a: Stream, b?: Stream, extra: NodeAttrs = {}): Stream {
    const id = this.add('alu', op, { alu: op, ...extra });
    this.to(a, id, 'a');
    if (b) this.to(b, id, 'b');
    return { node: id, port: 'out', kind: 'val' };
  }
  reduce(v: Stream, op: 'sum' | 'max' = 'sum'): Stream {
    const id = this.add('reduce', `reduce_${op}`, { reduce: op });
    this.to(v, id, 'in');
    return { node: id, port: 'out', kind: 'val' };
  }
  spacc1(inner: Stream, outer: Stream, val: Stream): { crd: Stream; val: Stream } {
    const id = this.add('spacc1', 'spacc1');
    this.to(inner, id, 'inner_crd');
    this.to(outer, id, 'outer_crd');
    this.to(val, id, 'val');
    return { crd: { node: id, port: 'inner_crd', kind: 'crd' }, val: { node: id, port: 'val', kind: 'val' } };
  }
  spacc2(crd0: Stream, crd1: Stream, outer: Stream, val: Stream): { crd0: Stream; crd1: Stream; val: Stream } {
    const id = this.add('spacc2', 'spacc2');
    this.to(crd0, id, 'crd0');
    this.to(crd1, id, 'crd1');
    this.to(outer, id, 'outer_crd');
    this.to(val, id, 'val');
    return { crd0: { node: id, port: 'crd0', kind: 'crd' }, crd1: { node: id, port: 'crd1', kind: 'crd' }, val: { node: id, port: 'val', kind: 'val' } };
  }
  crdDrop(inner: Stream, outer: Stream): { inner: Stream; outer: Stream } {
    const id = this.add('crd_drop', 'crd_drop');
    this.to(inner, id, 'inner');
    this.to(outer, id, 'outer');
    return { inner: { node: id, port: 'inner', kind: 'crd' }, outer: { node: id, port: 'outer', kind: 'crd' } };
  }
  fork(s: Stream, lanes: number, index?: string): Stream[] {
    const id = this.add('fork', `fork_${s.port}`, { arity: lanes, ...(index ? { index } : {}) });
    this.to(s, id, 'in');
    return Array.from({ length: lanes }, (_, i) => ({ node: id, port: `out${i}`, kind: s.kind }));
  }
  join(lanes: Stream[], level: number): Stream {
    const id = this.add('join', `join_${lanes[0].port}`, { arity: lanes.length, level });
    lanes.forEach((l, i) => this.to(l, id, `in${i}`));
    return { node: id, port: 'out', kind: lanes[0].kind };
  }
  crdWrite(t: string, level: number, crd: Stream): void {
    this.to(crd, this.add('crd_write', `wr_${t}_L${level}`, { tensor: t, level }), 'crd');
  }
  valWrite(t: string, v: Stream): void {
    this.to(v, this.add('val_write', `wr_${t}_vals`, { tensor: t }), 'val');
  }
  build(tensor: string, shape: number[], modeOrder?: number[], blockSize?: number): DataflowGraph {
    return this.b.build({ tensor, shape, modeOrder: modeOrder ?? shape.map((_, i) => i) }, blockSize ? { blockSize } : {});
  }
}

/** A hand-wired kernel: its graph, the program it implements, and a module binding data. */
export interface Kernel {
  graph: DataflowGraph;
  program: TensorProgram;
  module(data: TensorBindings): DataflowModule;
}

function kernel(graph: DataflowGraph, programText: string): Kernel {
  const program = parseProgram(programText);
  return { graph, program, module: (data) => ({ stage: 'dataflow', program, data, graphs: [graph] }) };
}

const fmtName = (f: string) => f;

/** y(i) = A(i,j) * x(j); A csr or dcsr, x dense or sparse; loop order i, j. */
export function spmv(m: number, n: number, fa = 'csr', fx = 'dense'): Kernel {
  const w = new Wiring('spmv').tensor('A', [m, n], fa).tensor('x', [n], fx).tensor('y', [m], 'sparse', 'output');
  const ai = w.scan('A', 0, w.root('A'), 'i');
  const [ci, ci2] = w.split(ai.crd, 2);
  w.crdWrite('y', 0, ci);
  const aj = w.scan('A', 1, ai.ref, 'j');
  const xr = w.repeat(w.root('x'), w.repsig(ci2));
  const xj = w.scan('x', 0, xr, 'j');
  const j = w.joiner('intersect', [aj, xj], 'j');
  const v = w.alu('mul', w.array('A', j.refs[0]), w.array('x', j.refs[1]));
  w.valWrite('y', w.reduce(v));
  return kernel(w.build('y', [m]), `program spmv\ntensor A(${m},${n}): ${fmtName(fa)} input\ntensor x(${n}): ${fx} input\ntensor y(${m}): sparse output\ns0: y(i) = A(i,j) * x(j)`);
}

/**
 * X(i,j) = B(i,k) * C(k,j) in dataflow order ijk (inner products), ikj (Gustavson, spacc1) or
 * kij (outer products, spacc2). B/C formats must store the modes in the order's nesting:
 * ijk needs C column-major (csc/dcsc), kij needs B column-major.
 */
export function spmspm(order: 'ijk' | 'ikj' | 'kij', m: number, kk: number, n: number, fb?: string, fc?: string): Kernel {
  const fB = fb ?? (order === 'kij' ? 'dcsc' : 'dcsr');
  const fC = fc ?? (order === 'ijk' ? 'dcsc' : 'dcsr');
  const w = new Wiring(`spmspm_${order}`).tensor('B', [m, kk], fB).tensor('C', [kk, n], fC).tensor('X', [m, n], 'dcsr', 'output');
  if (order === 'ijk') {
    const bi = w.scan('B', 0, w.root('B'), 'i');
    const [ci1, ci2] = w.split(bi.crd, 2);
    w.crdWrite('X', 0, ci1);
    const cj = w.scan('C', 0, w.repeat(w.root('C'), w.repsig(ci2)), 'j');
    const [cj1, cj2] = w.split(cj.crd, 2);
    w.crdWrite('X', 1, cj1);
    const bk = w.scan('B', 1, w.repeat(bi.ref, w.repsig(cj2)), 'k');
    const ck = w.scan('C', 1, cj.ref, 'k');
    const k = w.joiner('intersect', [bk, ck], 'k');
    w.valWrite('X', w.reduce(w.alu('mul', w.array('B', k.refs[0]), w.array('C', k.refs[1]))));
  } else if (order === 'ikj') {
    const bi = w.scan('B', 0, w.root('B'), 'i');
    const [ci1, ci2] = w.split(bi.crd, 2);
    w.crdWrite('X', 0, ci1);
    const bk = w.scan('B', 1, bi.ref, 'k');
    const ck = w.scan('C', 0, w.repeat(w.root('C'), w.repsig(ci2)), 'k');
    const k = w.joiner('intersect', [bk, ck], 'k');
    const cj = w.scan('C', 1, k.refs[1], 'j');
    const [cj1, cj2] = w.split(cj.crd, 2);
    const bv = w.array('B', w.repeat(k.refs[0], w.repsig(cj1)));
    const prod = w.alu('mul', bv, w.array('C', cj.ref));
    const acc = w.spacc1(cj2, k.crd, prod);
    w.crdWrite('X', 1, acc.crd);
    w.valWrite('X', acc.val);
  } else {
    const bk = w.scan('B', 0, w.root('B'), 'k');
    const ck = w.scan('C', 0, w.root('C'), 'k');
    const k = w.joiner('intersect', [bk, ck], 'k');
    const bi = w.scan('B', 1, k.refs[0], 'i');
    const [ci1, ci2] = w.split(bi.crd, 2);
    const cj = w.scan('C', 1, w.repeat(k.refs[1], w.repsig(ci1)), 'j');
    const [cj1, cj2] = w.split(cj.crd, 2);
    const bv = w.array('B', w.repeat(bi.ref, w.repsig(cj1)));
    const prod = w.alu('mul', bv, w.array('C', cj.ref));
    const acc = w.spacc2(cj2, ci2, k.crd, prod);
    w.crdWrite('X', 0, acc.crd1);
    w.crdWrite('X', 1, acc.crd0);
    w.valWrite('X', acc.val);
  }
  return kernel(
    w.build('X', [m, n]),
    `program spmspm_${order}\ntensor B(${m},${kk}): ${fB} input\ntensor C(${kk},${n}): ${fC} input\ntensor X(${m},${n}): dcsr output\ns0: X(i,j) = B(i,k) * C(k,j)`,
  );
}

/** Element-wise X(i,j) = A op B [op C]: 'add' uses unions, 'mul' intersections plus crd_drop of empty rows. */
export function elementwise(op: 'add' | 'mul', operands: number, m: number, n: number, formats: string[]): Kernel {
  const names = ['A', 'B', 'C'].slice(0, operands);
  const w = new Wiring(`elem_${op}${operands}`);
  names.forEach((t, i) => w.tensor(t, [m, n], formats[i] ?? 'dcsr'));
  w.tensor('X', [m, n], 'dcsr', 'output');
  const jt = op === 'add' ? 'union' : 'intersect';
  const is = names.map((t) => w.scan(t, 0, w.root(t), 'i'));
  const i = w.joiner(jt, is, 'i');
  const js = names.map((t, q) => w.scan(t, 1, i.refs[q], 'j'));
  const j = w.joiner(jt, js, 'j');
  let v = w.array(names[0], j.refs[0]);
  for (let q = 1; q < operands; q++) v = w.alu(op, v, w.array(names[q], j.refs[q]));
  if (op === 'mul') {
    const d = w.crdDrop(j.crd, i.crd);
    w.crdWrite('X', 0, d.outer);
    w.crdWrite('X', 1, d.inner);
  } else {
    w.crdWrite('X', 0, i.crd);
    w.crdWrite('X', 1, j.crd);
  }
  w.valWrite('X', v);
  const sym = op === 'add' ? ' + ' : ' * ';
  return kernel(
    w.build('X', [m, n]),
    `program elem\n${names.map((t, q) => `tensor ${t}(${m},${n}): ${formats[q] ?? 'dcsr'} input`).join('\n')}\ntensor X(${m},${n}): dcsr output\ns0: X(i,j) = ${names.map((t) => `${t}(i,j)`).join(sym)}`,
  );
}

/** SDDMM X(i,j) = S(i,j) * sum_k A(i,k) * B(k,j); S csr, A dense, B dense stored column-major. */
export function sddmm(m: number, n: number, kk: number): Kernel {
  const w = new Wiring('sddmm').tensor('S', [m, n], 'csr').tensor('A', [m, kk], 'dense').tensor('B', [kk, n], 'dd:1,0').tensor('X', [m, n], 'dcsr', 'output');
  const si = w.scan('S', 0, w.root('S'), 'i');
  const ai = w.scan('A', 0, w.root('A'), 'i');
  const i = w.joiner('intersect', [si, ai], 'i');
  const [ci1, ci2] = w.split(i.crd, 2);
  w.crdWrite('X', 0, ci1);
  const sj = w.scan('S', 1, i.refs[0], 'j');
  const bj = w.scan('B', 0, w.repeat(w.root('B'), w.repsig(ci2)), 'j');
  const j = w.joiner('intersect', [sj, bj], 'j');
  const [cj1, cj2] = w.split(j.crd, 2);
  w.crdWrite('X', 1, cj1);
  const ak = w.scan('A', 1, w.repeat(i.refs[1], w.repsig(cj2)), 'k');
  const bk = w.scan('B', 1, j.refs[1], 'k');
  const k = w.joiner('intersect', [ak, bk], 'k');
  const dot = w.reduce(w.alu('mul', w.array('A', k.refs[0]), w.array('B', k.refs[1])));
  w.valWrite('X', w.alu('mul', w.array('S', j.refs[0]), dot));
  return kernel(
    w.build('X', [m, n]),
    `program sddmm\ntensor S(${m},${n}): csr input\ntensor A(${m},${kk}): dense input\ntensor B(${kk},${n}): dd:1,0 input\ntensor X(${m},${n}): dcsr output\ns0: X(i,j) = S(i,j) * A(i,k) * B(k,j)`,
  );
}

/** TTV X(i,j) = A(i,j,k) * v(k); A ccc (csf), v dense or sparse. */
export function ttv(d0: number, d1: number, d2: number, fv = 'dense'): Kernel {
  const w = new Wiring('ttv').tensor('A', [d0, d1, d2], 'ccc').tensor('v', [d2], fv).tensor('X', [d0, d1], 'dcsr', 'output');
  const ai = w.scan('A', 0, w.root('A'), 'i');
  const [ci1, ci2] = w.split(ai.crd, 2);
  w.crdWrite('X', 0, ci1);
  const aj = w.scan('A', 1, ai.ref, 'j');
  const [cj1, cj2] = w.split(aj.crd, 2);
  w.crdWrite('X', 1, cj1);
  const vr = w.repeat(w.repeat(w.root('v'), w.repsig(ci2)), w.repsig(cj2));
  const ak = w.scan('A', 2, aj.ref, 'k');
  const vk = w.scan('v', 0, vr, 'k');
  const k = w.joiner('intersect', [ak, vk], 'k');
  w.valWrite('X', w.reduce(w.alu('mul', w.array('A', k.refs[0]), w.array('v', k.refs[1]))));
  return kernel(w.build('X', [d0, d1]), `program ttv\ntensor A(${d0},${d1},${d2}): ccc input\ntensor v(${d2}): ${fv} input\ntensor X(${d0},${d1}): dcsr output\ns0: X(i,j) = A(i,j,k) * v(k)`);
}

/** MTTKRP X(i,j) = A(i,k,l) * B(k,j) * C(l,j); loop order i, j, k, l; B and C stored j-major. */
export function mttkrp(di: number, dk: number, dl: number, dj: number): Kernel {
  const w = new Wiring('mttkrp').tensor('A', [di, dk, dl], 'ccc').tensor('B', [dk, dj], 'dd:1,0').tensor('C', [dl, dj], 'dd:1,0').tensor('X', [di, dj], 'dcsr', 'output');
  const ai = w.scan('A', 0, w.root('A'), 'i');
  const [ci1, ci2, ci3] = w.split(ai.crd, 3);
  w.crdWrite('X', 0, ci1);
  const bj = w.scan('B', 0, w.repeat(w.root('B'), w.repsig(ci2)), 'j');
  const cj = w.scan('C', 0, w.repeat(w.root('C'), w.repsig(ci3)), 'j');
  const j = w.joiner('intersect', [bj, cj], 'j');
  const [cj1, cj2] = w.split(j.crd, 2);
  w.crdWrite('X', 1, cj1);
  const ak = w.scan('A', 1, w.repeat(ai.ref, w.repsig(cj2)), 'k');
  const bk = w.scan('B', 1, j.refs[0], 'k');
  const k = w.joiner('intersect', [ak, bk], 'k');
  const al = w.scan('A', 2, k.refs[0], 'l');
  const cl = w.scan('C', 1, w.repeat(j.refs[1], w.repsig(k.crd)), 'l');
  const l = w.joiner('intersect', [al, cl], 'l');
  const bv = w.array('B', w.repeat(k.refs[1], w.repsig(l.crd)));
  const v = w.alu('mul', w.alu('mul', w.array('A', l.refs[0]), w.array('C', l.refs[1])), bv);
  w.valWrite('X', w.reduce(w.reduce(v)));
  return kernel(
    w.build('X', [di, dj]),
    `program mttkrp\ntensor A(${di},${dk},${dl}): ccc input\ntensor B(${dk},${dj}): dd:1,0 input\ntensor C(${dl},${dj}): dd:1,0 input\ntensor X(${di},${dj}): dcsr output\ns0: X(i,j) = A(i,k,l) * B(k,j) * C(l,j)`,
  );
}

/** Row softmax X(i,j) = exp(A(i,j) - max_j A(i,j)) / sum_j exp(...), fused in one graph. */
export function softmax(m: number, n: number, fa = 'dcsr'): Kernel {
  const w = new Wiring('softmax').tensor('A', [m, n], fa).tensor('X', [m, n], 'dcsr', 'output');
  const ai = w.scan('A', 0, w.root('A'), 'i');
  w.crdWrite('X', 0, ai.crd);
  const aj = w.scan('A', 1, ai.ref, 'j');
  const [cj1, cj2, cj3] = w.split(aj.crd, 3);
  w.crdWrite('X', 1, cj1);
  const [v1, v2] = w.split(w.array('A', aj.ref), 2);
  const mx = w.repeat(w.reduce(v1, 'max'), w.repsig(cj2));
  const [e1, e2] = w.split(w.alu('exp', w.alu('sub', v2, mx)), 2);
  const s = w.repeat(w.reduce(e1, 'sum'), w.repsig(cj3));
  w.valWrite('X', w.alu('div', e2, s));
  return kernel(
    w.build('X', [m, n]),
    `program softmax\ntensor A(${m},${n}): ${fa} input\ntensor X(${m},${n}): dcsr output\ns0: X(i,j) = exp(A(i,j) - max(j2, A(i,j2))) / sum(j3, exp(A(i,j3) - max(j4, A(i,j4))))`,
  );
}

/** X(i,j) = relu(A(i,j)). */
export function relu(m: number, n: number, fa = 'dcsr'): Kernel {
  const w = new Wiring('relu').tensor('A', [m, n], fa).tensor('X', [m, n], 'dcsr', 'output');
  const ai = w.scan('A', 0, w.root('A'), 'i');
  w.crdWrite('X', 0, ai.crd);
  const aj = w.scan('A', 1, ai.ref, 'j');
  w.crdWrite('X', 1, aj.crd);
  w.valWrite('X', w.alu('relu', w.array('A', aj.ref)));
  return kernel(w.build('X', [m, n]), `program relu\ntensor A(${m},${n}): ${fa} input\ntensor X(${m},${n}): dcsr output\ns0: X(i,j) = relu(A(i,j))`);
}

/**
 * GCN-layer-like graph: Y(i,j) = relu(A(i,k) * H(k,j)), sparse A times dense features in
 * Gustavson order (ikj, spacc1, locate into the dense features) with the activation fused after
 * the accumulator.
 */
export function gcnLayer(nodes: number, feats: number, fa = 'dcsr'): Kernel {
  const w = new Wiring('gcn_layer').tensor('A', [nodes, nodes], fa).tensor('H', [nodes, feats], 'dense').tensor('Y', [nodes, feats], 'dcsr', 'output');
  const ai = w.scan('A', 0, w.root('A'), 'i');
  w.crdWrite('Y', 0, ai.crd);
  const ak = w.scan('A', 1, ai.ref, 'k');
  // H's k level is dense under the root, so the coordinate is the reference: locate, not intersect.
  const k = w.locate(ak.crd, ak.ref);
  const hj = w.scan('H', 1, k.ref1, 'j');
  const [cj1, cj2] = w.split(hj.crd, 2);
  const av = w.array('A', w.repeat(k.ref2, w.repsig(cj1)));
  const acc = w.spacc1(cj2, k.crd, w.alu('mul', av, w.array('H', hj.ref)));
  w.crdWrite('Y', 1, acc.crd);
  w.valWrite('Y', w.alu('relu', acc.val));
  return kernel(
    w.build('Y', [nodes, feats]),
    `program gcn_layer\ntensor A(${nodes},${nodes}): ${fa} input\ntensor H(${nodes},${feats}): dense input\ntensor Y(${nodes},${feats}): dcsr output\ns0: Y(i,j) = relu(sum(k, A(i,k) * H(k,j)))`,
  );
}

/**
 * SpMV parallelized over rows: the row refs are forked round-robin to `lanes` copies of the
 * row pipeline (scan, x repeat, intersect, multiply, reduce); the row crds and the per-row
 * results are joined back round-robin (join level 0), as FuseFlow's parallelizer does at an
 * outer index.
 */
export function spmvParallel(m: number, n: number, lanes: number, fa = 'csr'): Kernel {
  const w = new Wiring(`spmv_par${lanes}`).tensor('A', [m, n], fa).tensor('x', [n], 'dense').tensor('y', [m], 'sparse', 'output');
  const ai = w.scan('A', 0, w.root('A'), 'i');
  // The i crds are forked and joined like the values (either way works: without drops the
  // join rebuilds the unforked order exactly).
  w.crdWrite('y', 0, w.join(w.fork(ai.crd, lanes, 'i'), 0));
  const outs = w.fork(ai.ref, lanes, 'i').map((ref) => {
    const [r1, r2] = w.split(ref, 2);
    const aj = w.scan('A', 1, r1, 'j');
    const xj = w.scan('x', 0, w.repeat(w.root('x'), w.repsig(r2)), 'j');
    const j = w.joiner('intersect', [aj, xj], 'j');
    return w.reduce(w.alu('mul', w.array('A', j.refs[0]), w.array('x', j.refs[1])));
  });
  w.valWrite('y', w.join(outs, 0));
  return kernel(w.build('y', [m]), `program spmv_par\ntensor A(${m},${n}): ${fa} input\ntensor x(${n}): dense input\ntensor y(${m}): sparse output\ns0: y(i) = A(i,j) * x(j)`);
}
