import { FuseFlowError, type IrModule, type Pass, type RunContext } from '@fuseflow/kernel/plugin-api';
import { convert, formatName, type ProgramModule, type TensorBindings, type TensorDecl, type TensorFormat, type TensorProgram, expectProgramModule } from '@fuseflow/ir';

export interface SparsityBlockingOptions {
  /** tile edge N: every blocked tensor stores N x N (x N ...) dense tiles. */
  size: number;
  /**
   * tensors to block. Default: every tensor of rank >= 1 — block mode is graph-wide (the reference's
   * vectorizer sets the tile shape on every array; pass-lower-sam requires every tensor of a
   * blocked graph to be blocked with the same size), so dense operands become dense tile grids.
   */
  tensors?: string[];
}

export const defaultSparsityBlockingOptions: SparsityBlockingOptions = { size: 16 };

export const sparsityBlockingOptionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    size: { type: 'integer', minimum: 1, default: 16, description: 'tile edge N (16/32/64 or any positive integer)' },
    tensors: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'tensors to block (default: every tensor of rank >= 1)' },
  },
} as const;

/** The tensors the options select, validated (unknown names and scalars are errors). */
export function selectBlockedTensors(program: TensorProgram, options: Partial<SparsityBlockingOptions> = {}): string[] {
  const o = { ...defaultSparsityBlockingOptions, ...options };
  if (o.tensors) {
    for (const t of o.tensors) {
      const d = program.tensors[t];
      if (!d) {
        throw new FuseFlowError('FF_OPTIONS_INVALID', `sparsity-blocking option 'tensors': unknown tensor '${t}' (tensors: ${Object.keys(program.tensors).join(', ')})`, {
          path: 'options/tensors',
        });
      }
      if (d.shape.length === 0) throw new FuseFlowError('FF_OPTIONS_INVALID', `sparsity-blocking option 'tensors': '${t}' is a scalar and cannot be blocked`, { path: 'options/tensors' });
    }
    return [...o.tensors];
  }
  return Object.values(program.tensors)
    .filter((d) => d.shape.length >= 1)
    .map((d) => d.name);
}

/** The blocked version of a format: same levels (now over tile coordinates), blockShape N per mode. */
export function blockedFormat(f: TensorFormat, size: number): TensorFormat {
  return { levels: [...f.levels], modeOrder: [...f.modeOrder], blockShape: f.modeOrder.map(() => size) };
}

/**
 * Block the selected tensors: declared formats get blockShape [N,N] and the bound data is re-stored
 * as N x N tiles (B's convert; stored zeros are kept so presence is preserved). Shapes that N does
 * not divide keep their logical shape; the edge tiles are zero-padded.
 */
export function blockProgram(
  program: TensorProgram,
  data: TensorBindings,
  options: Partial<SparsityBlockingOptions> = {},
): { program: TensorProgram; data: TensorBindings; blocked: string[] } {
  const o = { ...defaultSparsityBlockingOptions, ...options };
  if (!Number.isInteger(o.size) || o.size < 1) {
    throw new FuseFlowError('FF_OPTIONS_INVALID', `sparsity-blocking option 'size': expected a positive integer, got ${String(o.size)}`, { path: 'options/size' });
  }
  const blocked = selectBlockedTensors(program, o);
  const tensors: Record<string, TensorDecl> = { ...program.tensors };
  const outData: TensorBindings = { ...data };
  for (const name of blocked) {
    const decl = tensors[name];
    const fmt = blockedFormat(decl.format, o.size);
    tensors[name] = { ...decl, format: fmt };
    const bound = data[name];
    if (bound) outData[name] = convert(bound, blockedFormat(bound.format, o.size), { keepZeros: true });
  }
  return {
    program: { ...program, tensors, schedule: { ...(program.schedule ?? {}), blocking: { size: o.size, tensors: blocked } } },
    data: outData,
    blocked,
  };
}

/** The 'sparsity-blocking' pass. */
export class SparsityBlockingPass implements Pass {
  readonly id = 'sparsity-blocking';
  readonly reads = 'program';
  readonly writes = 'program';
  constructor(private readonly options: Partial<SparsityBlockingOptions> = {}) {}

  run(ir: IrModule, ctx?: RunContext): IrModule {
    const mod = expectProgramModule(ir, 'sparsity-blocking');
    const { program, data, blocked } = blockProgram(mod.program, mod.data ?? {}, this.options);
    ctx?.stat?.('blockedTensors', blocked.length);
    if (blocked.length === 0) {
      ctx?.diagnostic({ severity: 'warning', plugin: 'sparsity-blocking', message: 'no tensor of rank >= 1 to block' });
    } else {
      ctx?.diagnostic({
        severity: 'info',
        plugin: 'sparsity-blocking',
        message: `blocked ${blocked.map((t) => `${t} as ${formatName(program.tensors[t].format)}`).join(', ')}`,
      });
    }
    return { ...mod, program, data } as unknown as IrModule;
  }
}
