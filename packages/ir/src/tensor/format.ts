import type { LevelFormat, TensorFormat } from './types';
import { inputError } from './errors';

const LEVEL_LETTERS: Record<string, LevelFormat> = { d: 'dense', c: 'compressed', s: 'singleton' };
const LETTER_OF: Record<LevelFormat, string> = { dense: 'd', compressed: 'c', singleton: 's' };

const NAMED_HELP =
  "expected one of dense, csr, csc, dcsr, dcsc, coo, bcsr-N (e.g. bcsr-16), sparse/compressed (rank 1), " +
  "or level letters d/c/s with an optional mode order, e.g. 'dc' or 'cc:1,0'";

function identity(rank: number): number[] {
  return Array.from({ length: rank }, (_, i) => i);
}

/** Checks a format's internal consistency for a tensor of the given rank; throws FF_INPUT_INVALID. */
export function validateFormat(f: TensorFormat, rank: number, what = 'format'): void {
  if (f.levels.length !== rank) {
    throw inputError(`${what}: ${f.levels.length} level(s) given for a rank-${rank} tensor`);
  }
  if (f.modeOrder.length !== rank) {
    throw inputError(`${what}: mode order [${f.modeOrder.join(',')}] has ${f.modeOrder.length} entries, expected ${rank}`);
  }
  const seen = new Set<number>();
  for (const m of f.modeOrder) {
    if (!Number.isInteger(m) || m < 0 || m >= rank || seen.has(m)) {
      throw inputError(`${what}: mode order [${f.modeOrder.join(',')}] is not a permutation of 0..${rank - 1}`);
    }
    seen.add(m);
  }
  f.levels.forEach((lv, l) => {
    if (lv !== 'dense' && lv !== 'compressed' && lv !== 'singleton') {
      throw inputError(`${what}: level ${l} has unknown level format '${String(lv)}' (expected dense, compressed or singleton)`);
    }
    // A singleton level stores exactly one coordinate per parent position, so its parent must
    // enumerate one position per stored element (a non-unique compressed or another singleton level).
    if (lv === 'singleton' && (l === 0 || f.levels[l - 1] === 'dense')) {
      throw inputError(`${what}: singleton level ${l} must follow a compressed or singleton level (as in COO = c,s,...)`);
    }
  });
  if (f.blockShape !== undefined) {
    if (f.blockShape.length !== rank || f.blockShape.some((b) => !Number.isInteger(b) || b < 1)) {
      throw inputError(`${what}: block shape [${f.blockShape.join(',')}] must have ${rank} positive integer entries`);
    }
  }
}

/**
 * Parses a format spec for a tensor of the given rank: dense, csr, csc, dcsr, dcsc, coo, bcsr-N,
 * rank-1 sparse/compressed, or explicit level letters ('dc', 'cc:1,0', 'dc@16' for 16x16 blocks).
 */
