import * as fs from 'node:fs';
import * as path from 'node:path';
import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import type { ModelGraph, ModelTensor } from '@fuseflow/ir';
import { decodeJsonTensor, importFx } from './fx';
import { importOnnx } from './onnx';

const bad = (msg: string, suggestion?: string): FuseFlowError =>
  new FuseFlowError('FF_INPUT_INVALID', msg, suggestion !== undefined ? { suggestion } : {});

/** Reads a model file: `.onnx` (torch.onnx.export) or `.fx.json` / `.json` (fuseflow-export FX JSON). */
export function loadModelFile(file: string): ModelGraph {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw bad(`cannot read model file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const base = path.basename(file);
  const stem = base.replace(/(\.fx)?\.(onnx|json)$/i, '');
  if (/\.onnx$/i.test(file)) return importOnnx(bytes, { file, name: stem });
  if (/\.json$/i.test(file)) {
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch (e) {
      throw bad(`${file}: invalid JSON (${(e as Error).message}); the file may be truncated`);
    }
    return importFx(json, { file });
  }
  throw bad(`${file}: unknown model file type; expected .onnx or .fx.json`, 'export the model with fuseflow-export');
}

/** The exporter's reference file next to a model: `<stem>.io.json` (example inputs and PyTorch outputs). */
export function referenceFileFor(modelFile: string): string {
  return modelFile.replace(/(\.fx)?\.(onnx|json)$/i, '') + '.io.json';
}

export interface ReferenceIo {
  inputs: Record<string, ModelTensor>;
  outputs: Record<string, ModelTensor>;
  /** which inputs PyTorch held as sparse tensors. */
  sparse: Record<string, boolean>;
}

/** Reads an exporter `.io.json` file (example inputs and PyTorch's float64 outputs). */
export function readReferenceIo(file: string): ReferenceIo {
  let json: { inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw bad(`cannot read reference file ${file}: ${(e as Error).message}`);
  }
  const conv = (o: Record<string, unknown> | undefined): Record<string, ModelTensor> =>
    Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, decodeJsonTensor(v, `${file}: '${k}'`)]));
  const sparse = Object.fromEntries(Object.entries(json.inputs ?? {}).map(([k, v]) => [k, Boolean((v as { sparse?: boolean }).sparse)]));
  return { inputs: conv(json.inputs), outputs: conv(json.outputs), sparse };
}
