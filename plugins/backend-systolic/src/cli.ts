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
    if (options.array !== undefined) {
      const m = /^(\d+)x(\d+)$/i.exec(String(options.array));
      if (!m) throw new FuseFlowError('FF_OPTIONS_INVALID', `--array: expected RxC such as 32x32, got '${String(options.array)}'`, { path: '--array' });
      o.arrayHeight = Number(m[1]);
      o.arrayWidth = Number(m[2]);
    }
    if (options.dataflow !== undefined) o.dataflow = String(options.dataflow).toLowerCase() as SystolicBackendOptions['dataflow'];
    if (options.ifmapKb !== undefined) o.ifmapSramKB = positive(options.ifmapKb, '--ifmap-kb');
    if (options.filterKb !== undefined) o.filterSramKB = positive(options.filterKb, '--filter-kb');
    if (options.ofmapKb !== undefined) o.ofmapSramKB = positive(options.ofmapKb, '--ofmap-kb');
    if (options.bandwidth !== undefined) o.bandwidth = positive(options.bandwidth, '--bandwidth');
    if (options.batch !== undefined) o.batch = positive(options.batch, '--batch');
    if (options.foldSkew !== undefined) o.foldSkew = String(options.foldSkew) as SystolicBackendOptions['foldSkew'];
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
  options: [
    { flags: '--topology <file>', description: 'SCALE-Sim topology CSV (one layer per row)' },
    { flags: '--config <file>', description: 'SCALE-Sim .cfg (ArrayHeight/ArrayWidth, Dataflow, *SramSzkB, Bandwidth)' },
    { flags: '--array <RxC>', description: 'array rows x columns, e.g. 32x32 (overrides the .cfg)' },
    { flags: '--dataflow <os|ws|is>', description: 'output-, weight- or input-stationary (overrides the .cfg)' },
    { flags: '--ifmap-kb <kb>', description: 'ifmap SRAM KiB' },
    { flags: '--filter-kb <kb>', description: 'filter SRAM KiB' },
    { flags: '--ofmap-kb <kb>', description: 'ofmap SRAM KiB' },
    { flags: '--bandwidth <words>', description: 'main-memory words per cycle' },
    { flags: '--batch <n>', description: 'batch size (SCALE-Sim topologies are batch 1)' },
    { flags: '--fold-skew <occupied|full|scalesim>', description: "skew of partial folds: occupied rows/columns (default), the full array (SCALE-Sim paper's padding), or SCALE-Sim v2's demand matrices exactly" },
    { flags: '--json', description: 'print the full report as JSON' },
  ],
  action: (_args, options, io) => systolicCommand(options, io),
};
