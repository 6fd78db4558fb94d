import type { ModelGraph, ModelValue } from './graph';

const typeOf = (v: ModelValue | undefined): string =>
  v ? `${v.dtype}[${v.shape.join(',')}]${v.format && v.format !== 'dense' ? ` ${v.format}` : ''}` : '?';

function attrText(attrs: Record<string, unknown>): string {
  const keys = Object.keys(attrs).sort();
  if (keys.length === 0) return '';
  return ` {${keys.map((k) => `${k}=${JSON.stringify(attrs[k])}`).join(', ')}}`;
}

/** Readable text form of a ModelGraph: inputs, weights, one line per op, outputs. */
export function printModel(graph: ModelGraph): string {
  const lines: string[] = [`model ${graph.name}`];
  for (const n of graph.inputs) lines.push(`  input  ${n}: ${typeOf(graph.values[n])}`);
  for (const [n, v] of Object.entries(graph.values)) {
    if (v.role === 'weight') lines.push(`  weight ${n}: ${typeOf(v)}`);
  }
  for (const op of graph.ops) {
    const outs = op.outputs.join(', ');
    lines.push(`  ${outs} = ${op.op}(${op.inputs.join(', ')})${attrText(op.attrs)}  : ${typeOf(graph.values[op.outputs[0]])}  # ${op.name}`);
  }
  lines.push(`  return ${graph.outputs.join(', ')}`);
  return lines.join('\n') + '\n';
}
