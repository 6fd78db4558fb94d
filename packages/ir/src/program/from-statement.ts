import type { TensorDecl, TensorProgram } from './ast';
import { inputError } from '../tensor/errors';
import { parseFormat } from '../tensor/format';
import { parseStatement } from './parse';
import { verifyProgram } from './verify';
import { accessesOf } from './expr-utils';

/**
 * Builds a one-statement program (the CLI's `--expr "X(i,j) = B(i,k) * C(k,j)"`): every tensor
 * read is an input, the written one the output. Formats default to dense. Shapes not given are
 * inferred from the index extents of the tensors whose shapes are given (or `defaultExtent`).
 */
export function programFromStatement(
  stmtText: string,
  formats: Record<string, string> = {},
  shapes: Record<string, number[]> = {},
  opts: { name?: string; defaultExtent?: number } = {},
): TensorProgram {
  const s = parseStatement(stmtText);
  const accesses = [s.lhs, ...accessesOf(s.rhs)];
  const extent = new Map<string, number>();
  for (const a of accesses) {
    const sh = shapes[a.tensor];
    if (!sh) continue;
    if (sh.length !== a.indices.length) {
      throw inputError(`--expr: shape [${sh.join(',')}] of ${a.tensor} has rank ${sh.length}, but ${a.tensor} is used with ${a.indices.length} index(es)`);
    }
    a.indices.forEach((v, m) => {
      const prev = extent.get(v);
      if (prev !== undefined && prev !== sh[m]) {
        throw inputError(`--expr: index ${v} has extent ${prev} from one shape and ${sh[m]} from ${a.tensor}'s shape [${sh.join(',')}]`);
      }
      extent.set(v, sh[m]);
    });
  }
  for (const name of Object.keys(formats)) {
    if (!accesses.some((a) => a.tensor === name)) throw inputError(`--format names ${name}, which the statement does not use`);
  }
  const tensors: Record<string, TensorDecl> = {};
  for (const a of accesses) {
    if (tensors[a.tensor]) continue;
    const shape =
      shapes[a.tensor] ??
      a.indices.map((v) => {
        const n = extent.get(v) ?? opts.defaultExtent;
        if (n === undefined) {
          throw inputError(`--expr: cannot infer the extent of index ${v} of ${a.tensor}; give a shape for a tensor that uses ${v}`);
        }
        return n;
      });
    const role = a.tensor === s.lhs.tensor ? 'output' : 'input';
    tensors[a.tensor] = { name: a.tensor, shape, format: parseFormat(formats[a.tensor] ?? 'dense', shape.length), role };
  }
  const p: TensorProgram = { name: opts.name ?? 'expr', tensors, statements: [s], outputs: [s.lhs.tensor] };
  verifyProgram(p);
  return p;
}
