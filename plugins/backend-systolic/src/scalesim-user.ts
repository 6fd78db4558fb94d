import type { SystolicConfig } from './systolic';
import type { Layer } from './workload';

/**
 * In 'scalesim' mode a bandwidth at or above this many words/cycle stands for SCALE-Sim's
 * `InterfaceBandwidth: CALC` (an interface sized to the demand, stall-free); below it, for `USER`.
 */
export const SCALESIM_CALC_BANDWIDTH = 1e6;

/** Word index of im2col element (m, k) in the unique ifmap (SCALE-Sim's operand_matrix layout: [y][x][c]). */
export function im2colAddress(l: Layer, m: number, k: number, kDim: number, cin: number): number {
  if (l.kind !== 'conv') return m * kDim + k;
  // integer division by `| 0` (all operands are non-negative and < 2^31): this runs per word, and
  // Math.floor costs ~100x more under jest's sandbox
  const perImage = l.ho * l.wo;
  const b = (m / perImage) | 0;
  const p = m - b * perImage;
  const oy = (p / l.wo) | 0;
  const ox = p - oy * l.wo;
  const fy = (k / (l.kw * cin)) | 0;
  const r = k - fy * l.kw * cin;
  const fx = (r / cin) | 0;
  return ((b * l.h + oy * l.sh + fy) * l.w + ox * l.sw + fx) * cin + (r - fx * cin);
}

type Visit = (a: number) => void;

/** Walks a rows x cols matrix in SCALE-Sim's prefetch order (anti-diagonals, bottom row first), pads included. */
function diagonalOrder(rows: number, cols: number, at: (r: number, c: number) => number, visit: Visit): void {
  for (let d = 0; d < rows + cols - 1; d++) {
    const hi = Math.min(d, rows - 1);
    const lo = Math.max(0, d - cols + 1);
    for (let r = hi; r >= lo; r--) {
      visit(at(r, d - r)); // pads (-1) too: they occupy fetch slots
    }
  }
}

/** Walks a skewed demand matrix: line t, array lane i asks for element (t - i, i) of the unskewed fold. */
function skewedOrder(t: number, lanes: number, at: (row: number, lane: number) => number, visit: Visit): void {
  for (let line = 0; line < t + lanes - 1; line++) {
    const hi = Math.min(lanes, line + 1);
    for (let i = Math.max(0, line - t + 1); i < hi; i++) {
      const a = at(line - i, i);
      if (a >= 0) visit(a);
    }
  }
}

/**
 * SCALE-Sim v2's read SRAM with a user bandwidth (read_buffer.py), replayed: the operand's prefetch
 * order is cut into 100 sets of ceil(S/100) words; the SRAM holds a window of 50 active sets; a
 * demanded word outside the window moves it on by 50 sets (a prefetch of S/2 words at `bw` words per
 * cycle, wrapping around the operand) until the word is inside. Returns the prefetches.
 */
function replayReadBuffer(words: number, space: number, bw: number, fetch: (v: Visit) => void, demand: (v: Visit) => void): { fetched: number; prefetches: number; prefetchCycles: number } {
  const active = Math.ceil(words * 0.5);
  const pre = words - active;
  const perSet = Math.ceil(words / 100);
  // sets in prefetch order (unique words per set)
  const members: number[] = [];
  const starts: number[] = [0];
  const stamp = new Int32Array(space).fill(-1);
  let count = 0;
  let fetchLen = 0;
  fetch((a) => {
    fetchLen++;
    if (a < 0) return;
    if (stamp[a] !== starts.length - 1) (stamp[a] = starts.length - 1), members.push(a);
    if (++count === perSet) (count = 0), starts.push(members.length);
  });
  starts.push(members.length);
  const nSets = starts.length - 1;
  const nActive = Math.min(Math.ceil(active / perSet), nSets);
  const nPre = Math.min(Math.ceil(pre / perSet), nSets - nActive);
  const inWin = new Int32Array(space);
  const forWindow = (s: number, e: number, d: number) => {
    const add = (from: number, to: number) => {
      for (let i = starts[from]; i < starts[to]; i++) inWin[members[i]] += d;
    };
    if (s < e) add(s, e);
    else (add(s, nSets), add(0, e));
  };
  let start = 0;
  let end = nActive;
  forWindow(start, end, 1);
  let prefetches = 0;
  const limit = 4 * nSets * (nSets + 1) + 16;
  demand((a) => {
    while (inWin[a] === 0) {
      if (nPre === 0 || ++prefetches > limit) throw new Error(`scalesim replay: word ${a} is in no prefetch set`);
      forWindow(start, end, -1);
      start = (start + nPre) % nSets;
      end = (start + nActive) % nSets;
      forWindow(start, end, 1);
    }
  });
  const fetchLines = Math.ceil(fetchLen / bw);
  const linesPerPrefetch = Math.ceil(pre / bw);
  return { fetched: (Math.min(Math.ceil(active / bw), fetchLines) + prefetches * linesPerPrefetch) * bw, prefetches, prefetchCycles: prefetches * linesPerPrefetch };
}

