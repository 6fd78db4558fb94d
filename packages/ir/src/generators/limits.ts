import * as os from 'node:os';
import { FuseFlowError } from '@fuseflow/kernel';
import type { TensorFormat } from '../tensor/types';

/**
 * Default cap on one tensor's estimated memory: a quarter of this machine's RAM, so that a typo
 * such as 1000000000x1000000000 fails at once instead of swapping the machine for minutes, while
 * any tensor that could actually be simulated here still fits.
 */
export function defaultMaxTensorBytes(): number {
  return Math.floor(os.totalmem() / 4);
}

/** Bytes of one stored entry: a float64 value plus an int32 coordinate per dimension (the COO it is built from). */
const entryBytes = (rank: number) => 8 + 4 * rank;

/**
 * Estimated bytes a tensor takes while it is built and stored: its entries as COO (value plus
 * coordinates) and, in an all-dense format, the full value array.
 */
export function estimateTensorBytes(shape: number[], nnz: number, format?: TensorFormat): number {
  const total = shape.reduce((a, b) => a * b, 1);
  const dense = format !== undefined && format.levels.every((l) => l === 'dense');
  return nnz * entryBytes(shape.length) + (dense ? total * 8 : 0);
}

/**
 * Fails with FF_INPUT_TOO_LARGE, before anything is allocated, when a tensor's estimate is over
 * the limit (default defaultMaxTensorBytes()). `what` says where the estimate comes from.
 */
export function checkTensorBytes(name: string | undefined, bytes: number, what: string, maxBytes?: number): void {
  const limit = maxBytes ?? defaultMaxTensorBytes();
  if (!(bytes > limit)) return;
  throw new FuseFlowError(
    'FF_INPUT_TOO_LARGE',
    `tensor ${name ?? '(unnamed)'}: ${what} needs about ${fmtBytes(bytes)} (${bytes.toExponential(3)} bytes), over the limit of ${fmtBytes(limit)} (${limit} bytes)`,
    { suggestion: `check the shape and density; to allow it, raise the limit (frontend option "maxTensorBytes", or --max-tensor-bytes ${Math.ceil(bytes)}); the default is a quarter of this machine's memory` },
  );
}

function fmtBytes(b: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB', 'EB'];
  let i = 0;
  while (b >= 1000 && i < units.length - 1) {
    b /= 1000;
    i++;
  }
  return `${b >= 100 || i === 0 ? b.toFixed(0) : b.toPrecision(3)} ${units[i]}`;
}
