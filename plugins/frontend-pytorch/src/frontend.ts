import * as fs from 'node:fs';
import * as path from 'node:path';
import { FuseFlowError, type Frontend, type IrModule, type RunContext } from '@fuseflow/kernel/plugin-api';
import {
  inferShapes,
  type ModelGraph,
  type ModelModule,
  type ModelTensor,
  modelToProgram,
  parseFormat,
  type ProgramModule,
  toDense,
  verifyModel,
} from '@fuseflow/ir';
import { DATASET_SOURCE_PROPERTIES } from '@fuseflow/datasets';
import { isStored, type LoadedTensor, loadTensorSource, type TensorSource } from './data';
import { loadModelFile, readReferenceIo, referenceFileFor } from './load';

/** Options of the 'pytorch' frontend (see README). */
export interface PytorchFrontendOptions {
  /** model file: .onnx or .fx.json (relative to the manifest). */
  model: string;
  /** data and format per model input. */
  inputs?: Record<string, TensorSource>;
  /** data and/or format per weight; weights not listed keep the exported values (dense). */
  weights?: Record<string, TensorSource>;
  /** 'program' (default): a TensorProgram with bound data; 'model': the ModelGraph (systolic backend). */
  emit?: 'program' | 'model';
  /** inputs without a source take the exporter's example inputs from `<model>.io.json` (default true). */
  exampleInputs?: boolean;
  /** allow bound data of another shape than the exported model and re-infer every shape (default false). */
  resize?: boolean;
  /** program name (default: the model's name). */
  name?: string;
  /**
   * storage format of intermediate or output values by name (e.g. a per-head activation stored
   * sequence-major, 'ddd:1,0,2', so a fused consumer can iterate the sequence outermost).
   */
  formats?: Record<string, string>;
  /** FF_INPUT_TOO_LARGE above this estimate of one generated or read tensor's bytes (default: a quarter of the machine's memory). */
  maxTensorBytes?: number;
}

export const PYTORCH_OPTIONS_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['model'],
  properties: {
    model: { type: 'string', description: 'model file (.onnx or .fx.json), relative to the manifest' },
    inputs: { type: 'object', additionalProperties: { $ref: '#/definitions/source' } },
    weights: { type: 'object', additionalProperties: { $ref: '#/definitions/source' } },
    emit: { enum: ['program', 'model'], default: 'program' },
    exampleInputs: { type: 'boolean', default: true },
    resize: { type: 'boolean', default: false },
    name: { type: 'string' },
    formats: {
      type: 'object',
      additionalProperties: { type: 'string', minLength: 1 },
      description: "storage format of intermediate or output values by name, e.g. { \"matmul_4\": \"ddd:1,0,2\" }",
    },
    maxTensorBytes: { type: 'number', exclusiveMinimum: 0, description: "largest estimated size (bytes) of one generated or read tensor; default a quarter of the machine's memory" },
  },
  definitions: {
    source: {
      type: 'object',
      additionalProperties: false,
      properties: {
        format: { type: 'string', description: "storage format: dense, csr, dcsr, bcsr-16, ... (default dense, or dcsr for sparse PyTorch inputs)" },
        file: { type: 'string', description: 'MatrixMarket (.mtx, .mtx.gz) or JSON (nested array or {shape, data}) file' },
        ...DATASET_SOURCE_PROPERTIES,
        generate: { description: 'generator spec (string or object, see @fuseflow/ir generators)' },
        shape: { type: 'array', items: { type: 'integer', minimum: 1 } },
        seed: { type: 'integer' },
      },
    },
  },
} as const;

/** Weights larger than this (elements) stay in their sparse storage instead of a dense array. */
export const DENSE_WEIGHT_LIMIT = 1 << 22;

const shapeSize = (s: number[]): number => s.reduce((a, b) => a * b, 1);

const bad = (msg: string, path?: string, suggestion?: string): FuseFlowError =>
  new FuseFlowError('FF_INPUT_INVALID', msg, { ...(path ? { path } : {}), ...(suggestion ? { suggestion } : {}) });

