/*
 * Test-only functional interpreter of SAM dataflow graphs (no timing). Streams are held as fiber
 * trees (nested arrays) instead of token sequences: a depth-d stream is d levels of nesting, so
 * stop tokens never need parsing. It implements the token semantics the lowering relies on
 * (see "Token semantics" in the package README): Empty = absent, reduce of an all-absent fiber = Empty, binary
 * ALU presence policies, crd_drop removing the dropped fibers, fork/join round-robin per fiber.
 * Like the token streams, it cannot tell an empty fiber above the innermost level from one
 * coordinate over an empty innermost fiber at a `reduce`: the reduce emits a placeholder (a
 * marked chain ending in Empty) there, which spaccs, joiners, repeats and binary ALUs drop as the
 * simulator does, and which a value writer counts (so an unrealigned placeholder is caught).
 * It is an independent check of the lowering's graphs against evaluateProgram; the real
 * simulator (backend-rda-sim) is checked in packages/cli/src/__e2e__.
 */
import { aluBinary, aluEmptyPolicy, aluUnary, convert, fromCoo, type DataflowGraph, type DfNode, type SparseTensorData, type TensorBindings } from '@fuseflow/ir';

export const EMPTY = Symbol('Empty');
type Leaf = number | typeof EMPTY;
type Tree = Leaf | Tree[];
interface Stream {
  depth: number;
  tree: Tree;
}

/** reduce placeholders: fibers that the value stream has but the crd streams do not. */
const PLACEHOLDERS = new WeakSet<object>();

function isPlaceholder(t: Tree): boolean {
  return Array.isArray(t) && PLACEHOLDERS.has(t);
}

/** the tokens 'N S(depth-1)': one chain of single-element fibers ending in Empty. */
function placeholder(depth: number): Tree {
  let t: Tree = EMPTY;
  for (let d = 0; d < depth; d++) t = [t];
  PLACEHOLDERS.add(t as Tree[]);
  return t;
}

/** the stream without placeholders (what a consumer that sees a crd or stop makes of it). */
function strip(t: Tree, depth: number): Tree {
  if (depth === 0) return t;
  if (isPlaceholder(t)) return [];
  return (t as Tree[]).map((c) => strip(c, depth - 1));
}

function mapLeaves(t: Tree, depth: number, f: (x: Leaf) => Leaf): Tree {
  if (depth === 0) return f(t as Leaf);
  const out = (t as Tree[]).map((c) => mapLeaves(c, depth - 1, f));
  if (isPlaceholder(t)) PLACEHOLDERS.add(out);
  return out;
}

/** binary ALU zip: a placeholder facing the other operand's (empty) fiber is dropped; two stay one. */
function zipAlu(a: Tree, b: Tree, depth: number, f: (p: Leaf, q: Leaf) => Leaf): Tree {
  if (depth === 0) return f(a as Leaf, b as Leaf);
  const both = isPlaceholder(a) && isPlaceholder(b);
  if (!both && isPlaceholder(a)) a = [];
  if (!both && isPlaceholder(b)) b = [];
  const x = a as Tree[];
  const y = b as Tree[];
  if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) throw new Error(`tree-sim: misaligned ALU operands`);
  const out = x.map((c, i) => zipAlu(c, y[i], depth - 1, f));
  if (both) PLACEHOLDERS.add(out);
  return out;
}

/** zip several same-shaped trees down to `depth`, applying f to the aligned subtrees there. */
function zipAt(ts: Tree[], depth: number, f: (xs: Tree[]) => Tree): Tree {
  if (depth === 0) return f(ts);
  const n = (ts[0] as Tree[]).length;
  for (const t of ts) {
    if (!Array.isArray(t) || t.length !== n) throw new Error(`tree-sim: misaligned streams (${JSON.stringify(ts.map((x) => (Array.isArray(x) ? x.length : x)))})`);
  }
  return Array.from({ length: n }, (_, i) => zipAt(ts.map((t) => (t as Tree[])[i]), depth - 1, f));
}

function hasVal(t: Tree): boolean {
  if (Array.isArray(t)) return t.some(hasVal);
  return t !== EMPTY;
}

export interface TreeSimResult {
  output: SparseTensorData;
  /** number of ALU evaluations on present values (a FLOP proxy). */
  aluOps: number;
}