/**
 * Main-memory words and memory-bound cycles of one layer (one group) under SCALE-Sim v2's
 * `InterfaceBandwidth: USER`: each operand has its own port of `bandwidth` words/cycle; the first
 * half-SRAM is fetched before cycle 0 and every later prefetch is serialised on its port.
 */
export function scaleSimUserMemory(
  l: Layer,
  c: SystolicConfig,
  M: number,
  K: number,
  N: number,
): { ifmapReads: number; filterReads: number; ifmapCycles: number; filterCycles: number } {
  const R = c.arrayHeight;
  const C = c.arrayWidth;
  const rowFoldsOf = (sr: number) => Math.ceil(sr / R);
  const colFoldsOf = (sc: number) => Math.ceil(sc / C);
  const cin = l.kind === 'conv' ? l.cin / l.groups : l.cin;
  const ifA = (m: number, k: number) => (m < M && k < K ? im2colAddress(l, m, k, K, cin) : -1);
  const fA = (k: number, n: number) => (k < K && n < N ? n * K + k : -1);
  const ifSpace = l.kind === 'conv' ? c.batch * l.h * l.w * cin : M * K;
  const wordsOf = (kb: number) => Math.floor((kb * 1024) / c.wordBytes);
  const bw = c.bandwidth;
  let ifFetch: (v: Visit) => void, ifDemand: (v: Visit) => void, fFetch: (v: Visit) => void, fDemand: (v: Visit) => void;
  if (c.dataflow === 'os') {
    const rf = rowFoldsOf(M), cf = colFoldsOf(N);
    ifFetch = (v) => diagonalOrder(rf * K, R, (r, i) => ifA(((r / K) | 0) * R + i, r % K), v);
    fFetch = (v) => diagonalOrder(cf * K, C, (r, j) => fA(r % K, ((r / K) | 0) * C + j), v);
    ifDemand = (v) => { for (let fc = 0; fc < cf; fc++) for (let fr = 0; fr < rf; fr++) skewedOrder(K, R, (k, i) => ifA(fr * R + i, k), v); };
    fDemand = (v) => { for (let fc = 0; fc < cf; fc++) for (let fr = 0; fr < rf; fr++) skewedOrder(K, C, (k, j) => fA(k, fc * C + j), v); };
  } else if (c.dataflow === 'ws') {
    const rf = rowFoldsOf(K), cf = colFoldsOf(N);
    ifFetch = (v) => diagonalOrder(rf * M, R, (r, i) => ifA(r % M, ((r / M) | 0) * R + i), v);
    fFetch = (v) => { for (let fc = 0; fc < cf; fc++) for (let k = 0; k < K; k++) for (let j = 0; j < C; j++) v(fA(k, fc * C + j)); };
    ifDemand = (v) => { for (let fc = 0; fc < cf; fc++) for (let fr = 0; fr < rf; fr++) skewedOrder(M, R, (m, i) => ifA(m, fr * R + i), v); };
    fDemand = (v) => {
      for (let fc = 0; fc < cf; fc++) for (let fr = 0; fr < rf; fr++) for (let k = Math.min(K, (fr + 1) * R) - 1; k >= fr * R; k--) for (let j = 0; j < C; j++) { const a = fA(k, fc * C + j); if (a >= 0) v(a); }
    };
  } else {
    const rf = rowFoldsOf(K), cf = colFoldsOf(M);
    ifFetch = (v) => { for (let fc = 0; fc < cf; fc++) for (let k = 0; k < K; k++) for (let j = 0; j < C; j++) v(ifA(fc * C + j, k)); };
    fFetch = (v) => diagonalOrder(rf * N, R, (r, i) => fA(((r / N) | 0) * R + i, r % N), v);
    ifDemand = (v) => {
      for (let fc = 0; fc < cf; fc++) for (let fr = 0; fr < rf; fr++) for (let k = Math.min(K, (fr + 1) * R) - 1; k >= fr * R; k--) for (let j = 0; j < C; j++) { const a = ifA(fc * C + j, k); if (a >= 0) v(a); }
    };
    fDemand = (v) => { for (let fc = 0; fc < cf; fc++) for (let fr = 0; fr < rf; fr++) skewedOrder(N, R, (n, i) => fA(fr * R + i, n), v); };
  }
  const ri = replayReadBuffer(wordsOf(c.ifmapSramKB), ifSpace, bw, ifFetch, ifDemand);
  const rfl = replayReadBuffer(wordsOf(c.filterSramKB), K * N, bw, fFetch, fDemand);
  return { ifmapReads: ri.fetched, filterReads: rfl.fetched, ifmapCycles: ri.prefetchCycles, filterCycles: rfl.prefetchCycles };
}