export function parseFormat(spec: string, rank: number): TensorFormat {
  const raw = spec.trim();
  const s = raw.toLowerCase();
  if (!Number.isInteger(rank) || rank < 0) throw inputError(`format '${spec}': invalid rank ${rank}`);
  const named = (levels: LevelFormat[], modeOrder = identity(rank), blockShape?: number[]): TensorFormat => {
    const f: TensorFormat = blockShape ? { levels, modeOrder, blockShape } : { levels, modeOrder };
    validateFormat(f, rank, `format '${spec}'`);
    return f;
  };
  const needRank = (r: number): void => {
    if (rank !== r) throw inputError(`format '${spec}' needs a rank-${r} tensor, got rank ${rank}`, NAMED_HELP);
  };
  if (s === 'dense' || s === 'unc') return named(Array(rank).fill('dense'));
  if (s === 'sparse' || s === 'compressed') {
    needRank(1);
    return named(['compressed']);
  }
  if (s === 'csr') return needRank(2), named(['dense', 'compressed']);
  if (s === 'csc') return needRank(2), named(['dense', 'compressed'], [1, 0]);
  if (s === 'dcsr') return needRank(2), named(['compressed', 'compressed']);
  if (s === 'dcsc') return needRank(2), named(['compressed', 'compressed'], [1, 0]);
  if (s === 'coo') {
    if (rank === 0) return named([]);
    return named(['compressed', ...Array<LevelFormat>(rank - 1).fill('singleton')]);
  }
  const bcsr = /^(bcsr|bdcsr|bcsc)-(\d+)$/.exec(s);
  if (bcsr) {
    needRank(2);
    const b = Number(bcsr[2]);
    if (b < 1) throw inputError(`format '${spec}': block size must be a positive integer`);
    if (bcsr[1] === 'bcsr') return named(['dense', 'compressed'], [0, 1], [b, b]);
    if (bcsr[1] === 'bdcsr') return named(['compressed', 'compressed'], [0, 1], [b, b]);
    return named(['dense', 'compressed'], [1, 0], [b, b]);
  }
  // Explicit form: letters, optional ':modeOrder', optional '@blockShape' (e.g. 'dc:1,0@16x16').
  const explicit = /^([dcs]*)(?::([0-9,\s]+))?(?:@([0-9x]+))?$/.exec(s);
  if (explicit && (explicit[1].length > 0 || rank === 0)) {
    const letters = explicit[1];
    if (letters.length !== rank) {
      throw inputError(`format '${spec}': ${letters.length} level letter(s) for a rank-${rank} tensor`, NAMED_HELP);
    }
    const levels = [...letters].map((c) => LEVEL_LETTERS[c]);
    const modeOrder = explicit[2] !== undefined ? explicit[2].split(',').map((x) => Number(x.trim())) : identity(rank);
    let blockShape: number[] | undefined;
    if (explicit[3] !== undefined) {
      const parts = explicit[3].split('x').map(Number);
      blockShape = parts.length === 1 ? Array(rank).fill(parts[0]) : parts;
    }
    return named(levels, modeOrder, blockShape);
  }
  throw inputError(`unknown tensor format '${spec}' for a rank-${rank} tensor`, NAMED_HELP);
}

function sameArray(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Canonical name of a format ('csr', 'bcsr-16', or the explicit 'cc:1,0' form); parseFormat inverts it. */
export function formatName(f: TensorFormat): string {
  const rank = f.levels.length;
  const letters = f.levels.map((l) => LETTER_OF[l]).join('');
  const id = sameArray(f.modeOrder, identity(rank));
  const bs = f.blockShape;
  if (bs !== undefined) {
    if (rank === 2 && bs[0] === bs[1]) {
      if (letters === 'dc' && id) return `bcsr-${bs[0]}`;
      if (letters === 'cc' && id) return `bdcsr-${bs[0]}`;
      if (letters === 'dc' && sameArray(f.modeOrder, [1, 0])) return `bcsc-${bs[0]}`;
    }
    const uniform = bs.every((b) => b === bs[0]);
    return `${letters}${id ? '' : ':' + f.modeOrder.join(',')}@${uniform ? bs[0] : bs.join('x')}`;
  }
  if (id && f.levels.every((l) => l === 'dense')) return 'dense';
  if (rank === 1 && letters === 'c') return 'sparse';
  if (rank === 2) {
    if (letters === 'dc') return id ? 'csr' : 'csc';
    if (letters === 'cc') return id ? 'dcsr' : 'dcsc';
  }
  if (rank >= 2 && id && letters === 'c' + 's'.repeat(rank - 1)) return 'coo';
  // Letter strings that spell a named format ('csc', 'dcsc') keep an explicit mode order.
  const collides = letters === 'csc' || letters === 'dcsc';
  return id && !collides ? letters : `${letters}:${f.modeOrder.join(',')}`;
}

/** True when every level is dense (every element is stored, so every access is present). */
export function isDenseFormat(f: TensorFormat): boolean {
  return f.levels.every((l) => l === 'dense');
}

/** Number of elements in one stored tile (1 for unblocked formats). */
export function tileSize(f: TensorFormat): number {
  return f.blockShape ? f.blockShape.reduce((a, b) => a * b, 1) : 1;
}

/** The all-dense format of a rank. */
export function denseFormat(rank: number): TensorFormat {
  return { levels: Array(rank).fill('dense'), modeOrder: identity(rank) };
}
