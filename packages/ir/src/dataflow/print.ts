import type { DataflowGraph, DfNode } from './graph';
import { formatName } from '../tensor/format';

function attrText(n: DfNode): string {
  const a = n.attrs as Record<string, unknown>;
  const keys = Object.keys(a).filter((k) => a[k] !== undefined).sort();
  return keys.length ? ` {${keys.map((k) => `${k}=${typeof a[k] === 'string' ? a[k] : JSON.stringify(a[k])}`).join(' ')}}` : '';
}

function ports(p: Record<string, number>): string {
  return Object.entries(p)
    .map(([port, ch]) => `${port}=c${ch}`)
    .join(', ');
}

/**
 * Readable text of a dataflow graph, one line per node (`n3 = level_scan "B_i" {...} (ref=c2) -> (ref=c4, crd=c5)`):
 * the text beside dataflowToDot's picture. Channels show as c<id> on both ends; their stream kind and
 * depth are listed after the nodes.
 */
export function printDataflowGraph(g: DataflowGraph): string {
  const head = [g.group && `group ${g.group}`, g.kernel && `kernel ${g.kernel}`, g.blockSize !== undefined && `block ${g.blockSize}`].filter(Boolean).join(', ');
  const lines = [`dataflow ${g.name}${head ? ` (${head})` : ''}: ${g.nodes.length} nodes, ${g.channels.length} channels`];
  for (const t of Object.values(g.tensors)) lines.push(`  tensor ${t.name}: [${t.shape.join(',')}] ${formatName(t.format)} ${t.role}`);
  for (const n of g.nodes) {
    const ins = ports(n.inputs);
    const outs = ports(n.outputs);
    lines.push(`  n${n.id} = ${n.kind} "${n.label}"${attrText(n)} (${ins})${outs ? ` -> (${outs})` : ''}`);
  }
  const byKind = new Map<string, number[]>();
  for (const c of g.channels) byKind.set(c.kind, [...(byKind.get(c.kind) ?? []), c.id]);
  const deep = g.channels.filter((c) => c.depth !== undefined);
  for (const [k, ids] of byKind) lines.push(`  ${k} channels: ${ids.length}`);
  if (deep.length) lines.push(`  depths: ${deep.map((c) => `c${c.id}=${c.depth}`).join(' ')}`);
  return lines.join('\n') + '\n';
}
