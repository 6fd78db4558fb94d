import * as fs from 'node:fs';
import * as path from 'node:path';
import { FuseFlowError, type Frontend, type RunContext } from '@fuseflow/kernel/plugin-api';
import {
  checkTensorBytes,
  convert,
  denseRandom,
  estimateTensorBytes,
  formatName,
  generateTensor,
  isDenseFormat,
  parseFormat,
  parseProgram,
  parseStatement,
  accessesOf,
  programFromStatement,
  readTensorFile,
  storedCount,
  uniformRandom,
  verifyProgram,
  type ProgramModule,
  type SparseTensorData,
  type TensorBindings,
  type TensorProgram,
} from '@fuseflow/ir';
import { type DatasetSource, loadDatasetSource } from '@fuseflow/datasets';

/** Options of the 'expr' frontend. */
export interface ExprFrontendOptions {
  /** one statement, e.g. "X(i,j) = B(i,k) * C(k,j)". */
  expr?: string;
  /** program text, or a path to a .tp file (relative to the manifest folder). */
  program?: string;
  /** tensor -> format spec ('csr', 'dcsr', 'csc', 'dense', 'bcsr-16', ...). */
  formats?: Record<string, string>;
  /**
   * tensor -> MatrixMarket/JSON file (.mtx, .mtx.gz, .json; relative to the manifest folder), generator
   * spec ('uniform:32x32:0.1:seed=1') or bundled dataset ({ dataset: 'cora:adjacency', format: 'csr' }).
   */
  inputs?: Record<string, string | DatasetSource>;
  /** tensor -> shape (when no input fixes it). */
  shapes?: Record<string, number[]>;
  /** loop order of the (single) statement: 'ikj', 'i,k,j' or ['i','k','j']. */
  order?: string | string[];
  /** density of inputs generated because none was given (sparse formats). */
  defaultDensity?: number;
  /** extent of index variables no shape or input fixes. */
  defaultExtent?: number;
  /** FF_INPUT_TOO_LARGE above this estimate of one tensor's bytes (default: a quarter of the machine's memory). */
  maxTensorBytes?: number;
}

const GENERATORS = ['uniform', 'dense', 'powerlaw', 'gcnadj', 'meanadj', 'bigbird', 'blocksparse'];

function bad(msg: string, suggestion?: string): never {
  throw new FuseFlowError('FF_INPUT_INVALID', `expr frontend: ${msg}`, suggestion ? { suggestion } : {});
}

/** Whether an input spec names a generator rather than a file. */
export function isGeneratorSpec(spec: string): boolean {
  const head = spec.split(':')[0].toLowerCase();
  return spec.includes(':') && GENERATORS.includes(head) && !fs.existsSync(spec);
}

/** Parses a loop order given as 'ikj', 'i,k,j' or a list. */
export function parseOrder(order: string | string[]): string[] {
  if (Array.isArray(order)) return order;
  const t = order.trim();
  if (t.includes(',') || t.includes(' ')) return t.split(/[\s,]+/).filter(Boolean);
  return [...t];
}

function loadInput(name: string, spec: string | DatasetSource, baseDir: string, maxBytes?: number): SparseTensorData {
  if (typeof spec !== 'string') return loadDatasetSource(spec, `expr frontend: input ${name}`, name);
  if (isGeneratorSpec(spec)) return generateTensor(spec, undefined, name, { maxBytes });
  const file = path.resolve(baseDir, spec);
  if (!fs.existsSync(file)) bad(`input for ${name}: '${spec}' is neither a file (${file}) nor a generator spec`, `generators: ${GENERATORS.join(', ')} (e.g. uniform:32x32:0.1:seed=1)`);
  return readTensorFile(file, undefined, name, { maxBytes });
}

