import { FuseFlowError, type IrModule, type Pass, type RunContext } from '@fuseflow/kernel/plugin-api';
import {
  deriveStats,
  effectiveGroups,
  enumerateLoopOrders,
  searchLoopOrder,
  type LoopOrderSearchResult,
  inlineGroup,
  normalizeGroups,
  statementIndexVars,
  statsFromData,
  statsFromManifest,
  checkLoopOrder,
  type FusionGroup,
  type IndexVar,
  type ManifestStats,
  type ProgramModule,
  type ProgramStats,
  type TensorProgram, expectProgramModule } from '@fuseflow/ir';

/** An order choice: index into the enumerated orders, 'best-estimate', or an explicit variable list. */
export type OrderChoice = number | string | string[];

export interface DataflowOrderOptions {
  /** choice applied to every group (default 0: the first enumerated order). */
  order: OrderChoice;
  /** per-group choices, by group name; override `order`. */
  orders?: Record<string, OrderChoice>;
  /** statistics for 'best-estimate' (default: measured from the bound data). */
  stats?: ManifestStats;
  /** 'best-estimate' score = flops + bytesWeight x bytes of the group. */
  bytesWeight: number;
  /** enumerate at most this many orders per group. */
  limit: number;
  /** 'best-estimate' scores at most this many orders per group (evenly spaced over the enumeration, #0 included). */
  maxEstimate: number;
}

export const defaultDataflowOrderOptions: DataflowOrderOptions = { order: 0, bytesWeight: 0.25, limit: 100000, maxEstimate: 500 };

const choiceSchema = {
  oneOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', minLength: 1 },
    { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 } },
  ],
};

export const dataflowOrderOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    order: { ...choiceSchema, default: 0, description: "index of the loop order, 'best-estimate', or a variable list ('ikj', 'i,k,j', [\"i\",\"k\",\"j\"])" },
    orders: { type: 'object', additionalProperties: choiceSchema, description: 'per-group choices by group name' },
    stats: {
      type: 'object',
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        properties: { density: { type: 'number', minimum: 0, maximum: 1 }, nnz: { type: 'number', minimum: 0 } },
      },
    },
    bytesWeight: { type: 'number', minimum: 0, default: 0.25 },
    limit: { type: 'integer', minimum: 1, default: 100000 },
    maxEstimate: { type: 'integer', minimum: 1, default: 500, description: "'best-estimate' scores at most this many orders per group" },
  },
} as const;

function optionError(key: string, message: string): FuseFlowError {
  return new FuseFlowError('FF_OPTIONS_INVALID', `dataflow-order option '${key}': ${message}`, { path: `options/${key.replace(/\./g, '/')}` });
}

/** Parse an explicit order: a list, 'i,k,j' / 'i k j', or 'ikj' when every variable is one character. */
export function parseOrder(choice: string | string[], vars: IndexVar[]): IndexVar[] {
  if (Array.isArray(choice)) return choice;
  const tokens = choice.split(/[\s,]+/).filter((t) => t.length > 0);
  if (tokens.length === 1 && !vars.includes(tokens[0]) && [...tokens[0]].every((ch) => vars.includes(ch))) return [...tokens[0]];
  return tokens;
}

/** Loop orders of each group: { group, orders } with the group's fused statement. */
export function groupLoopOrders(program: TensorProgram, limit = 100000): Array<{ group: FusionGroup; orders: IndexVar[][]; vars: IndexVar[] }> {
  return normalizeGroups(program, effectiveGroups(program)).map((g) => {
    const stmt = inlineGroup(program, g);
    return { group: g, orders: enumerateLoopOrders(stmt, program, limit), vars: statementIndexVars(stmt) };
  });
}

