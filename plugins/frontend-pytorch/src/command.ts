import * as fs from 'node:fs';
import * as path from 'node:path';
import { type CliCommandSpec, type CliIo, isFuseFlowError } from '@fuseflow/kernel/plugin-api';
import { evaluateModel, type ModelGraph, type ModelTensor, printModel, toDense, verifyModel } from '@fuseflow/ir';
import { decodeJsonTensor } from './fx';
import { loadModelFile, readReferenceIo, referenceFileFor } from './load';

const encode = (t: ModelTensor): { shape: number[]; data: number[] } => ({ shape: t.shape, data: Array.from(t.data) });

/** The ModelGraph as --json prints it: weights by shape only (their data is the bulk of the model). */
function graphJson(graph: ModelGraph): Record<string, unknown> {
  const value = (n: string) => ({ ...graph.values[n] });
  return {
    model: graph.name,
    inputs: graph.inputs.map(value),
    outputs: graph.outputs.map(value),
    weights: Object.fromEntries(Object.entries(graph.weights).map(([k, w]) => [k, { shape: w.shape }])),
    ops: graph.ops.map((o) => ({ name: o.name, op: o.op, inputs: o.inputs, outputs: o.outputs, attrs: o.attrs })),
  };
}

/** `fuseflow import <model> [--inputs in.json] [--evaluate] [--out out.json] [--json]`. */
export function runImport(args: string[], options: Record<string, unknown>, io: CliIo): number {
  const file = path.resolve(io.cwd, args[0] ?? '');
  try {
    const graph = loadModelFile(file);
    verifyModel(graph);
    // --json: one JSON document on stdout, the graph plus (with --evaluate) the evaluation or the file it went to
    const json = options.json ? graphJson(graph) : undefined;
    if (!json) io.stdout(printModel(graph));
    if (!options.evaluate) {
      if (json) io.stdout(JSON.stringify(json, null, 2) + '\n');
      return 0;
    }
    let inputs: Record<string, ModelTensor>;
    if (typeof options.inputs === 'string') {
      const inFile = path.resolve(io.cwd, options.inputs);
      const json = JSON.parse(fs.readFileSync(inFile, 'utf8')) as Record<string, unknown>;
      const src = (json.inputs && typeof json.inputs === 'object' ? json.inputs : json) as Record<string, unknown>;
      inputs = Object.fromEntries(Object.entries(src).map(([k, v]) => [k, decodeJsonTensor(v, `${inFile}: '${k}'`)]));
    } else {
      const ref = referenceFileFor(file);
      if (!fs.existsSync(ref)) {
        io.stderr(`fuseflow import: --evaluate needs --inputs in.json (no example inputs at ${ref})\n`);
        return 2;
      }
      inputs = readReferenceIo(ref).inputs;
    }
    for (const [k, v] of Object.entries(inputs)) if ('levels' in v) inputs[k] = { shape: v.shape, data: toDense(v as never) };
    const values = evaluateModel(graph, inputs);
    const result = {
      model: graph.name,
      inputs: Object.fromEntries(graph.inputs.map((n) => [n, encode(values[n])])),
      outputs: Object.fromEntries(graph.outputs.map((n) => [n, encode(values[n])])),
    };
    const text = JSON.stringify(result);
    if (typeof options.out === 'string') {
      const out = path.resolve(io.cwd, options.out);
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.writeFileSync(out, text);
      if (json) io.stdout(JSON.stringify({ ...json, evaluation: { file: out } }, null, 2) + '\n');
      else io.stdout(`wrote ${out} (${graph.outputs.map((n) => `${n}: [${values[n].shape.join(',')}]`).join(', ')})\n`);
    } else if (json) io.stdout(JSON.stringify({ ...json, evaluation: { inputs: result.inputs, outputs: result.outputs } }) + '\n');
    else io.stdout(text + '\n');
    return 0;
  } catch (e) {
    const code = isFuseFlowError(e) ? `${e.code}: ` : '';
    io.stderr(`fuseflow import: ${code}${(e as Error).message}${isFuseFlowError(e) && e.suggestion ? `\n  hint: ${e.suggestion}` : ''}\n`);
    return 1;
  }
}

export const importCommand: CliCommandSpec = {
  name: 'import',
  description: 'Import a PyTorch model (.onnx or fuseflow-export .fx.json), print its ModelGraph, optionally evaluate it',
  args: ['<model>'],
  options: [
    { flags: '--inputs <file>', description: 'input data JSON: name -> nested array or {shape, data} (default: the exporter\'s <model>.io.json)' },
    { flags: '--evaluate', description: 'run the reference evaluator on the inputs' },
    { flags: '--out <file>', description: 'write the evaluation (JSON: inputs and outputs as {shape, data}) here instead of stdout' },
    { flags: '--json', description: 'print one JSON document: the graph (values, ops, weight shapes) and the evaluation' },
  ],
  action: runImport,
};
