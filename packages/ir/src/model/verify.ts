import { ModelGraphError } from './errors';
import type { ModelGraph } from './graph';
import { inferOpShape, MODEL_OPS } from './shapes';
import { shapeSize } from './tensor';

/**
 * Checks a ModelGraph's structure: ops known, every input defined before use, one producer per
 * value, declared shapes equal to the inferred ones, weight data sizes. Returns the problems
 * (empty when the graph is valid).
 */
export function checkModel(graph: ModelGraph): string[] {
  const problems: string[] = [];
  const defined = new Set<string>();
  for (const n of graph.inputs) {
    const v = graph.values[n];
    if (!v) problems.push(`input '${n}' has no value declaration`);
    else if (v.role !== 'input') problems.push(`input '${n}' has role '${v.role}'`);
    defined.add(n);
  }
  for (const [n, v] of Object.entries(graph.values)) {
    if (v.role !== 'weight') continue;
    const w = graph.weights[n];
    if (!w) problems.push(`weight '${n}' has no data`);
    else if (w.data.length !== shapeSize(w.shape)) problems.push(`weight '${n}' has ${w.data.length} values for shape [${w.shape.join(',')}]`);
    else if (w.shape.join(',') !== v.shape.join(',')) problems.push(`weight '${n}' data shape [${w.shape.join(',')}] differs from its declared shape [${v.shape.join(',')}]`);
    defined.add(n);
  }
  for (const op of graph.ops) {
    if (!MODEL_OPS[op.op]) {
      problems.push(`op '${op.name}': unknown op type '${op.op}' (supported: ${Object.keys(MODEL_OPS).join(', ')})`);
      continue;
    }
    let ok = true;
    for (const i of op.inputs) {
      if (!graph.values[i]) { problems.push(`op '${op.name}': input '${i}' is not declared`); ok = false; }
      else if (!defined.has(i)) { problems.push(`op '${op.name}': input '${i}' is used before it is defined`); ok = false; }
    }
    if (op.outputs.length !== 1) problems.push(`op '${op.name}': expected one output, got ${op.outputs.length}`);
    for (const o of op.outputs) {
      if (defined.has(o)) problems.push(`op '${op.name}': value '${o}' is defined twice`);
      if (!graph.values[o]) { problems.push(`op '${op.name}': output '${o}' is not declared`); ok = false; }
      defined.add(o);
    }
    if (!ok) continue;
    try {
      const shape = inferOpShape(op, op.inputs.map((i) => graph.values[i].shape));
      for (const o of op.outputs) {
        const declared = graph.values[o].shape;
        if (declared.join(',') !== shape.join(',')) problems.push(`op '${op.name}': output '${o}' is declared [${declared.join(',')}] but computes [${shape.join(',')}]`);
      }
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  for (const o of graph.outputs) {
    if (!defined.has(o)) problems.push(`output '${o}' is never defined`);
  }
  return problems;
}

/** Throws a ModelGraphError listing every problem `checkModel` finds. */
export function verifyModel(graph: ModelGraph): void {
  const problems = checkModel(graph);
  if (problems.length > 0) {
    throw new ModelGraphError(`model '${graph.name}' is invalid:\n  ${problems.join('\n  ')}`);
  }
}