/** Runs a graph functionally on bound tensors and assembles the output tensor. */
export function runTreeSim(g: DataflowGraph, data: TensorBindings): TreeSimResult {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const chan = new Map(g.channels.map((c) => [c.id, c]));
  const values = new Map<number, Stream>(); // channel id -> stream
  const stored = new Map<string, SparseTensorData>();
  let aluOps = 0;
  const tensor = (name: string): SparseTensorData => {
    let t = stored.get(name);
    if (!t) {
      const d = data[name];
      if (!d) throw new Error(`tree-sim: no data for ${name}`);
      t = convert(d, g.tensors[name].format, { keepZeros: true });
      stored.set(name, t);
    }
    return t;
  };
  const writes: Writes = { crd: [], val: [] };
  // topological order
  const indeg = new Map<number, number>();
  for (const n of g.nodes) indeg.set(n.id, Object.values(n.inputs).filter((c) => c !== 0).length);
  const ready = g.nodes.filter((n) => indeg.get(n.id) === 0).map((n) => n.id);
  const done = new Set<number>();
  while (ready.length > 0) {
    const id = ready.shift()!;
    const n = byId.get(id)!;
    const inp = (port: string): Stream => {
      const s = values.get(n.inputs[port]);
      if (!s) throw new Error(`tree-sim: ${n.label}.${port} has no stream`);
      return s;
    };
    const outs = evalNode(n, inp, tensor, (k) => (aluOps += k), writes);
    for (const [port, s] of Object.entries(outs)) {
      const c = n.outputs[port];
      if (!c) continue;
      values.set(c, s);
      const dst = chan.get(c)!.dst.node;
      indeg.set(dst, indeg.get(dst)! - 1);
      if (indeg.get(dst) === 0) ready.push(dst);
    }
    done.add(id);
  }
  if (done.size !== g.nodes.length) throw new Error(`tree-sim: ${g.nodes.length - done.size} nodes never ran (cycle or missing input)`);
  return { output: assemble(g, writes), aluOps };
}

