import * as fs from 'node:fs';
import * as path from 'node:path';
import { FuseFlowError, isFuseFlowError } from '@fuseflow/kernel/plugin-api';
import { type GeneratorSpec, generateTensor, type ModelTensor, parseGenerator, readTensorFile, type SparseTensorData } from '@fuseflow/ir';
import { loadDatasetSource, type Normalization } from '@fuseflow/datasets';
import { decodeJsonTensor } from './fx';

/** Where a model input's or weight's data comes from, and how it is stored. */
export interface TensorSource {
  /** storage format: dense, csr, dcsr, bcsr-16, ... */
  format?: string;
  /** MatrixMarket (.mtx, .mtx.gz) or JSON file, relative to the manifest. */
  file?: string;
  /** a bundled real dataset (@fuseflow/datasets): 'cora:adjacency' or 'cora:features'. */
  dataset?: string;
  /** dataset adjacency only: 'none' (default), 'symmetric' (D^-1/2 (A+I) D^-1/2) or 'mean'. */
  normalize?: Normalization;
  /** dataset adjacency only: add I (default true). */
  selfLoops?: boolean;
  /**
   * generator (see @fuseflow/ir GENERATOR_SYNTAX): a spec string such as 'gcnadj:cora:seed=25' or
   * 'uniform:{shape}:0.4' ({shape} = the value's shape, e.g. 1433x16), or a GeneratorSpec object.
   * Without a seed, the source's `seed`, else one derived from the run seed, is used.
   */
  generate?: unknown;
  /** shape to generate (default: the model's shape of that value). */
  shape?: number[];
  /** seed of the generator (default: derived from the run seed and the value's position). */
  seed?: number;
}

export interface SourceContext {
  baseDir: string;
  seed: number;
  name: string;
  shape: number[];
  /** manifest JSON path of the source (for error messages). */
  path: string;
  /** FF_INPUT_TOO_LARGE above this estimate (bytes). */
  maxBytes?: number;
}

const bad = (msg: string, p?: string): FuseFlowError => new FuseFlowError('FF_INPUT_INVALID', msg, p ? { path: p } : {});

/** A loaded tensor: dense, or already stored sparse (large graphs are never densified). */
export type LoadedTensor = ModelTensor | SparseTensorData;

export const isStored = (t: LoadedTensor): t is SparseTensorData => 'levels' in t;

/** Loads or generates the data of one source. */
export function loadTensorSource(src: TensorSource, ctx: SourceContext): LoadedTensor {
  const given = (['file', 'generate', 'dataset'] as const).filter((k) => src[k] !== undefined);
  if (given.length > 1) throw bad(`${ctx.name}: give one of 'file', 'generate' and 'dataset', not ${given.join(' and ')}`, ctx.path);
  if (src.dataset === undefined && (src.normalize !== undefined || src.selfLoops !== undefined)) {
    throw bad(`${ctx.name}: 'normalize' and 'selfLoops' apply to a 'dataset' adjacency source`, ctx.path);
  }
  if (src.dataset !== undefined) {
    try {
      return loadDatasetSource({ dataset: src.dataset, format: src.format, normalize: src.normalize, selfLoops: src.selfLoops }, ctx.name, ctx.name);
    } catch (e) {
      if (!isFuseFlowError(e)) throw e;
      throw new FuseFlowError(e.code, e.message, { path: ctx.path, ...(e.suggestion ? { suggestion: e.suggestion } : {}) });
    }
  }
  if (src.file) {
    const file = path.resolve(ctx.baseDir, src.file);
    if (!fs.existsSync(file)) throw bad(`${ctx.name}: data file ${file} does not exist`, ctx.path);
    if (/\.json$/i.test(file)) {
      let json: unknown;
      try {
        json = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch (e) {
        throw bad(`${ctx.name}: ${file} is not valid JSON (${(e as Error).message})`, ctx.path);
      }
      // {shape, coords, vals} (sparse JSON) is @fuseflow/ir's tensor file format
      if (json && typeof json === 'object' && 'coords' in (json as object)) return readDataFile(file, src, ctx);
      return decodeJsonTensor(json, `${ctx.name} (${file})`);
    }
    return readDataFile(file, src, ctx);
  }
  if (src.generate !== undefined) return generateSource(src, ctx);
  throw bad(`${ctx.name}: a source needs 'file', 'generate' or 'dataset'`, ctx.path);
}

function readDataFile(file: string, src: TensorSource, ctx: SourceContext): LoadedTensor {
  try {
    return readTensorFile(file, src.format, ctx.name, { maxBytes: ctx.maxBytes });
  } catch (e) {
    const fe = e as FuseFlowError;
    throw new FuseFlowError(fe.code === 'FF_INPUT_TOO_LARGE' ? fe.code : 'FF_INPUT_INVALID', `${ctx.name}: ${fe.message}`, { path: ctx.path, ...(fe.suggestion ? { suggestion: fe.suggestion } : {}) });
  }
}

function generateSource(src: TensorSource, ctx: SourceContext): LoadedTensor {
  const seed = src.seed ?? ctx.seed;
  let spec: GeneratorSpec;
  try {
    if (typeof src.generate === 'string') {
      let text = src.generate.replace(/\{shape\}/g, ctx.shape.join('x'));
      if (!/(^|:)seed=/.test(text)) text += `:seed=${seed}`;
      spec = parseGenerator(text);
    } else if (src.generate && typeof src.generate === 'object') {
      spec = { seed, ...(src.generate as object) } as GeneratorSpec;
    } else {
      throw new Error(`expected a generator spec string or object, got ${JSON.stringify(src.generate)}`);
    }
    return generateTensor(spec, src.format ?? 'dense', ctx.name, { maxBytes: ctx.maxBytes });
  } catch (e) {
    const fe = e as FuseFlowError;
    throw new FuseFlowError(fe.code === 'FF_INPUT_TOO_LARGE' ? fe.code : 'FF_INPUT_INVALID', `${ctx.name}: ${fe.message}`, { path: ctx.path, ...(fe.suggestion ? { suggestion: fe.suggestion } : {}) });
  }
}
