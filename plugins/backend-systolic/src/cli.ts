import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FuseFlowError, type CliCommandSpec, type CliIo } from './deps';
import { defaultOptions, resolveOptions, type SystolicBackendOptions } from './options';
import { evaluateNetwork, formatReport } from './report';
import { parseScaleSimCfg, parseTopologyCsv } from './topology';
import { SCALESIM_CALC_BANDWIDTH } from './scalesim-user';

function positive(value: unknown, flag: string): number {
  const v = Number(value);
  if (!Number.isFinite(v) || v <= 0) throw new FuseFlowError('FF_OPTIONS_INVALID', `${flag}: expected a positive number, got '${String(value)}'`, { path: flag });
  return v;
}

/** Option fields a flag sets; flags read in table order, so the first bad one is the one reported. */
type Fields = Partial<SystolicBackendOptions>;

/** A flag of `fuseflow systolic`, with how its value reads into backend options when it sets any. */
interface SystolicFlag {
  flags: string;
  description: string;
  read?: (value: unknown, flag: string) => Fields;
}

function arrayShape(value: unknown, flag: string): Fields {
  const m = /^(\d+)x(\d+)$/i.exec(String(value));
  if (!m) throw new FuseFlowError('FF_OPTIONS_INVALID', `${flag}: expected RxC such as 32x32, got '${String(value)}'`, { path: flag });
  return { arrayHeight: Number(m[1]), arrayWidth: Number(m[2]) };
}

// one positive-number flag per field: the flag's name is written once, here
const positiveInto = (field: 'ifmapSramKB' | 'filterSramKB' | 'ofmapSramKB' | 'bandwidth' | 'batch') => (value: unknown, flag: string): Fields => ({ [field]: positive(value, flag) });

const FLAGS: SystolicFlag[] = [
  { flags: '--topology <file>', description: 'SCALE-Sim topology CSV (one layer per row)' },
  { flags: '--config <file>', description: 'SCALE-Sim .cfg (ArrayHeight/ArrayWidth, Dataflow, *SramSzkB, Bandwidth)' },
  { flags: '--array <RxC>', description: 'array rows x columns, e.g. 32x32 (overrides the .cfg)', read: arrayShape },
  { flags: '--dataflow <os|ws|is>', description: 'output-, weight- or input-stationary (overrides the .cfg)', read: (v) => ({ dataflow: String(v).toLowerCase() as SystolicBackendOptions['dataflow'] }) },
  { flags: '--ifmap-kb <kb>', description: 'ifmap SRAM KiB', read: positiveInto('ifmapSramKB') },
  { flags: '--filter-kb <kb>', description: 'filter SRAM KiB', read: positiveInto('filterSramKB') },
  { flags: '--ofmap-kb <kb>', description: 'ofmap SRAM KiB', read: positiveInto('ofmapSramKB') },
  { flags: '--bandwidth <words>', description: 'main-memory words per cycle', read: positiveInto('bandwidth') },
  { flags: '--batch <n>', description: 'batch size (SCALE-Sim topologies are batch 1)', read: positiveInto('batch') },
  {
    flags: '--fold-skew <occupied|full|scalesim>',
    description: "skew of partial folds: occupied rows/columns (default), the full array (SCALE-Sim paper's padding), or SCALE-Sim v2's demand matrices exactly",
    read: (v) => ({ foldSkew: String(v) as SystolicBackendOptions['foldSkew'] }),
  },
  { flags: '--json', description: 'print the full report as JSON' },
];

/** The long flag ('--ifmap-kb') and the key commander files its value under ('ifmapKb'). */
function flagNames(flags: string): { flag: string; key: string } {
  const flag = flags.split(/[\s,]+/).find((t) => t.startsWith('--')) ?? flags;
  return { flag, key: flag.slice(2).replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase()) };
}

/** Runs `fuseflow systolic`: a SCALE-Sim topology on an array, printed as text or JSON. Returns the exit code. */
export function systolicCommand(options: Record<string, unknown>, io: CliIo): number {
  try {
    if (typeof options.topology !== 'string') throw new FuseFlowError('FF_OPTIONS_INVALID', '--topology <layers.csv> is required', { path: '--topology' });
    const topoFile = resolve(io.cwd, options.topology);
    const net = parseTopologyCsv(readFileSync(topoFile, 'utf8'), topoFile);
    // Precedence: defaults < --config file < explicit flags.
    let o: Partial<SystolicBackendOptions> = { ...defaultOptions, plot: false };
    let calc = false;
    if (typeof options.config === 'string') {
      const cfgFile = resolve(io.cwd, options.config);
      const { runName: _r, interfaceBandwidth, ...fields } = parseScaleSimCfg(readFileSync(cfgFile, 'utf8'), cfgFile);
      void _r;
      calc = interfaceBandwidth === 'CALC';
      o = { ...o, ...fields };
    }
    for (const f of FLAGS) {
      const { flag, key } = flagNames(f.flags);
      if (f.read && options[key] !== undefined) o = { ...o, ...f.read(options[key], flag) };
    }
    // SCALE-Sim ignores `Bandwidth` under CALC; the parity mode does too unless --bandwidth is given
    if (calc && o.foldSkew === 'scalesim' && options.bandwidth === undefined) o.bandwidth = SCALESIM_CALC_BANDWIDTH;
    const resolved = resolveOptions({ ...o, model: 'systolic' }, '--');
    const report = evaluateNetwork(net, resolved);
    if (options.json) {
      io.stdout(JSON.stringify(report, null, 2) + '\n');
    } else {
      io.stdout(formatReport(report) + '\n');
    }
    return 0;
  } catch (e) {
    const err = e as Error & { code?: string };
    io.stderr(`fuseflow systolic: ${err.code ? `${err.code}: ` : ''}${err.message}\n`);
    return err.code === 'FF_OPTIONS_INVALID' ? 2 : 1;
  }
}

export const systolicCliCommand: CliCommandSpec = {
  name: 'systolic',
  description: 'Evaluate a SCALE-Sim topology CSV on a systolic array (per-layer cycles, utilization, SRAM/DRAM traffic)',
  options: FLAGS.map(({ flags, description }) => ({ flags, description })),
  action: (_args, options, io) => systolicCommand(options, io),
};
