#!/usr/bin/env node
'use strict';
// Plugin generator:  npm run new-plugin -- --kind backend --id my-hw [--dir <folder>] [--description "..."]
// Creates plugins/<kind>-<id> (package @fuseflow/<kind>-<id>) with a working contribution of that
// kind and a passing test, using the same package layout as every other workspace package.
const fs = require('node:fs');
const path = require('node:path');
const { scaffoldPackage } = require('./scaffold-package');

const KINDS = ['frontend', 'pass', 'backend', 'searcher', 'reporter'];

function usage(msg) {
  if (msg) console.error(`new-plugin: ${msg}`);
  console.error('usage: npm run new-plugin -- --kind <frontend|pass|backend|searcher|reporter> --id <id> [--dir <folder>] [--description <text>]');
  process.exit(2);
}

function parseArgs(argv) {
  const o = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) usage(`unexpected argument '${a}'`);
    const [k, inline] = a.slice(2).split('=');
    const v = inline !== undefined ? inline : argv[++i];
    if (v === undefined) usage(`--${k} needs a value`);
    o[k] = v;
  }
  return o;
}

const camel = (id) => id.replace(/(^|-)([a-z0-9])/g, (_, __, c) => c.toUpperCase());

/** Source of src/index.ts and src/index.spec.ts for a plugin of this kind. */
function templates(kind, id, name) {
  const Cls = camel(id);
  const header = (token, extra = '') => `import type { DependencyContainer } from 'tsyringe';
import { ${token}, PLUGIN_API_VERSION, type FuseFlowPlugin${extra} } from '@fuseflow/kernel';
`;
  const plugin = (token, cls, schema, defaults, optsType) => `
/** JSON Schema of the options; the kernel merges defaultOptions and validates before register(). */
export const optionsSchema = ${schema};

export const defaultOptions: ${optsType} = ${defaults};

const plugin: FuseFlowPlugin<${optsType}> = {
  name: '${name}',
  version: '0.1.0',
  apiVersion: PLUGIN_API_VERSION,
  kind: '${kind}',
  id: '${id}',
  optionsSchema,
  defaultOptions,
  register(container: DependencyContainer, options: ${optsType}) {
    container.register(${token}, { useValue: new ${cls}(options) });
  },
};

export default plugin;
`;
  const prog = `
type Expr = { kind: string; op?: string; lhs?: Expr; rhs?: Expr; arg?: Expr; tensor?: string; indices?: string[] };
interface Program {
  tensors: Record<string, { shape: number[]; role: string }>;
  statements: Array<{ name: string; lhs: { tensor: string; indices: string[] }; rhs: Expr }>;
  outputs: string[];
}
`;
  const sampleProgram = `const program = {
  name: 'mm',
  tensors: {
    A: { name: 'A', shape: [4, 8], role: 'input', format: { levels: ['dense', 'dense'], modeOrder: [0, 1] } },
    B: { name: 'B', shape: [8, 2], role: 'input', format: { levels: ['dense', 'dense'], modeOrder: [0, 1] } },
    C: { name: 'C', shape: [4, 2], role: 'output', format: { levels: ['dense', 'dense'], modeOrder: [0, 1] } },
    D: { name: 'D', shape: [4, 2], role: 'intermediate', format: { levels: ['dense', 'dense'], modeOrder: [0, 1] } },
  },
  statements: [
    { name: 's0', lhs: { tensor: 'C', indices: ['i', 'j'] }, rhs: { kind: 'binary', op: 'mul', lhs: { kind: 'access', tensor: 'A', indices: ['i', 'k'] }, rhs: { kind: 'access', tensor: 'B', indices: ['k', 'j'] } } },
    { name: 's1', lhs: { tensor: 'D', indices: ['i', 'j'] }, rhs: { kind: 'unary', op: 'relu', arg: { kind: 'access', tensor: 'C', indices: ['i', 'j'] } } },
  ],
  outputs: ['C'],
};
`;
  const ctx = `function context(container = rootContainer.createChildContainer()): RunContext {
  return { seed: 1, baseDir: process.cwd(), outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'ff-${id}-')), events: createKernelEmitter(), container, diagnostic: () => undefined, progress: () => undefined };
}
`;
  const specHeader = (token) => `import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { container as rootContainer } from 'tsyringe';
import { ${token}, createKernelEmitter, type RunContext } from '@fuseflow/kernel';
import plugin, { defaultOptions } from './index';

`;
  switch (kind) {
    case 'backend':
      return {
        index: `${header('BACKEND', ', type Backend, type IrModule, type Report, type RunContext')}${prog}
export interface ${Cls}Options {
  /** arithmetic operations per cycle. */
  opsPerCycle: number;
}

/** Counts the arithmetic of a TensorProgram (dense iteration space) and estimates cycles. */
export class ${Cls}Backend implements Backend {
  readonly id = '${id}';
  readonly consumes = ['program'];
  constructor(private readonly options: ${Cls}Options) {}

  run(ir: IrModule, ctx: RunContext): Report {
    const p = ir.program as Program;
    let flops = 0;
    for (const s of p.statements) {
      const extent = new Map<string, number>();
      s.lhs.indices.forEach((v, k) => extent.set(v, p.tensors[s.lhs.tensor].shape[k]));
      const ops = count(s.rhs, p, extent);
      const summed = extent.size > s.lhs.indices.length ? 1 : 0;
      flops += [...extent.values()].reduce((a, b) => a * b, 1) * (ops + summed);
    }
    ctx.progress({ plugin: '${id}', done: 1, total: 1 });
    const cycles = Math.ceil(flops / this.options.opsPerCycle);
    return { backend: '${id}', metrics: { cycles, flops }, text: \`\${flops} FLOPs, \${cycles} cycles\` };
  }
}

/** Arithmetic nodes of an expression; records the extent of every index variable it uses. */
function count(e: Expr, p: Program, extent: Map<string, number>): number {
  if (e.kind === 'access') e.indices!.forEach((v, k) => extent.set(v, p.tensors[e.tensor!].shape[k]));
  const kids = [e.lhs, e.rhs, e.arg].filter((x): x is Expr => !!x);
  return (e.kind === 'binary' || e.kind === 'unary' ? 1 : 0) + kids.reduce((a, x) => a + count(x, p, extent), 0);
}
${plugin('BACKEND', `${Cls}Backend`, `{\n  type: 'object',\n  additionalProperties: false,\n  properties: { opsPerCycle: { type: 'number', exclusiveMinimum: 0 } },\n}`, '{ opsPerCycle: 4 }', `${Cls}Options`)}`,
        spec: `${specHeader('BACKEND')}${sampleProgram}
${ctx}
describe('${name}', () => {
  it('counts FLOPs of the iteration space and estimates cycles', async () => {
    const c = rootContainer.createChildContainer();
    plugin.register(c, { ...defaultOptions, opsPerCycle: 3 });
    const backend = c.resolveAll(BACKEND)[0];
    const report = await backend.run({ stage: 'program', program, data: {} }, context(c));
    // s0: 4*2*8 points x (mul + accumulate); s1: 4*2 points x relu
    expect(report.metrics.flops).toBe(4 * 2 * 8 * 2 + 4 * 2);
    expect(report.metrics.cycles).toBe(Math.ceil(136 / 3));
  });
});
`,
      };
    case 'pass':
      return {
        index: `${header('PASS', ', type IrModule, type Pass, type RunContext')}${prog}
export interface ${Cls}Options {
  /** keep statements whose results are never used. */
  keepDead: boolean;
}

/** Dead-code elimination: drops statements whose result no output depends on. */
export class ${Cls}Pass implements Pass {
  readonly id = '${id}';
  readonly reads = 'program';
  readonly writes = 'program';
  constructor(private readonly options: ${Cls}Options) {}

  run(ir: IrModule, ctx: RunContext): IrModule {
    const p = ir.program as Program;
    if (this.options.keepDead) return ir;
    const live = new Set(p.outputs);
    const kept: Program['statements'] = [];
    for (const s of [...p.statements].reverse()) {
      if (!live.has(s.lhs.tensor)) continue;
      kept.unshift(s);
      for (const t of tensorsOf(s.rhs)) live.add(t);
    }
    ctx.stat?.('removed', p.statements.length - kept.length);
    return { ...ir, program: { ...p, statements: kept } };
  }
}

function tensorsOf(e: Expr): string[] {
  const kids = [e.lhs, e.rhs, e.arg].filter((x): x is Expr => !!x);
  return [...(e.kind === 'access' ? [e.tensor!] : []), ...kids.flatMap(tensorsOf)];
}
${plugin('PASS', `${Cls}Pass`, `{\n  type: 'object',\n  additionalProperties: false,\n  properties: { keepDead: { type: 'boolean' } },\n}`, '{ keepDead: false }', `${Cls}Options`)}`,
        spec: `${specHeader('PASS')}${sampleProgram}
${ctx}
describe('${name}', () => {
  it('removes statements no output depends on', async () => {
    const c = rootContainer.createChildContainer();
    plugin.register(c, defaultOptions);
    const pass = c.resolveAll(PASS)[0];
    const out = await pass.run({ stage: 'program', program, data: {} }, context(c));
    expect((out.program as typeof program).statements.map((s) => s.name)).toEqual(['s0']);
  });
});
`,
      };
    case 'frontend':
      return {
        index: `import * as fs from 'node:fs';
import * as path from 'node:path';
${header('FRONTEND', ', type Frontend, type IrModule, type RunContext')}
export interface ${Cls}Options {
  /** TensorProgram JSON file, relative to the manifest. */
  file: string;
}

/** Loads a TensorProgram from a JSON file (no data bound). */
export class ${Cls}Frontend implements Frontend {
  readonly id = '${id}';
  constructor(private readonly options: ${Cls}Options) {}

  load(ctx: RunContext): IrModule {
    const file = path.resolve(ctx.baseDir, this.options.file);
    const program = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (!Array.isArray(program.statements)) throw Object.assign(new Error(\`\${file}: no "statements" array\`), { code: 'FF_INPUT_INVALID' });
    return { stage: 'program', program, data: {} };
  }
}
${plugin('FRONTEND', `${Cls}Frontend`, `{\n  type: 'object',\n  additionalProperties: false,\n  required: ['file'],\n  properties: { file: { type: 'string', minLength: 1 } },\n}`, `{ file: 'program.json' }`, `${Cls}Options`)}`,
        spec: `${specHeader('FRONTEND')}${sampleProgram}
${ctx}
describe('${name}', () => {
  it('loads a program file relative to the manifest folder', async () => {
    const c = rootContainer.createChildContainer();
    const ctx = context(c);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-fe-'));
    fs.writeFileSync(path.join(dir, 'p.json'), JSON.stringify(program));
    plugin.register(c, { ...defaultOptions, file: 'p.json' });
    const ir = await c.resolveAll(FRONTEND)[0].load({ ...ctx, baseDir: dir });
    expect(ir.stage).toBe('program');
    expect((ir.program as typeof program).statements).toHaveLength(2);
  });
});
`,
      };
    case 'searcher':
      return {
        index: `${header('SEARCHER', ', RUNNER, type Runner, type RunContext, type SearchResult, type Searcher')}
export interface ${Cls}Options {
  /** backend option to vary. */
  option: string;
  /** candidate values, evaluated in order. */
  values: number[];
  /** maximum evaluations. */
  budget: number;
}

/** Exhaustive search over one backend option; keeps the value with the fewest cycles. */
export class ${Cls}Searcher implements Searcher {
  readonly id = '${id}';
  constructor(private readonly options: ${Cls}Options) {}

  async search(ctx: RunContext): Promise<SearchResult> {
    const runner = ctx.container.resolve<Runner>(RUNNER);
    const points: Array<{ value: number; cycles: number }> = [];
    for (const value of this.options.values.slice(0, this.options.budget)) {
      const [report] = await runner.runPipeline({ backend: { options: { [this.options.option]: value } } }, ctx);
      points.push({ value, cycles: report.metrics.cycles });
      ctx.progress({ plugin: '${id}', done: points.length, total: Math.min(this.options.budget, this.options.values.length) });
    }
    const best = points.reduce((a, b) => (b.cycles < a.cycles ? b : a));
    return { searcher: '${id}', best, evaluations: points.length, details: { points } };
  }
}
${plugin('SEARCHER', `${Cls}Searcher`, `{\n  type: 'object',\n  required: ['option', 'values'],\n  properties: { option: { type: 'string' }, values: { type: 'array', items: { type: 'number' }, minItems: 1 }, budget: { type: 'integer', minimum: 1 }, resume: { type: 'boolean' } },\n}`, `{ option: 'opsPerCycle', values: [1, 2, 4], budget: 100 }`, `${Cls}Options`)}`,
        spec: `${specHeader('SEARCHER')}import { RUNNER } from '@fuseflow/kernel';

${ctx}
describe('${name}', () => {
  it('evaluates each value through the pipeline runner and keeps the fastest', async () => {
    const c = rootContainer.createChildContainer();
    // cycles = 1000 / value + 10 * value: best at value 10 among the candidates
    c.register(RUNNER, { useValue: { runPipeline: async (o: { backend: { options: { width: number } } }) => [{ backend: 'model', metrics: { cycles: 1000 / o.backend.options.width + 10 * o.backend.options.width } }] } as never });
    plugin.register(c, { ...defaultOptions, option: 'width', values: [1, 5, 10, 20, 40], budget: 4 });
    const res = await c.resolveAll(SEARCHER)[0].search(context(c));
    expect(res.evaluations).toBe(4);
    expect(res.best).toEqual({ value: 10, cycles: 200 });
  });
});
`,
      };
    case 'reporter':
      return {
        index: `import * as fs from 'node:fs';
import * as path from 'node:path';
${header('REPORTER', ', type Report, type Reporter, type RunContext, type SearchResult')}
export interface ${Cls}Options {
  /** output file name inside the run's output folder. */
  file: string;
}

/** Writes a Markdown table of every report's metrics. */
export class ${Cls}Reporter implements Reporter {
  readonly id = '${id}';
  constructor(private readonly options: ${Cls}Options) {}

  report(result: { reports: Report[]; search?: SearchResult }, ctx: RunContext): string[] {
    const keys = [...new Set(result.reports.flatMap((r) => Object.keys(r.metrics)))];
    const rows = [\`| backend | \${keys.join(' | ')} |\`, \`|---|\${keys.map(() => '---').join('|')}|\`, ...result.reports.map((r) => \`| \${r.backend} | \${keys.map((k) => r.metrics[k] ?? '').join(' | ')} |\`)];
    const file = path.join(ctx.outDir, this.options.file);
    fs.writeFileSync(file, rows.join('\\n') + '\\n');
    return [file];
  }
}
${plugin('REPORTER', `${Cls}Reporter`, `{\n  type: 'object',\n  additionalProperties: false,\n  properties: { file: { type: 'string', minLength: 1 } },\n}`, `{ file: 'report.md' }`, `${Cls}Options`)}`,
        spec: `${specHeader('REPORTER')}
${ctx}
describe('${name}', () => {
  it('writes one table row per report', async () => {
    const c = rootContainer.createChildContainer();
    plugin.register(c, defaultOptions);
    const ctx = context(c);
    const [file] = await c.resolveAll(REPORTER)[0].report({ reports: [{ backend: 'a', metrics: { cycles: 10 } }, { backend: 'b', metrics: { cycles: 7, bytes: 3 } }] }, ctx);
    expect(fs.readFileSync(file, 'utf8').trim().split('\\n')).toEqual(['| backend | cycles | bytes |', '|---|---|---|', '| a | 10 |  |', '| b | 7 | 3 |']);
  });
});
`,
      };
    default:
      throw new Error(kind);
  }
}

