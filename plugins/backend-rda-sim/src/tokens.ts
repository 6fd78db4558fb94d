/**
 * Token encoding shared by both engines: a tag plus a float64 payload, so channels can be typed
 * arrays and no token is ever an object. Crd/ref payloads are integers; val payloads are numbers
 * (or tile handles in block mode); a stop's payload is its level; repsig uses VAL for Repeat.
 */
export const VAL = 0;
export const STOP = 1;
export const EMPTY = 2;
export const DONE = 3;

/** A token as plain data (fixtures, diagnostics, the protobuf-free stream API). */
export type Token = number | `S${number}` | 'N' | 'D' | 'R' | 'S';

/** Formats one token in SAM Python spelling (S0, N, D; repsig R/S/D when `repsig`). */
export function showToken(tag: number, v: number, repsig = false): string {
  if (repsig) return tag === VAL ? 'R' : tag === STOP ? 'S' : tag === DONE ? 'D' : 'N';
  switch (tag) {
    case VAL:
      return String(v);
    case STOP:
      return `S${v}`;
    case EMPTY:
      return 'N';
    default:
      return 'D';
  }
}

/** Parses a SAM-spelled token (number, 'S<k>', 'N', 'D', repsig 'R'/'S') into [tag, payload]. */
export function parseToken(t: Token): [number, number] {
  if (typeof t === 'number') return [VAL, t];
  if (t === 'D') return [DONE, 0];
  if (t === 'N') return [EMPTY, 0];
  if (t === 'R') return [VAL, 1];
  if (t === 'S') return [STOP, 0];
  const m = /^S(\d+)$/.exec(t);
  if (m) return [STOP, Number(m[1])];
  throw new Error(`unknown token '${String(t)}'`);
}