function evalNode(
  n: DfNode,
  inp: (port: string) => Stream,
  tensor: (name: string) => SparseTensorData,
  countOps: (k: number) => void,
  writes: Writes,
): Record<string, Stream> {
  const a = n.attrs;
  switch (n.kind) {
    case 'root':
      return { ref: { depth: 0, tree: 0 } };
    case 'level_scan': {
      const t = tensor(a.tensor!);
      const lv = t.levels[a.level!];
      const r = inp('ref');
      const crd: Tree = mapLeavesToList(r.tree, r.depth, (x) => {
        if (x === EMPTY) return [];
        if (lv.format === 'dense') return Array.from({ length: lv.size }, (_, c) => c);
        const out: number[] = [];
        for (let p = lv.pos![x]; p < lv.pos![x + 1]; p++) out.push(lv.crd![p]);
        return out;
      });
      const ref: Tree = mapLeavesToList(r.tree, r.depth, (x) => {
        if (x === EMPTY) return [];
        if (lv.format === 'dense') return Array.from({ length: lv.size }, (_, c) => x * lv.size + c);
        const out: number[] = [];
        for (let p = lv.pos![x]; p < lv.pos![x + 1]; p++) out.push(p);
        return out;
      });
      return { ref: { depth: r.depth + 1, tree: ref }, crd: { depth: r.depth + 1, tree: crd } };
    }
    case 'repsig':
      return { repsig: inp('crd') };
    case 'repeat': {
      const x = inp('in');
      const sig = inp('repsig');
      // a repeat consumes a placeholder with the stop after it, as it would the stop alone
      const tree = zipAt([strip(x.tree, x.depth), sig.tree], x.depth, ([leaf, fiber]) => (fiber as Tree[]).map(() => leaf));
      return { out: { depth: x.depth + 1, tree } };
    }
    case 'intersect':
    case 'union': {
      const k = a.arity ?? 2;
      const crds = Array.from({ length: k }, (_, i) => inp(`crd${i}`));
      const refs = Array.from({ length: k }, (_, i) => inp(`ref${i}`)).map((r): Stream => ({ depth: r.depth, tree: strip(r.tree, r.depth) }));
      const depth = crds[0].depth;
      const outCrd: Tree = zipAt(crds.map((c) => c.tree), depth - 1, () => []);
      const outRefs: Tree[] = refs.map(() => zipAt([crds[0].tree], depth - 1, () => []));
      // walk fibers at depth-1 in parallel and merge
      const fibers = (t: Tree, d: number, acc: Tree[][]): void => {
        if (d === 0) acc.push(t as Tree[]);
        else (t as Tree[]).forEach((c) => fibers(c, d - 1, acc));
      };
      const cf = crds.map((c) => {
        const acc: Tree[][] = [];
        fibers(c.tree, depth - 1, acc);
        return acc;
      });
      const rf = refs.map((r) => {
        const acc: Tree[][] = [];
        fibers(r.tree, depth - 1, acc);
        return acc;
      });
      const oc: Tree[][] = [];
      fibers(outCrd, depth - 1, oc);
      const orf = outRefs.map((t) => {
        const acc: Tree[][] = [];
        fibers(t, depth - 1, acc);
        return acc;
      });
      for (let f = 0; f < oc.length; f++) {
        const lists = cf.map((c) => c[f] as number[]);
        const all = new Set<number>();
        lists.forEach((l) => l.forEach((c) => all.add(c)));
        for (const c of [...all].sort((x, y) => x - y)) {
          const idx = lists.map((l) => l.indexOf(c));
          if (n.kind === 'intersect' && idx.some((i) => i < 0)) continue;
          oc[f].push(c);
          idx.forEach((i, q) => orf[q][f].push(i < 0 ? EMPTY : rf[q][f][i]));
        }
      }
      const out: Record<string, Stream> = { crd: { depth, tree: outCrd } };
      outRefs.forEach((t, q) => (out[`ref${q}`] = { depth, tree: t }));
      return out;
    }
    case 'locate': {
      const c = inp('crd');
      return { ref1: c, ref2: inp('ref'), crd: c };
    }
    case 'array': {
      const t = tensor(a.tensor!);
      const r = inp('ref');
      return { val: { depth: r.depth, tree: mapLeaves(r.tree, r.depth, (x) => (x === EMPTY ? EMPTY : t.vals[x])) } };
    }
    case 'alu': {
      const x = inp('a');
      if (n.inputs.b === undefined) {
        const f = aluUnary(a.alu!, a.scalar ?? 0)!;
        return { out: { depth: x.depth, tree: mapLeaves(x.tree, x.depth, (v) => (v === EMPTY ? EMPTY : (countOps(1), f(v)))) } };
      }
      const y = inp('b');
      const f = aluBinary(a.alu!)!;
      const policy = aluEmptyPolicy(a);
      const tree = zipAlu(x.tree, y.tree, x.depth, (p, q) => {
        const pe = p === EMPTY;
        const qe = q === EMPTY;
        if (pe && qe) return EMPTY;
        if ((policy === 'intersect' && (pe || qe)) || (policy === 'left' && pe) || (policy === 'right' && qe)) return EMPTY;
        countOps(1);
        return f(pe ? 0 : (p as number), qe ? 0 : (q as number));
      });
      return { out: { depth: x.depth, tree } };
    }
    case 'reduce': {
      const x = inp('in');
      const max = a.reduce === 'max';
      // one value per stop token: an empty fiber above the innermost level becomes a placeholder
      const red = (t: Tree, d: number): Tree => {
        if (d === 1) {
          const vs = (t as Leaf[]).filter((v) => v !== EMPTY) as number[];
          if (vs.length === 0) return EMPTY;
          countOps(vs.length);
          return max ? Math.max(...vs) : vs.reduce((s, v) => s + v, 0);
        }
        if ((t as Tree[]).length === 0) return placeholder(d - 1);
        return (t as Tree[]).map((c) => red(c, d - 1));
      };
      return { out: { depth: x.depth - 1, tree: red(strip(x.tree, x.depth), x.depth) } };
    }
    case 'spacc1': {
      const inner = inp('inner_crd');
      const outer = inp('outer_crd');
      const val = { ...inp('val') };
      val.tree = strip(val.tree, val.depth);
      const max = a.reduce === 'max';
      // outer (reduced index) fibers sit at depth outer.depth-1; below each outer coordinate one inner fiber.
      const resC: Tree = mapFibers2(outer.depth - 1, [outer.tree, inner.tree, val.tree], ([, ic, iv]) => {
        const m = new Map<number, number>();
        (ic as number[][]).forEach((fib, k) => fib.forEach((c, q) => {
          const v = (iv as Leaf[][])[k][q];
          if (v === EMPTY) return;
          countOps(1);
          m.set(c, m.has(c) ? (max ? Math.max(m.get(c)!, v) : m.get(c)! + v) : v);
        }));
        return [...m.keys()].sort((x, y) => x - y).map((c) => [c, m.get(c)!]) as unknown as Tree;
      });
      return {
        inner_crd: { depth: outer.depth, tree: mapFibers(resC, outer.depth - 1, (f) => (f as unknown as number[][]).map((p) => p[0])) },
        val: { depth: outer.depth, tree: mapFibers(resC, outer.depth - 1, (f) => (f as unknown as number[][]).map((p) => p[1])) },
      };
    }
    case 'spacc2': {
      const c0 = inp('crd0');
      const c1 = inp('crd1');
      const outer = inp('outer_crd');
      const val = { ...inp('val') };
      val.tree = strip(val.tree, val.depth);
      const max = a.reduce === 'max';
      const res: Tree = mapFibers2(outer.depth - 1, [outer.tree, c1.tree, c0.tree, val.tree], ([, t1, t0, tv]) => {
        const m = new Map<number, Map<number, number>>();
        (t1 as number[][]).forEach((f1, k) =>
          f1.forEach((x1, q1) =>
            ((t0 as number[][][])[k][q1]).forEach((x0, q0) => {
              const v = (tv as Leaf[][][])[k][q1][q0];
              if (v === EMPTY) return;
              countOps(1);
              let row = m.get(x1);
              if (!row) m.set(x1, (row = new Map()));
              row.set(x0, row.has(x0) ? (max ? Math.max(row.get(x0)!, v) : row.get(x0)! + v) : v);
            }),
          ),
        );
        const keys = [...m.keys()].sort((x, y) => x - y);
        return keys.map((k1) => {
          const row = m.get(k1)!;
          const ks = [...row.keys()].sort((x, y) => x - y);
          return [k1, ks, ks.map((k0) => row.get(k0)!)];
        }) as unknown as Tree;
      });
      const d = outer.depth;
      return {
        crd1: { depth: d, tree: mapFibers(res, d - 1, (f) => (f as unknown as Array<[number]>).map((p) => p[0])) },
        crd0: { depth: d + 1, tree: mapFibers(res, d - 1, (f) => (f as unknown as Array<[number, number[]]>).map((p) => p[1])) },
        val: { depth: d + 1, tree: mapFibers(res, d - 1, (f) => (f as unknown as Array<[number, number[], number[]]>).map((p) => p[2])) },
      };
    }
    case 'crd_drop': {
      const inner = inp('inner');
      const outer = inp('outer');
      const both = mapFibers2(outer.depth - 1, [outer.tree, inner.tree], ([oc, ic]) => {
        const keep = (ic as Tree[]).map((f) => hasVal(f));
        return [(oc as Tree[]).filter((_, q) => keep[q]), (ic as Tree[]).filter((_, q) => keep[q])] as unknown as Tree;
      });
      return {
        outer: { depth: outer.depth, tree: mapFibers(both, outer.depth - 1, (f) => (f as Tree[])[0]) },
        inner: { depth: inner.depth, tree: mapFibers(both, outer.depth - 1, (f) => (f as Tree[])[1]) },
      };
    }
    case 'broadcast': {
      const x = inp('in');
      const out: Record<string, Stream> = {};
      for (let i = 0; i < (a.arity ?? 2); i++) out[`out${i}`] = x;
      return out;
    }
    case 'fork': {
      // dealt at the innermost level of the forked stream (the forked index's own level).
      const x = inp('in');
      const k = a.arity ?? 2;
      const out: Record<string, Stream> = {};
      for (let p = 0; p < k; p++) out[`out${p}`] = { depth: x.depth, tree: mapFibers(x.tree, x.depth - 1, (f) => (f as Tree[]).filter((_, q) => q % k === p)) };
      return out;
    }
    case 'join': {
      const k = a.arity ?? 2;
      const lanes = Array.from({ length: k }, (_, p) => inp(`in${p}`));
      const depth = lanes[0].depth;
      const at = depth - 1 - (a.level ?? 0);
      const tree = mapFibers2(at, lanes.map((l) => l.tree), (fs) => {
        const total = fs.reduce<number>((s, f) => s + (f as Tree[]).length, 0);
        return Array.from({ length: total }, (_, t) => (fs[t % k] as Tree[])[Math.floor(t / k)]);
      });
      return { out: { depth, tree } };
    }
    case 'crd_write':
      writes.crd.push({ node: n.id, level: a.level!, s: inp('crd') });
      return {};
    case 'val_write':
      writes.val.push({ node: n.id, s: inp('val') });
      return {};
    default:
      throw new Error(`tree-sim: primitive ${n.kind} not supported`);
  }
}

