import { FuseFlowError } from '@fuseflow/kernel';
import type { DataflowGraph, DfNode, StreamKind } from './graph';
import { BINARY_ALU_OPS, PRIMITIVE_KINDS, UNARY_ALU_OPS, primitiveSignature } from './ports';

function where(g: DataflowGraph, n: DfNode): string {
  return `graph '${g.name}' node ${n.id} '${n.label}' (${n.kind})`;
}

/** Suggests the closest name by edit distance (for "did you mean"). */
function closest(name: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const o of options) {
    const d = editDistance(name, o);
    if (d < bestD) {
      bestD = d;
      best = o;
    }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return dp[b.length];
}

/**
 * Checks a DataflowGraph's structure before simulation: unique ids, known primitive kinds and
 * ALU ops, every required port wired, channels with exactly one producer and one consumer that
 * agree with the nodes' port maps, stream kinds matching the port signatures, and tensors
 * declared in `graph.tensors`. Throws FuseFlowError FF_INPUT_INVALID naming the node and port.
 */
export function verifyDataflowGraph(g: DataflowGraph): void {
  const bad = (msg: string, suggestion?: string): never => {
    throw new FuseFlowError('FF_INPUT_INVALID', msg, suggestion ? { suggestion } : {});
  };
  if (!g || !Array.isArray(g.nodes) || !Array.isArray(g.channels)) bad(`dataflow graph '${g?.name}' needs nodes[] and channels[]`);
  const nodes = new Map<number, DfNode>();
  for (const n of g.nodes) {
    if (nodes.has(n.id)) bad(`graph '${g.name}': duplicate node id ${n.id} ('${nodes.get(n.id)!.label}' and '${n.label}')`);
    if (!PRIMITIVE_KINDS.includes(n.kind)) {
      const s = closest(String(n.kind), PRIMITIVE_KINDS);
      bad(`graph '${g.name}' node ${n.id} '${n.label}': unknown primitive '${String(n.kind)}'`, s ? `did you mean '${s}'?` : `known: ${PRIMITIVE_KINDS.join(', ')}`);
    }
    nodes.set(n.id, n);
  }
  const chans = new Map<number, DataflowGraph['channels'][number]>();
  for (const c of g.channels) {
    if (c.id === 0) bad(`graph '${g.name}': channel id 0 is reserved for 'void' (discarded outputs)`);
    if (chans.has(c.id)) bad(`graph '${g.name}': duplicate channel id ${c.id}`);
    chans.set(c.id, c);
    for (const end of ['src', 'dst'] as const) {
      const n = nodes.get(c[end].node);
      if (!n) bad(`graph '${g.name}': channel ${c.id} (${c.kind}) is dangling: its ${end} node ${c[end].node} does not exist`);
      const map = end === 'src' ? n!.outputs : n!.inputs;
      if (map[c[end].port] !== c.id) {
        bad(`graph '${g.name}': channel ${c.id} says it ${end === 'src' ? 'leaves' : 'enters'} ${where(g, n!)} port '${c[end].port}', but that node's ${end === 'src' ? 'outputs' : 'inputs'} map it to ${map[c[end].port] ?? 'nothing'}`);
      }
    }
    if (c.depth !== undefined && (!Number.isInteger(c.depth) || c.depth < 1)) bad(`graph '${g.name}': channel ${c.id} depth ${c.depth} must be a positive integer`);
  }
  const kindOf = (n: DfNode, port: string): StreamKind | undefined => {
    const id = n.inputs[port];
    return id ? chans.get(id)?.kind : undefined;
  };
  for (const n of g.nodes) {
    const w = where(g, n);
    const a = n.attrs ?? {};
    if (n.kind === 'alu') {
      if (a.alu === undefined || (!BINARY_ALU_OPS.includes(a.alu) && !UNARY_ALU_OPS.includes(a.alu))) {
        const s = closest(String(a.alu), [...BINARY_ALU_OPS, ...UNARY_ALU_OPS]);
        bad(`${w}: unknown ALU op '${String(a.alu)}'`, s ? `did you mean '${s}'?` : undefined);
      }
      if (a.alu!.startsWith('scalar_') && typeof a.scalar !== 'number') bad(`${w}: ALU op '${a.alu}' needs a numeric attrs.scalar`);
    }
    if (n.kind === 'reduce' && a.reduce !== undefined && a.reduce !== 'sum' && a.reduce !== 'max') bad(`${w}: reduce must be 'sum' or 'max', got '${String(a.reduce)}'`);
    if (['intersect', 'union', 'broadcast', 'fork', 'join'].includes(n.kind) && a.arity !== undefined && (!Number.isInteger(a.arity) || a.arity < 1)) {
      bad(`${w}: arity ${a.arity} must be a positive integer`);
    }
    if (n.kind === 'level_scan' || n.kind === 'array' || n.kind === 'crd_write') {
      if (n.kind !== 'crd_write' && !a.tensor) bad(`${w}: attrs.tensor is required`);
      if (a.tensor && !g.tensors[a.tensor]) bad(`${w}: tensor '${a.tensor}' is not declared in graph.tensors`, `declared: ${Object.keys(g.tensors).join(', ') || '(none)'}`);
    }
    if (n.kind === 'level_scan') {
      if (a.level === undefined && a.mode === undefined) bad(`${w}: needs attrs.level (storage level) or attrs.mode`);
      const t = g.tensors[a.tensor!];
      const lvl = a.level ?? t.format.modeOrder.indexOf(a.mode!);
      if (!(lvl >= 0 && lvl < t.format.levels.length)) bad(`${w}: level ${lvl} out of range for tensor '${a.tensor}' with ${t.format.levels.length} level(s)`);
    }
    const sig = primitiveSignature(n);
    const known = new Set(sig.inputs.map((p) => p.name));
    for (const [port, id] of Object.entries(n.inputs ?? {})) {
      if (!known.has(port)) bad(`${w}: unknown input port '${port}'`, `ports: ${[...known].join(', ') || '(none)'}`);
      const c = chans.get(id);
      if (!c) bad(`${w}: input port '${port}' refers to missing channel ${id} (dangling)`);
      if (c!.dst.node !== n.id || c!.dst.port !== port) bad(`${w}: input port '${port}' uses channel ${id}, which goes to node ${c!.dst.node} port '${c!.dst.port}'`);
    }
    for (const p of sig.inputs) {
      const id = n.inputs?.[p.name];
      if (id === undefined || id === 0) {
        if (!p.optional) bad(`${w}: input port '${p.name}' is not connected`);
        continue;
      }
      const k = chans.get(id)!.kind;
      const want = Array.isArray(p.kinds) ? p.kinds : [kindOf(n, p.kinds.slice(5))!];
      if (!want.includes(k)) bad(`${w}: port kind mismatch on input '${p.name}': channel ${id} carries ${k}, expected ${want.join(' or ')}`);
    }
    const knownOut = new Set(sig.outputs.map((p) => p.name));
    for (const [port, id] of Object.entries(n.outputs ?? {})) {
      if (!knownOut.has(port)) bad(`${w}: unknown output port '${port}'`, `ports: ${[...knownOut].join(', ') || '(none)'}`);
      if (id === 0) continue;
      const c = chans.get(id);
      if (!c) bad(`${w}: output port '${port}' refers to missing channel ${id} (dangling)`);
      if (c!.src.node !== n.id || c!.src.port !== port) bad(`${w}: output port '${port}' uses channel ${id}, which comes from node ${c!.src.node} port '${c!.src.port}'`);
      const spec = sig.outputs.find((p) => p.name === port)!;
      const want = Array.isArray(spec.kinds) ? spec.kinds : [kindOf(n, spec.kinds.slice(5))].filter((x): x is StreamKind => !!x);
      if (want.length && !want.includes(c!.kind)) bad(`${w}: port kind mismatch on output '${port}': channel ${id} carries ${c!.kind}, expected ${want.join(' or ')}`);
    }
  }
  for (const [name, t] of Object.entries(g.tensors)) {
    if (!t.format || t.format.levels.length !== t.shape.length) bad(`graph '${g.name}': tensor '${name}' format has ${t.format?.levels.length} level(s) for shape [${t.shape.join(',')}]`);
  }
  if (g.blockSize !== undefined && (!Number.isInteger(g.blockSize) || g.blockSize < 1)) bad(`graph '${g.name}': blockSize ${g.blockSize} must be a positive integer`);
}
