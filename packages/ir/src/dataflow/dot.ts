import type { DataflowGraph, DfNode } from './graph';

const SHAPE: Partial<Record<DfNode['kind'], string>> = {
  root: 'circle', level_scan: 'box', array: 'box3d', alu: 'ellipse', reduce: 'invtriangle',
  intersect: 'diamond', union: 'diamond', crd_write: 'cylinder', val_write: 'cylinder',
  spacc1: 'trapezium', spacc2: 'trapezium', fork: 'triangle', join: 'invtriangle', broadcast: 'point',
};
const COLOR: Record<string, string> = { crd: 'green4', ref: 'blue', val: 'black', repsig: 'orange' };

function esc(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** Graphviz DOT text of a dataflow graph (stream kinds coloured: crd green, ref blue, val black, repsig orange). */
export function dataflowToDot(g: DataflowGraph): string {
  const lines = [`digraph "${esc(g.name)}" {`, '  rankdir=TB;', '  node [fontsize=10];', '  edge [fontsize=8];'];
  for (const n of g.nodes) {
    const a = n.attrs;
    const extra = [a.tensor && `${a.tensor}${a.level !== undefined ? ' L' + a.level : a.mode !== undefined ? ' m' + a.mode : ''}`, a.index && `idx ${a.index}`, a.alu, a.reduce && `reduce ${a.reduce}`, a.format]
      .filter(Boolean)
      .join(', ');
    lines.push(`  n${n.id} [label="${esc(n.label)}\\n${n.kind}${extra ? '\\n' + esc(extra) : ''}", shape=${SHAPE[n.kind] ?? 'box'}];`);
  }
  for (const c of g.channels) {
    lines.push(`  n${c.src.node} -> n${c.dst.node} [label="${esc(c.src.port)}→${esc(c.dst.port)}", color=${COLOR[c.kind] ?? 'black'}];`);
  }
  lines.push('}');
  return lines.join('\n') + '\n';
}