/** Set group.loopOrder for every group according to the options; returns the new program. */
export function chooseLoopOrders(
  program: TensorProgram,
  options: Partial<DataflowOrderOptions> = {},
  data?: ProgramModule['data'],
  onEstimate?: (group: string, result: LoopOrderSearchResult) => void,
): TensorProgram {
  const o = { ...defaultDataflowOrderOptions, ...options };
  const infos = groupLoopOrders(program, o.limit);
  const names = infos.map((x) => x.group.name);
  for (const k of Object.keys(o.orders ?? {})) {
    if (!names.includes(k)) throw optionError(`orders.${k}`, `no fusion group named '${k}' (groups: ${names.join(', ')})`);
  }
  let stats: ProgramStats | undefined;
  // input stats plus estimated stats of every group output (loop orders do not change them)
  const getStats = (): ProgramStats =>
    (stats ??= deriveStats(program, { ...(data ? statsFromData(program, data) : {}), ...(o.stats ? statsFromManifest(program, o.stats) : {}) }));

  const groups: FusionGroup[] = infos.map((x) => ({ ...x.group }));
  let globalListUsed = false;
  infos.forEach((info, gi) => {
    const perGroup = o.orders?.[info.group.name];
    const choice = perGroup ?? o.order;
    const key = perGroup !== undefined ? `orders.${info.group.name}` : 'order';
    const stmt = inlineGroup(program, info.group);
    if (typeof choice === 'number') {
      if (!Number.isInteger(choice) || choice < 0 || choice >= info.orders.length) {
        throw optionError(
          key,
          `index ${choice} is out of range: group '${info.group.name}' has ${info.orders.length} valid loop order${info.orders.length === 1 ? '' : 's'} (0..${info.orders.length - 1}): ` +
            info.orders.slice(0, 8).map((ord, k) => `${k}=[${ord.join(' ')}]`).join(', ') + (info.orders.length > 8 ? ', ...' : ''),
        );
      }
      groups[gi].loopOrder = info.orders[choice];
      return;
    }
    if (choice === 'best-estimate') {
      const found = searchLoopOrder(stmt, program, getStats(), { bytesWeight: o.bytesWeight, limit: o.limit, maxEstimate: o.maxEstimate, intermediates: info.group.intermediates });
      groups[gi].loopOrder = found.order;
      onEstimate?.(info.group.name, found);
      return;
    }
    const order = parseOrder(choice, info.vars);
    const fits = order.length === info.vars.length && info.vars.every((v) => order.includes(v));
    if (perGroup === undefined && !fits) return; // a global list applies to the groups over those variables
    try {
      checkLoopOrder(stmt, program, order);
    } catch (e) {
      throw optionError(key, `${(e as Error).message}; valid orders: ${info.orders.slice(0, 8).map((x) => x.join('')).join(', ')}`);
    }
    if (perGroup === undefined) globalListUsed = true;
    groups[gi].loopOrder = order;
  });
  if (typeof o.order !== 'number' && o.order !== 'best-estimate' && !globalListUsed && infos.some((x) => o.orders?.[x.group.name] === undefined)) {
    throw optionError(
      'order',
      `[${parseOrder(o.order, infos[0].vars).join(',')}] matches the variables of no group (${infos.map((x) => `${x.group.name}: ${x.vars.join(',')}`).join('; ')})`,
    );
  }
  // Groups a global list did not fit keep order #0 so every group ends up with a loop order.
  groups.forEach((g, gi) => {
    if (!g.loopOrder) g.loopOrder = infos[gi].orders[0];
  });
  return { ...program, groups };
}

/** The 'dataflow-order' pass: sets group.loopOrder for every fusion group. */
export class DataflowOrderPass implements Pass {
  readonly id = 'dataflow-order';
  readonly reads = 'program';
  readonly writes = 'program';
  constructor(private readonly options: Partial<DataflowOrderOptions> = {}) {}

  run(ir: IrModule, ctx?: RunContext): IrModule {
    const mod = expectProgramModule(ir, 'dataflow-order');
    // the gain over order #0 of the costliest group says how much the search mattered
    let gain = 1;
    const program = chooseLoopOrders(mod.program, this.options, mod.data, (_, r) => {
      gain = Math.max(gain, r.firstOrderScore / r.score);
    });
    if (gain > 1) ctx?.stat?.('estimateGain', Number(gain.toPrecision(3)));
    ctx?.stat?.('groups', program.groups!.length);
    return { ...mod, program } as unknown as IrModule;
  }
}