function mapLeavesToList(t: Tree, depth: number, f: (x: Leaf) => Tree[]): Tree {
  if (depth === 0) return f(t as Leaf);
  return (t as Tree[]).map((c) => mapLeavesToList(c, depth - 1, f));
}

/** applies f to every subtree at `depth` (depth 0 = the whole tree). */
function mapFibers(t: Tree, depth: number, f: (x: Tree) => Tree): Tree {
  if (depth === 0) return f(t);
  return (t as Tree[]).map((c) => mapFibers(c, depth - 1, f));
}

function mapFibers2(depth: number, ts: Tree[], f: (xs: Tree[]) => Tree): Tree {
  return zipAt(ts, depth, f);
}

/** What the writers received, per writer node (several per level with per-lane writers). */
interface Writes {
  crd: Array<{ node: number; level: number; s: Stream }>;
  val: Array<{ node: number; s: Stream }>;
}

/** 'index:lane' of every fork lane a node lies in (a join keeps the lanes all its inputs share), as the simulator's assembler matches writers. */
function nodeLanes(g: DataflowGraph): Map<number, string[]> {
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  const src = new Map(g.channels.map((c) => [c.id, c.src]));
  const memo = new Map<number, string[]>();
  const visit = (id: number): string[] => {
    const hit = memo.get(id);
    if (hit) return hit;
    const n = byId.get(id)!;
    const ins: string[][] = [];
    for (const ch of Object.values(n.inputs)) {
      const s = src.get(ch);
      if (!s) continue;
      const up = byId.get(s.node)!;
      ins.push([...visit(s.node), ...(up.kind === 'fork' ? [`${up.attrs.index}:${s.port.slice(3)}`] : [])]);
    }
    const all = [...new Set(ins.flat())];
    memo.set(id, n.kind === 'join' ? all.filter((k) => ins.every((l) => l.includes(k))) : all);
    return memo.get(id)!;
  };
  for (const n of g.nodes) visit(n.id);
  return memo;
}