function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!KINDS.includes(o.kind)) usage(`--kind must be one of ${KINDS.join(', ')}`);
  if (!o.id || !/^[a-z][a-z0-9-]*$/.test(o.id)) usage('--id must be lower-case letters, digits and dashes, starting with a letter (e.g. my-hw)');
  const root = path.join(__dirname, '..');
  const dir = path.resolve(o.dir || path.join(root, 'plugins', `${o.kind}-${o.id}`));
  if (fs.existsSync(path.join(dir, 'package.json'))) usage(`${dir} already holds a package`);
  const name = o.name || `@fuseflow/${o.kind}-${o.id}`;
  const { index, spec } = templates(o.kind, o.id, name);
  const kernelVersion = JSON.parse(fs.readFileSync(path.join(root, 'packages', 'kernel', 'package.json'), 'utf8')).version;
  const description = o.description || `FuseFlow ${o.kind} plugin '${o.id}'.`;
  scaffoldPackage({
    dir,
    name,
    description,
    dependencies: { tsyringe: '^4.10.0' },
    // one kernel per process: the host's (the CLI or the user's project)
    peerDependencies: { '@fuseflow/kernel': `^${kernelVersion}` },
    index,
    spec,
    fuseflow: { kind: o.kind, id: o.id, commands: [] },
    readme: `# ${name}\n\n${description}\n\nUse it in a manifest as \`{ "use": "${o.id}" }\`${o.kind === 'pass' ? ` or on the command line as \`--passes ${o.id}\`` : ''}; its options are in \`optionsSchema\` (src/index.ts) and are validated by the kernel.\n`,
  });
  console.log(`created ${path.relative(process.cwd(), dir) || dir} (${name}, ${o.kind} '${o.id}')`);
  console.log(`next: npm install (links the workspace package), then npx jest -c ${path.relative(process.cwd(), path.join(dir, 'jest.config.ts'))}`);
}

if (require.main === module) main();
module.exports = { templates, KINDS };
