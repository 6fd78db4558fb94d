import { FuseFlowError, type IrModule, type Pass, type RunContext } from '@fuseflow/kernel/plugin-api';
import {
  effectiveGroups,
  enumerateLoopOrders,
  inlineGroup,
  normalizeGroups,
  statementIndexVars,
  type ParallelSpec,
  type ProgramModule,
  type TensorProgram, expectProgramModule } from '@fuseflow/ir';

export interface LevelSpec {
  /** index variable whose stream level is parallelized, or 'outer' (each group's outermost loop index). */
  index: string;
  factor: number;
  /** restrict to one fusion group. */
  group?: string;
}

export interface ParallelizeOptions {
  /** lanes P (>= 1; 1 is a no-op). */
  factor: number;
  /** index variable or 'outer'. */
  level: string;
  group?: string;
  /** several levels at once; when given, factor/level/group are ignored. */
  levels?: LevelSpec[];
}

export const defaultParallelizeOptions: ParallelizeOptions = { factor: 2, level: 'outer' };

const levelSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['index', 'factor'],
  properties: {
    index: { type: 'string', minLength: 1 },
    factor: { type: 'integer', minimum: 1 },
    group: { type: 'string', minLength: 1 },
  },
};

export const parallelizeOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    factor: { type: 'integer', minimum: 1, default: 2, description: 'parallel lanes P (round-robin over the coordinates of the level)' },
    level: { type: 'string', minLength: 1, default: 'outer', description: "index variable name, or 'outer' for each group's outermost loop index" },
    group: { type: 'string', minLength: 1, description: 'restrict to this fusion group' },
    levels: { type: 'array', minItems: 1, items: levelSchema, description: 'several levels: [{index, factor, group?}]' },
  },
} as const;

function optionError(key: string, message: string): FuseFlowError {
  return new FuseFlowError('FF_OPTIONS_INVALID', `parallelize option '${key}': ${message}`, { path: `options/${key.replace(/\./g, '/')}` });
}

/** Resolve the options into ParallelSpecs (validated against the groups' index variables) and add them to the schedule. */
export function parallelizeProgram(program: TensorProgram, options: Partial<ParallelizeOptions> = {}): TensorProgram {
  const o = { ...defaultParallelizeOptions, ...options };
  const levels: Array<LevelSpec & { key: string }> = o.levels
    ? o.levels.map((l, k) => ({ ...l, key: `levels.${k}` }))
    : [{ index: o.level, factor: o.factor, ...(o.group ? { group: o.group } : {}), key: 'level' }];
  const groups = normalizeGroups(program, effectiveGroups(program)).map((g) => {
    const stmt = inlineGroup(program, g);
    return { name: g.name, vars: statementIndexVars(stmt), outer: (g.loopOrder ?? enumerateLoopOrders(stmt, program, 1)[0])[0] };
  });
  const names = groups.map((g) => g.name);
  const specs: ParallelSpec[] = [];
  for (const l of levels) {
    if (!Number.isInteger(l.factor) || l.factor < 1) throw optionError(l.key === 'level' ? 'factor' : `${l.key}.factor`, `expected an integer >= 1, got ${String(l.factor)}`);
    if (l.group !== undefined && !names.includes(l.group)) {
      throw optionError(l.key === 'level' ? 'group' : `${l.key}.group`, `no fusion group named '${l.group}' (groups: ${names.join(', ')})`);
    }
    const targets = groups.filter((g) => l.group === undefined || g.name === l.group);
    if (l.index === 'outer') {
      for (const g of targets) specs.push({ index: g.outer, factor: l.factor, group: g.name });
      continue;
    }
    const hit = targets.filter((g) => g.vars.includes(l.index));
    if (hit.length === 0) {
      throw optionError(
        l.key === 'level' ? 'level' : `${l.key}.index`,
        `index '${l.index}' is not iterated by ${l.group ? `group '${l.group}'` : 'any group'} (${targets.map((g) => `${g.name}: ${g.vars.join(',')}`).join('; ')})`,
      );
    }
    specs.push({ index: l.index, factor: l.factor, ...(l.group ? { group: l.group } : {}) });
  }
  const useful = specs.filter((s) => s.factor > 1);
  // a later spec for the same (index, group) replaces an earlier one (passes can be stacked)
  const key = (s: ParallelSpec): string => `${s.index}\u0000${s.group ?? ''}`;
  const merged = new Map<string, ParallelSpec>();
  for (const s of [...(program.schedule?.parallel ?? []), ...useful]) merged.set(key(s), s);
  const parallel = [...merged.values()];
  const schedule = { ...(program.schedule ?? {}) };
  if (parallel.length > 0) schedule.parallel = parallel;
  else delete schedule.parallel;
  return { ...program, schedule };
}

/** The 'parallelize' pass: fork/join lanes at a stream level (sets schedule.parallel). */
export class ParallelizePass implements Pass {
  readonly id = 'parallelize';
  readonly reads = 'program';
  readonly writes = 'program';
  constructor(private readonly options: Partial<ParallelizeOptions> = {}) {}

  run(ir: IrModule, ctx?: RunContext): IrModule {
    const mod = expectProgramModule(ir, 'parallelize');
    const program = parallelizeProgram(mod.program, this.options);
    ctx?.stat?.('parallelLevels', program.schedule?.parallel?.length ?? 0);
    return { ...mod, program } as unknown as IrModule;
  }
}