/** The output as the union of every value writer's tree (each lane writes its own part; a coordinate written twice is an error). */
function assemble(g: DataflowGraph, writes: Writes): SparseTensorData {
  const out = g.output;
  const info = g.tensors[out.tensor];
  const m = out.modeOrder.length;
  if (writes.val.length === 0) throw new Error('tree-sim: no val_write');
  const lanes = nodeLanes(g);
  const within = (a: number, b: number): boolean => lanes.get(a)!.every((k) => lanes.get(b)!.includes(k));
  const coords: number[][] = Array.from({ length: info.shape.length }, () => []);
  const vals: number[] = [];
  const seen = new Set<string>();
  for (const v of writes.val) {
    const trees = Array.from({ length: m }, (_, l) => {
      const ws = writes.crd.filter((w) => w.level === l && within(w.node, v.node));
      if (ws.length !== 1) throw new Error(`tree-sim: val_write ${v.node} matches ${ws.length} crd_write(s) of level ${l}`);
      return ws[0].s.tree;
    });
    assembleOne(out, coords, vals, seen, v.s, trees);
  }
  return fromCoo(info.shape, coords, vals, info.format, out.tensor);
}

function assembleOne(out: DataflowGraph['output'], coords: number[][], vals: number[], seen: Set<string>, valStream: Stream, trees: Tree[]): void {
  const m = out.modeOrder.length;
  // like the hardware writers: values are a flat sequence (stops ignored, Empty kept as a
  // placeholder) paired in order with the leaf coordinates of the crd writers' fiber tree.
  const flat: Leaf[] = [];
  const flatten = (t: Tree, d: number): void => {
    if (d === 0) flat.push(t as Leaf);
    else (t as Tree[]).forEach((c) => flatten(c, d - 1));
  };
  flatten(valStream.tree, valStream.depth);
  let next = 0;
  const walk = (level: number, trees: Tree[], prefix: number[]): void => {
    if (level === m) {
      const val = flat[next++];
      if (val === undefined) throw new Error('tree-sim: fewer values than output coordinates');
      if (val === EMPTY) return;
      const key = prefix.join(',');
      if (seen.has(key)) throw new Error(`tree-sim: two lanes write output coordinate (${key})`);
      seen.add(key);
      prefix.forEach((c, l) => coords[out.modeOrder[l]].push(c));
      vals.push(val);
      return;
    }
    const crds = trees[level] as number[];
    crds.forEach((c, q) => walk(level + 1, trees.map((t, l) => (l > level ? (t as Tree[])[q] : t)), [...prefix, c]));
  };
  walk(0, trees, []);
  // with no coordinate at all, Empty values are the placeholder of an empty stream
  if (next !== flat.length && !(next === 0 && flat.every((v) => v === EMPTY))) throw new Error(`tree-sim: ${flat.length} values for ${next} output coordinates`);
}
