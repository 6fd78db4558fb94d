import { readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename, extname } from 'node:path';
import type { SparseTensorData, TensorFormat } from '../tensor/types';
import { firstNonFinite, inputError, nonFiniteError } from '../tensor/errors';
import { checkTensorBytes, estimateTensorBytes } from '../generators/limits';
import { formatName, parseFormat } from '../tensor/format';
import { fromCoo, fromDense, toCoo } from '../tensor/storage';
import { readMatrixMarket, writeMatrixMarket } from './matrix-market';

type FormatArg = TensorFormat | string;

function flatten(data: unknown, shape: number[], where: string): number[] {
  const out: number[] = [];
  const walk = (x: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof x !== 'number') throw inputError(`${where}: data${path} should be a number, found ${JSON.stringify(x)?.slice(0, 30)}`);
      out.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[depth]) {
      throw inputError(`${where}: data${path} should be an array of ${shape[depth]} entries (shape [${shape.join(',')}])`);
    }
    x.forEach((y, i) => walk(y, depth + 1, `${path}[${i}]`));
  };
  if (Array.isArray(data) && data.length === shape.reduce((a, b) => a * b, 1) && data.every((v) => typeof v === 'number') && shape.length !== 1) {
    return data as number[];
  }
  walk(data, 0, '');
  return out;
}

/**
 * Parses a JSON tensor: {shape, data} with nested or flat row-major data, or {shape, coords, vals}
 * with coords per mode (coords[mode][k]) or per entry (coords[k] = [i, j, ...]); optional "format".
 */
export function parseTensorJson(text: string, format?: FormatArg, name?: string, file?: string, limits: { maxBytes?: number } = {}): SparseTensorData {
  const where = file ?? name ?? 'tensor JSON';
  let obj: Record<string, unknown>;
  try {
    obj = JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw inputError(`${where}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof obj !== 'object' || obj === null || !Array.isArray(obj.shape) || obj.shape.some((n) => !Number.isInteger(n) || n < 0)) {
    throw inputError(`${where}: expected an object with "shape" (array of non-negative integers) and "data" or "coords" + "vals"`);
  }
  const shape = obj.shape as number[];
  const fmtSpec = format ?? (typeof obj.format === 'string' ? obj.format : undefined);
  const resolve = (dflt: string): TensorFormat =>
    fmtSpec === undefined ? parseFormat(dflt, shape.length) : typeof fmtSpec === 'string' ? parseFormat(fmtSpec, shape.length) : fmtSpec;
  if ('data' in obj) {
    checkTensorBytes(name, estimateTensorBytes(shape, shape.reduce((a, b) => a * b, 1), resolve('dense')), `${where} (dense ${shape.join('x')})`, limits.maxBytes);
    const data = flatten(obj.data, shape, where);
    const bad = firstNonFinite(data);
    // JSON has no NaN or Inf literal, but 1e999 parses to Infinity
    if (bad >= 0) throw nonFiniteError(where, `data entry ${bad} (row-major)`, data[bad]);
    return fromDense(shape, data, resolve('dense'), name);
  }
  if (!Array.isArray(obj.coords) || !Array.isArray(obj.vals)) throw inputError(`${where}: expected "data", or "coords" and "vals"`);
  const vals = obj.vals as number[];
  const raw = obj.coords as number[][];
  const rank = shape.length;
  checkTensorBytes(name, estimateTensorBytes(shape, vals.length, resolve(rank === 1 ? 'sparse' : rank === 2 ? 'dcsr' : 'coo')), `${where} (${shape.join('x')}, ${vals.length} entries)`, limits.maxBytes);
  const badVal = vals.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v));
  if (badVal >= 0) {
    if (typeof vals[badVal] !== 'number') throw inputError(`${where}: vals[${badVal}] should be a number, found ${JSON.stringify(vals[badVal])?.slice(0, 30)}`);
    throw nonFiniteError(where, `vals[${badVal}]`, vals[badVal]);
  }
  let coords: number[][];
  // Per-mode arrays win when both readings fit (rank === number of entries).
  if (raw.length === rank && raw.every((c) => Array.isArray(c) && c.length === vals.length)) {
    coords = raw;
  } else if (raw.length === vals.length && raw.every((c) => Array.isArray(c) && c.length === rank)) {
    coords = shape.map((_, m) => raw.map((c) => c[m]));
  } else {
    throw inputError(`${where}: "coords" must be ${rank} arrays of ${vals.length} coordinates, or ${vals.length} tuples of ${rank}`);
  }
  return fromCoo(shape, coords, vals, resolve(rank === 1 ? 'sparse' : rank === 2 ? 'dcsr' : 'coo'), name);
}

/**
 * Reads a text file, gunzipping it when the name ends in `.gz`. A missing, unreadable or corrupt
 * (truncated, not gzip) file gives FF_INPUT_INVALID naming the file.
 */
export function readTextFile(path: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw inputError(`cannot read file ${path}: ${(e as Error).message}`);
  }
  if (!/\.gz$/i.test(path)) return bytes.toString('utf8');
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch (e) {
    const why = (e as { code?: string }).code === 'Z_BUF_ERROR' ? 'the gzip stream ends early (truncated file)' : (e as Error).message;
    throw inputError(`${path}: not a valid gzip file: ${why}`);
  }
}

/** Reads a tensor file: .mtx (MatrixMarket) or .json ({shape, data} / {shape, coords, vals}), either one optionally gzipped (.mtx.gz, .json.gz). */
export function readTensorFile(path: string, format?: FormatArg, name?: string, limits: { maxBytes?: number } = {}): SparseTensorData {
  const plain = path.replace(/\.gz$/i, '');
  const ext = extname(plain).toLowerCase();
  const tname = name ?? basename(plain, extname(plain));
  if (ext !== '.mtx' && ext !== '.json') throw inputError(`tensor file ${path}: unknown extension '${extname(path)}' (expected .mtx, .json, .mtx.gz or .json.gz)`);
  const text = readTextFile(path);
  if (ext === '.mtx') return readMatrixMarket(text, format, tname, path, limits);
  return parseTensorJson(text, format, tname, path, limits);
}

/** Writes a tensor file (.mtx for matrices, .json {shape, format, coords, vals} for any rank). */
export function writeTensorFile(path: string, t: SparseTensorData): void {
  const ext = extname(path).toLowerCase();
  if (ext === '.mtx') {
    writeFileSync(path, writeMatrixMarket(t));
  } else if (ext === '.json') {
    const { coords, vals } = toCoo(t);
    writeFileSync(path, JSON.stringify({ shape: t.shape, format: formatName(t.format), coords: coords.map((c) => Array.from(c)), vals: Array.from(vals) }) + '\n');
  } else {
    throw inputError(`tensor file ${path}: unknown extension '${ext}' (expected .mtx or .json)`);
  }
}
