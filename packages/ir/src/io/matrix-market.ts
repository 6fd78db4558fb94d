import type { SparseTensorData, TensorFormat } from '../tensor/types';
import { inputError, nonFiniteError } from '../tensor/errors';
import { formatName, isDenseFormat, parseFormat } from '../tensor/format';
import { checkTensorBytes, estimateTensorBytes } from '../generators/limits';
import { fromCoo, toCoo, toDense } from '../tensor/storage';

/** A format given either parsed or as a spec string ('csr', 'bcsr-16', ...). */
type FormatArg = TensorFormat | string;

type Field = 'real' | 'integer' | 'pattern';
type Symmetry = 'general' | 'symmetric' | 'skew-symmetric';

/**
 * Reads a MatrixMarket (.mtx) matrix: coordinate or array layout; real, integer or pattern field;
 * general, symmetric or skew-symmetric (the stored triangle is mirrored). Pattern entries read as 1.
 * Default format: DCSR for coordinate files, dense for array files. Errors name the line and what
 * was expected, and the file when given (else the tensor name).
 */
export function readMatrixMarket(text: string, format?: FormatArg, name?: string, file?: string, limits: { maxBytes?: number } = {}): SparseTensorData {
  const label = file ?? name ?? 'MatrixMarket input';
  const lines = text.split(/\r?\n/);
  const fail = (lineNo: number, msg: string): never => {
    throw inputError(`${label}: line ${lineNo}: ${msg}`);
  };
  // End-of-file errors point at the last line that has content.
  let eofLine = lines.length;
  while (eofLine > 1 && lines[eofLine - 1].trim() === '') eofLine--;
  const header = lines[0] ?? '';
  const h = header.trim().split(/\s+/);
  if (h[0]?.toLowerCase() !== '%%matrixmarket') {
    fail(1, `expected the header '%%MatrixMarket matrix <coordinate|array> <real|integer|pattern> <general|symmetric|skew-symmetric>', found '${header.slice(0, 60)}'`);
  }
  const [object, layout, field, symmetry] = h.slice(1).map((x) => x.toLowerCase());
  if (object !== 'matrix') fail(1, `expected object 'matrix', found '${object ?? ''}'`);
  if (layout !== 'coordinate' && layout !== 'array') fail(1, `expected layout 'coordinate' or 'array', found '${layout ?? ''}'`);
  if (field !== 'real' && field !== 'integer' && field !== 'pattern' && field !== 'double') {
    fail(1, `expected field 'real', 'integer' or 'pattern', found '${field ?? ''}'${field === 'complex' ? ' (complex matrices are not supported)' : ''}`);
  }
  if (symmetry !== 'general' && symmetry !== 'symmetric' && symmetry !== 'skew-symmetric') {
    fail(1, `expected symmetry 'general', 'symmetric' or 'skew-symmetric', found '${symmetry ?? ''}'${symmetry === 'hermitian' ? ' (hermitian is complex-only)' : ''}`);
  }
  const fld: Field = field === 'double' ? 'real' : (field as Field);
  const sym = symmetry as Symmetry;
  if (layout === 'array' && fld === 'pattern') fail(1, "the 'pattern' field is only allowed with the 'coordinate' layout");

  // Data lines: skip comments and blank lines, remember line numbers for errors.
  let li = 1;
  const nextData = (): { no: number; words: string[] } | undefined => {
    while (li < lines.length) {
      const raw = lines[li++];
      const t = raw.trim();
      if (t === '' || t.startsWith('%')) continue;
      return { no: li, words: t.split(/\s+/) };
    }
    return undefined;
  };
  const int = (w: string | undefined, no: number, what: string): number => {
    if (w === undefined || !/^[+-]?\d+$/.test(w)) fail(no, `expected ${what} (an integer), found '${w ?? 'end of line'}'`);
    const v = Number(w);
    if (!Number.isFinite(v)) throw nonFiniteError(label, `line ${no}`, w!);
    return v;
  };
  const real = (w: string | undefined, no: number): number => {
    if (fld === 'integer') return int(w, no, 'an integer value');
    const v = w === undefined ? NaN : Number(w);
    if (w !== undefined && /^[+-]?(nan|inf|infinity)$/i.test(w)) throw nonFiniteError(label, `line ${no}`, w);
    if (w === undefined || Number.isNaN(v)) fail(no, `expected a real value, found '${w ?? 'end of line'}'`);
    if (!Number.isFinite(v)) throw nonFiniteError(label, `line ${no}`, w!);
    return v;
  };
  const size = nextData();
  if (!size) return fail(eofLine, `expected the size line '${layout === 'coordinate' ? 'rows cols entries' : 'rows cols'}', found end of file`);
  const want = layout === 'coordinate' ? 3 : 2;
  if (size.words.length !== want) {
    fail(size.no, `expected the size line '${layout === 'coordinate' ? 'rows cols entries' : 'rows cols'}' (${want} integers), found ${size.words.length} word(s)`);
  }
  const M = int(size.words[0], size.no, 'the row count');
  const N = int(size.words[1], size.no, 'the column count');
  if (M < 0 || N < 0) fail(size.no, 'expected non-negative row and column counts');
  if (sym !== 'general' && M !== N) fail(size.no, `expected a square matrix for symmetry '${sym}', found ${M} x ${N}`);
  const f = format === undefined ? parseFormat(layout === 'array' ? 'dense' : 'dcsr', 2) : typeof format === 'string' ? parseFormat(format, 2) : format;
  // The declared size, before any entry is read: a symmetric file stores about half its entries.
  const declared = layout === 'coordinate' ? int(size.words[2], size.no, 'the entry count') * (sym === 'general' ? 1 : 2) : M * N;
  checkTensorBytes(name, estimateTensorBytes([M, N], declared, f), `${label} (${M} x ${N}, ${declared} entries, stored as ${formatName(f)})`, limits.maxBytes);
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  const push = (i: number, j: number, v: number): void => {
    rows.push(i);
    cols.push(j);
    vals.push(v);
    if (i !== j && sym === 'symmetric') {
      rows.push(j);
      cols.push(i);
      vals.push(v);
    } else if (sym === 'skew-symmetric') {
      rows.push(j);
      cols.push(i);
      vals.push(-v);
    }
  };
  if (layout === 'coordinate') {
    const count = int(size.words[2], size.no, 'the entry count');
    const perLine = fld === 'pattern' ? 2 : 3;
    for (let k = 0; k < count; k++) {
      const d = nextData();
      if (!d) fail(eofLine, `expected ${count} entries, found only ${k} before the end of the file`);
      const { no, words } = d!;
      if (words.length !== perLine) fail(no, `expected ${perLine === 2 ? "'row col'" : "'row col value'"} (${perLine} words), found ${words.length} word(s)`);
      const i = int(words[0], no, 'a row index');
      const j = int(words[1], no, 'a column index');
      if (i < 1 || i > M) fail(no, `expected a row index in 1..${M}, found ${i}`);
      if (j < 1 || j > N) fail(no, `expected a column index in 1..${N}, found ${j}`);
      if (sym === 'symmetric' && i < j) fail(no, `expected a lower-triangle entry (row >= column) in a symmetric matrix, found row ${i} < column ${j}`);
      if (sym === 'skew-symmetric' && i <= j) fail(no, `expected a strictly lower-triangle entry (row > column) in a skew-symmetric matrix, found row ${i}, column ${j}`);
      push(i - 1, j - 1, fld === 'pattern' ? 1 : real(words[2], no));
    }
  } else {
    // Column-major; symmetric files store the lower triangle with the diagonal, skew without it.
    for (let j = 0; j < N; j++) {
      const first = sym === 'general' ? 0 : sym === 'symmetric' ? j : j + 1;
      for (let i = first; i < M; i++) {
        const d = nextData();
        if (!d) fail(eofLine, `expected the value of element (${i + 1}, ${j + 1}), found end of file`);
        if (d!.words.length !== 1) fail(d!.no, `expected one value per line in the array layout, found ${d!.words.length} word(s)`);
        const v = real(d!.words[0], d!.no);
        push(i, j, v);
      }
    }
  }
  const extra = nextData();
  if (extra) fail(extra.no, `expected end of file after the declared entries, found '${extra.words.join(' ').slice(0, 40)}'`);
  return fromCoo([M, N], [rows, cols], vals, f, name);
}

