import type { SparseTensorData } from '../tensor/types';
import { inputError } from '../tensor/errors';
import { DATASETS, type DatasetKey } from '../datasets/datasets';
import {
  bigbirdMask,
  blockSparseWeights,
  denseRandom,
  gcnNormalizedAdjacency,
  meanAdjacency,
  powerLawGraph,
  uniformRandom,
  type FormatLike,
} from './generators';

/** A parsed generator spec string (see parseGenerator). */
export type GeneratorSpec =
  | { kind: 'uniform'; shape: number[]; density: number; seed: number; valueRange?: [number, number] }
  | { kind: 'dense'; shape: number[]; seed: number; valueRange?: [number, number]; normal?: number }
  | GraphGeneratorSpec
  | { kind: 'bigbird'; seqLen: number; blockSize: number; seed: number; randomBlocks?: number; windowBlocks?: number; globalBlocks?: number }
  | { kind: 'blocksparse'; shape: [number, number]; blockSize: number; density: number; seed: number; valueRange?: [number, number] };

/** Graph generators: a power-law adjacency, or its GCN-normalized / row-mean form. */
export interface GraphGeneratorSpec {
  kind: 'powerlaw' | 'gcnadj' | 'meanadj';
  dataset?: DatasetKey;
  nodes?: number;
  edges?: number;
  seed: number;
  symmetric?: boolean;
  exponent?: number;
}

export const GENERATOR_SYNTAX = [
  'uniform:<shape e.g. 32x32>:<density>[:seed=N][:range=lo,hi]',
  'dense:<shape>[:seed=N][:range=lo,hi][:normal=stddev]',
  'powerlaw:<dataset>|<nodes>:<edges>[:seed=N][:symmetric=true|false][:exponent=gamma]  (a SYNTHETIC graph with the dataset\'s counts; real graphs: { "dataset": "cora:adjacency" })',
  'gcnadj:<same as powerlaw>  (D^-1/2 (A+I) D^-1/2)',
  'meanadj:<same as powerlaw>  (row-mean adjacency)',
  'bigbird:<seqLen>:<blockSize>[:seed=N][:random=2][:window=3][:global=2]',
  'blocksparse:<rows>x<cols>:<blockSize>:<density>[:seed=N][:range=lo,hi]',
];

/**
 * Parses a generator spec such as 'uniform:32x32:0.1:seed=1', 'powerlaw:cora:seed=3' or
 * 'bigbird:1024:16:seed=0'. The seed defaults to 0.
 */