/** Closest name by edit distance (for "did you mean"). */
function closest(name: string, options: string[]): string | undefined {
  const d = (a: string, b: string): number => {
    const m = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) m[0][j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++) m[i][j] = Math.min(m[i - 1][j] + 1, m[i][j - 1] + 1, m[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return m[a.length][b.length];
  };
  let best: string | undefined;
  let bd = Infinity;
  for (const o of options) {
    const v = d(name.toLowerCase(), o.toLowerCase());
    if (v < bd) [best, bd] = [o, v];
  }
  return bd <= Math.max(2, name.length / 3) ? best : undefined;
}

/** The result of binding: the (possibly resized) graph, dense input data and formats. */
export interface BoundModel {
  graph: ModelGraph;
  inputs: Record<string, LoadedTensor>;
  formats: Record<string, string>;
}

/**
 * Loads the model file and binds the manifest's data: inputs (manifest source, else the
 * exporter's example inputs), weights (manifest source overrides the exported values), formats.
 */
export function bindModel(options: PytorchFrontendOptions, baseDir: string, seed: number): BoundModel {
  const file = path.resolve(baseDir, options.model);
  const graph = loadModelFile(file);
  const formats: Record<string, string> = {};
  const inputs: Record<string, LoadedTensor> = {};
  const changed: string[] = [];
  const checkShape = (name: string, kind: string, got: number[], want: number[], key: string): void => {
    if (got.join(',') === want.join(',')) return;
    if (!options.resize) {
      throw bad(
        `${kind} '${name}': the manifest data has shape [${got.join(',')}] but the model expects [${want.join(',')}]`,
        key,
        'set "resize": true to re-infer the model\'s shapes from the bound data',
      );
    }
    changed.push(`${name} [${want.join(',')}] -> [${got.join(',')}]`);
  };
  for (const key of Object.keys(options.inputs ?? {})) {
    if (!graph.inputs.includes(key)) {
      const s = closest(key, graph.inputs);
      throw bad(`inputs.${key}: the model has no input '${key}' (inputs: ${graph.inputs.join(', ')})`, `/frontend/options/inputs/${key}`, s ? `did you mean '${s}'?` : undefined);
    }
  }
  const weightNames = Object.keys(graph.weights);
  for (const key of Object.keys(options.weights ?? {})) {
    if (!graph.weights[key]) {
      const s = closest(key, weightNames);
      throw bad(`weights.${key}: the model has no weight '${key}' (weights: ${weightNames.join(', ')})`, `/frontend/options/weights/${key}`, s ? `did you mean '${s}'?` : undefined);
    }
  }
  let example: Record<string, ModelTensor> | undefined;
  let k = 0;
  for (const name of graph.inputs) {
    const src = options.inputs?.[name];
    const v = graph.values[name];
    const key = `/frontend/options/inputs/${name}`;
    if (src?.format) formats[name] = src.format;
    if (src && (src.file || src.generate !== undefined || src.dataset !== undefined)) {
      const t = loadTensorSource(src, { baseDir, seed: seed + 101 * ++k, name, shape: src.shape ?? v.shape, path: key, maxBytes: options.maxTensorBytes });
      checkShape(name, 'input', t.shape, v.shape, key);
      v.shape = [...t.shape];
      inputs[name] = t;
      continue;
    }
    if (options.exampleInputs === false) throw bad(`no data for model input '${name}': give inputs.${name}.file or inputs.${name}.generate`, key);
    const ref = referenceFileFor(file);
    if (!example) {
      if (!fs.existsSync(ref)) throw bad(`no data for model input '${name}': give inputs.${name}.file or .generate (no example inputs at ${ref})`, key);
      example = readReferenceIo(ref).inputs;
    }
    const t = example[name];
    if (!t) throw bad(`no data for model input '${name}' in ${ref}; give inputs.${name}.file or .generate`, key);
    checkShape(name, 'input', t.shape, v.shape, key);
    inputs[name] = t;
  }
  for (const name of weightNames) {
    const src = options.weights?.[name];
    if (!src) continue;
    const key = `/frontend/options/weights/${name}`;
    if (src.format) formats[name] = src.format;
    if (src.file || src.generate !== undefined || src.dataset !== undefined) {
      const w = graph.weights[name];
      const t = loadTensorSource(src, { baseDir, seed: seed + 101 * ++k, name, shape: src.shape ?? w.shape, path: key, maxBytes: options.maxTensorBytes });
      checkShape(name, 'weight', t.shape, w.shape, key);
      graph.values[name].shape = [...t.shape];
      if (isStored(t) && shapeSize(t.shape) > DENSE_WEIGHT_LIMIT) {
        // A huge sparse weight (SAE NIH: 1M x 512) is never densified: it is bound like an input.
        delete graph.weights[name];
        graph.values[name].role = 'input';
        graph.inputs.push(name);
        inputs[name] = t;
      } else graph.weights[name] = { shape: t.shape, data: isStored(t) ? toDense(t) : t.data };
    }
  }
  const computed = Object.keys(graph.values).filter((n) => !graph.inputs.includes(n) && !graph.weights[n]);
  for (const [name, f] of Object.entries(options.formats ?? {})) {
    const key = `/frontend/options/formats/${name}`;
    if (!computed.includes(name)) {
      const s = closest(name, computed);
      const why = graph.values[name] ? 'is an input or weight (give its format under inputs/weights)' : 'is not a value of the model';
      throw bad(`formats.${name}: '${name}' ${why}`, key, s ? `did you mean '${s}'?` : undefined);
    }
    try {
      parseFormat(f, graph.values[name].shape.length);
    } catch (e) {
      throw bad(`formats.${name}: ${(e as Error).message}`, key);
    }
    formats[name] = f;
  }
  for (const [n, f] of Object.entries(formats)) graph.values[n].format = f;
  if (changed.length > 0) {
    try {
      inferShapes(graph);
    } catch (e) {
      throw bad(`the manifest data does not fit the model (${changed.join('; ')}): ${(e as Error).message}`, '/frontend/options');
    }
  }
  verifyModel(graph);
  return { graph, inputs, formats };
}

/** The PyTorch frontend: a model file plus manifest data -> ProgramModule (or ModelModule). */
export class PytorchFrontend implements Frontend {
  readonly id = 'pytorch';
  constructor(private readonly options: PytorchFrontendOptions) {}

  load(ctx: RunContext): IrModule {
    const { graph, inputs, formats } = bindModel(this.options, ctx.baseDir, ctx.seed);
    if (this.options.name) graph.name = this.options.name;
    if (this.options.emit === 'model') {
      const m: ModelModule = { stage: 'model', graph, inputs };
      return m;
    }
    const { program, data } = modelToProgram(graph, { inputs, formats, name: this.options.name });
    const p: ProgramModule = { stage: 'program', program, data, model: graph.name };
    return p;
  }
}