/** Builds the program and binds its input data (files, generators, or seeded random defaults). */
export function buildProgramModule(o: ExprFrontendOptions, baseDir: string, seed: number): { module: ProgramModule; generated: string[] } {
  if ((o.expr === undefined) === (o.program === undefined)) bad('give exactly one of "expr" (one statement) and "program" (text or .tp file)');
  const loaded: TensorBindings = {};
  for (const [name, spec] of Object.entries(o.inputs ?? {})) loaded[name] = loadInput(name, spec, baseDir, o.maxTensorBytes);
  let program: TensorProgram;
  if (o.expr !== undefined) {
    const stmt = parseStatement(o.expr);
    const used = new Set([stmt.lhs.tensor, ...accessesOf(stmt.rhs).map((a) => a.tensor)]);
    for (const name of Object.keys(o.inputs ?? {})) {
      if (!used.has(name)) bad(`an input is given for ${name}, which the statement does not use (it uses ${[...used].join(', ')})`);
    }
    const shapes: Record<string, number[]> = { ...(o.shapes ?? {}) };
    for (const [name, t] of Object.entries(loaded)) shapes[name] ??= t.shape;
    program = programFromStatement(o.expr, o.formats ?? {}, shapes, { defaultExtent: o.defaultExtent });
  } else {
    const src = o.program!;
    const looksLikeFile = !src.includes('\n') && (src.endsWith('.tp') || fs.existsSync(path.resolve(baseDir, src)));
    const text = looksLikeFile ? fs.readFileSync(path.resolve(baseDir, src), 'utf8') : src;
    program = parseProgram(text);
    for (const [name, f] of Object.entries(o.formats ?? {})) {
      const decl = program.tensors[name];
      if (!decl) bad(`a format is given for ${name}, which the program does not declare`);
      program.tensors[name] = { ...decl, format: parseFormat(f, decl.shape.length) };
    }
    verifyProgram(program);
  }
  if (o.order !== undefined) {
    if (program.statements.length !== 1 && !program.groups) bad('"order" applies to a one-statement program; use "group ... order" lines in a program');
    const order = parseOrder(o.order);
    const groups = program.groups ?? [{ name: program.statements[0].name, statements: [program.statements[0].name] }];
    if (groups.length !== 1) bad(`"order" needs exactly one fusion group, the program has ${groups.length}`);
    program = { ...program, groups: [{ ...groups[0], loopOrder: order }] };
  }
  const data: TensorBindings = {};
  const generated: string[] = [];
  let s = seed;
  for (const t of Object.values(program.tensors)) {
    if (t.role !== 'input') continue;
    s++;
    const given = loaded[t.name];
    if (given) {
      if (given.shape.join('x') !== t.shape.join('x')) bad(`input ${t.name} has shape ${given.shape.join('x')}, but the program declares ${t.shape.join('x')}`);
      // storing a sparse input densely (a format override) is where a big shape would allocate
      checkTensorBytes(t.name, estimateTensorBytes(t.shape, storedCount(given), t.format), `input ${t.name} ${t.shape.join('x')} stored as ${formatName(t.format)}`, o.maxTensorBytes);
      data[t.name] = convert(given, t.format, { keepZeros: !isDenseFormat(given.format) });
      continue;
    }
    generated.push(t.name);
    data[t.name] = isDenseFormat(t.format)
      ? denseRandom({ shape: t.shape, seed: s, format: t.format, name: t.name, maxBytes: o.maxTensorBytes })
      : uniformRandom({ shape: t.shape, density: o.defaultDensity ?? 0.1, seed: s, format: t.format, name: t.name, maxBytes: o.maxTensorBytes });
  }
  return { module: { stage: 'program', program, data }, generated };
}

/** The 'expr' frontend: a statement or small program plus its data, for quick experiments. */
export class ExprFrontend implements Frontend {
  readonly id = 'expr';
  constructor(private readonly options: ExprFrontendOptions) {}

  load(ctx: RunContext): ProgramModule {
    const { module, generated } = buildProgramModule(this.options, ctx.baseDir, ctx.seed);
    if (generated.length > 0) {
      ctx.diagnostic({ severity: 'info', plugin: 'expr', message: `no input given for ${generated.join(', ')}: generated seeded random data (seed ${ctx.seed})` });
    }
    return module;
  }
}