export function parseGenerator(spec: string): GeneratorSpec {
  const fail = (msg: string): never => {
    throw inputError(`generator '${spec}': ${msg}`, `expected one of: ${GENERATOR_SYNTAX.join('; ')}`);
  };
  const parts = spec.trim().split(':');
  const kind = parts[0].toLowerCase();
  const positional: string[] = [];
  const opts = new Map<string, string>();
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq >= 0) opts.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
    else positional.push(p.trim());
  }
  const known = new Set<string>();
  const num = (text: string | undefined, what: string, integer = false): number => {
    if (text === undefined) return fail(`missing ${what}`);
    const v = Number(text);
    if (text === '' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) fail(`${what} '${text}' is not ${integer ? 'an integer' : 'a number'}`);
    return v;
  };
  const opt = (key: string): string | undefined => {
    known.add(key);
    return opts.get(key);
  };
  const optNum = (key: string, integer = false): number | undefined => {
    const t = opt(key);
    return t === undefined ? undefined : num(t, key, integer);
  };
  const shapeOf = (text: string | undefined): number[] => {
    if (text === undefined) return fail('missing shape (e.g. 32x32)');
    const dims = text.split('x').map((d) => num(d, `extent in shape '${text}'`, true));
    if (dims.some((d) => d < 1)) fail(`shape '${text}' must have positive extents`);
    return dims;
  };
  const range = (): [number, number] | undefined => {
    const t = opt('range');
    if (t === undefined) return undefined;
    const [lo, hi] = t.split(',').map((x) => num(x, 'range bound'));
    if (hi === undefined || !(hi > lo)) fail(`range '${t}' must be lo,hi with lo < hi`);
    return [lo, hi];
  };
  const positionalCount = (n: number): void => {
    if (positional.length !== n) fail(`expected ${n} positional argument(s) after '${kind}', got ${positional.length}`);
  };
  const seed = optNum('seed', true) ?? 0;
  let out: GeneratorSpec;
  switch (kind) {
    case 'uniform': {
      positionalCount(2);
      const density = num(positional[1], 'density');
      if (density < 0 || density > 1) fail(`density ${density} must be in [0, 1]`);
      out = { kind, shape: shapeOf(positional[0]), density, seed };
      const r = range();
      if (r) out.valueRange = r;
      break;
    }
    case 'dense': {
      positionalCount(1);
      out = { kind, shape: shapeOf(positional[0]), seed };
      const r = range();
      if (r) out.valueRange = r;
      const normal = optNum('normal');
      if (normal !== undefined) out.normal = normal;
      break;
    }
    case 'powerlaw':
    case 'gcnadj':
    case 'meanadj': {
      const g: GraphGeneratorSpec = { kind, seed };
      if (positional.length === 1) {
        const key = positional[0].toLowerCase().replace('-', '_');
        if (!(key in DATASETS)) fail(`unknown dataset '${positional[0]}' (known: ${Object.keys(DATASETS).join(', ')})`);
        g.dataset = key as DatasetKey;
      } else if (positional.length === 2) {
        g.nodes = num(positional[0], 'node count', true);
        g.edges = num(positional[1], 'edge count', true);
      } else {
        fail(`expected a dataset name or <nodes>:<edges> after '${kind}'`);
      }
      const sym = opt('symmetric');
      if (sym !== undefined) {
        if (sym !== 'true' && sym !== 'false') fail(`symmetric must be true or false, got '${sym}'`);
        g.symmetric = sym === 'true';
      }
      const ex = optNum('exponent');
      if (ex !== undefined) g.exponent = ex;
      out = g;
      break;
    }
    case 'bigbird': {
      positionalCount(2);
      const b: Extract<GeneratorSpec, { kind: 'bigbird' }> = {
        kind,
        seqLen: num(positional[0], 'sequence length', true),
        blockSize: num(positional[1], 'block size', true),
        seed,
      };
      const rb = optNum('random', true);
      const wb = optNum('window', true);
      const gb = optNum('global', true);
      if (rb !== undefined) b.randomBlocks = rb;
      if (wb !== undefined) b.windowBlocks = wb;
      if (gb !== undefined) b.globalBlocks = gb;
      out = b;
      break;
    }
    case 'blocksparse': {
      positionalCount(3);
      const shape = shapeOf(positional[0]);
      if (shape.length !== 2) fail('blocksparse needs a 2-D shape <rows>x<cols>');
      out = { kind, shape: shape as [number, number], blockSize: num(positional[1], 'block size', true), density: num(positional[2], 'density'), seed };
      const r = range();
      if (r) out.valueRange = r;
      break;
    }
    default:
      return fail(`unknown generator '${parts[0]}'`);
  }
  known.add('seed');
  for (const k of opts.keys()) if (!known.has(k)) fail(`unknown option '${k}' for ${kind}`);
  return out;
}

/** Generates a tensor from a spec (string or parsed), in the given format (each generator's default otherwise). */
export function generateTensor(spec: string | GeneratorSpec, format?: FormatLike, name?: string, limits: { maxBytes?: number } = {}): SparseTensorData {
  const g = typeof spec === 'string' ? parseGenerator(spec) : spec;
  const common = { ...(format !== undefined ? { format } : {}), ...(name !== undefined ? { name } : {}), ...(limits.maxBytes !== undefined ? { maxBytes: limits.maxBytes } : {}) };
  switch (g.kind) {
    case 'uniform':
      return uniformRandom({ ...g, ...common });
    case 'dense':
      return denseRandom({ ...g, ...common });
    case 'powerlaw':
      return powerLawGraph({ ...g, ...common });
    case 'gcnadj':
    case 'meanadj': {
      const adj = powerLawGraph({ ...g, ...common });
      const out = g.kind === 'gcnadj' ? gcnNormalizedAdjacency(adj) : meanAdjacency(adj);
      if (name !== undefined) out.name = name;
      return out;
    }
    case 'bigbird':
      return bigbirdMask({ ...g, ...common });
    case 'blocksparse':
      return blockSparseWeights({ ...g, ...common });
  }
}