/**
 * Writes a matrix as MatrixMarket text: the array layout for dense formats, otherwise the
 * coordinate layout with every stored element (general symmetry, 1-based indices).
 */
export function writeMatrixMarket(t: SparseTensorData, opts: { field?: Field; comment?: string } = {}): string {
  if (t.shape.length !== 2 && t.shape.length !== 1) throw inputError(`writeMatrixMarket: ${t.name ?? 'tensor'} has rank ${t.shape.length}; MatrixMarket holds matrices (rank 2) and vectors (rank 1, written N x 1)`);
  // A vector is the N x 1 column matrix (what scipy.io.mmread and SuiteSparse use for vectors).
  const vector = t.shape.length === 1;
  const [M, N] = vector ? [t.shape[0], 1] : t.shape;
  const field = opts.field ?? 'real';
  const num = (v: number): string => {
    if (field === 'integer' && !Number.isInteger(v)) throw inputError(`writeMatrixMarket: value ${v} is not an integer (field 'integer')`);
    return String(v);
  };
  const out: string[] = [];
  const comment = (opts.comment ?? (t.name ? `tensor ${t.name}` : '')).split('\n').filter((c) => c !== '');
  if (isDenseFormat(t.format) && !t.format.blockShape) {
    if (field === 'pattern') throw inputError("writeMatrixMarket: the 'pattern' field needs the coordinate layout (a sparse format)");
    out.push(`%%MatrixMarket matrix array ${field} general`);
    comment.forEach((c) => out.push(`% ${c}`));
    out.push(`${M} ${N}`);
    const d = toDense(t);
    for (let j = 0; j < N; j++) for (let i = 0; i < M; i++) out.push(num(d[i * N + j]));
  } else {
    const coo = toCoo(t);
    const { vals } = coo;
    const coords = vector ? [coo.coords[0], new Int32Array(vals.length)] : coo.coords;
    // Row-major order regardless of the storage order, so files diff cleanly.
    const order = Array.from(vals.keys()).sort((a, b) => coords[0][a] - coords[0][b] || coords[1][a] - coords[1][b]);
    out.push(`%%MatrixMarket matrix coordinate ${field} general`);
    comment.forEach((c) => out.push(`% ${c}`));
    out.push(`${M} ${N} ${vals.length}`);
    for (const k of order) out.push(field === 'pattern' ? `${coords[0][k] + 1} ${coords[1][k] + 1}` : `${coords[0][k] + 1} ${coords[1][k] + 1} ${num(vals[k])}`);
  }
  return out.join('\n') + '\n';
}
