import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { siPrefix, stackedBarSpec, writeChart } from '@fuseflow/plots';
import { AccelBenchEvaluator } from './accelbench';
import { AccelBenchDesignSpace, SystolicDesignSpace } from './design-space';
import { FuseFlowError, type Backend, type HardwareDesignSpace, type IrModule, type ModelGraph, type Report, type RunContext } from './deps';
import { resolveOptions, type SystolicBackendOptions } from './options';
import { evaluateNetwork, formatReport, layerChartRows, layerEnergyChartRows, type NetworkReport } from './report';
import { parseScaleSimCfg, parseTopologyCsv } from './topology';
import { networkFromModelGraph, type Network } from './workload';
import { SCALESIM_CALC_BANDWIDTH } from './scalesim-user';

/** Applies a SCALE-Sim .cfg file's fields over options (the file wins for the keys it sets). */
export function withScaleConfig(o: SystolicBackendOptions, cfgText: string, source: string): SystolicBackendOptions {
  const cfg = parseScaleSimCfg(cfgText, source);
  const { runName: _run, interfaceBandwidth, ...fields } = cfg;
  void _run;
  // SCALE-Sim ignores `Bandwidth` under CALC; the parity mode does too (stall-free)
  if (interfaceBandwidth === 'CALC' && o.foldSkew === 'scalesim') fields.bandwidth = SCALESIM_CALC_BANDWIDTH;
  return resolveOptions({ ...o, ...fields });
}

/** The 'systolic' backend: evaluates a ModelGraph (or a SCALE-Sim topology) on the configured accelerator. */
export class SystolicBackend implements Backend {
  readonly id = 'systolic';
  readonly consumes = ['model'];
  readonly options: SystolicBackendOptions;
  readonly designSpace: HardwareDesignSpace;
  // Searchers evaluate one graph on many accelerators: extract its layers once.
  private readonly networks = new WeakMap<object, { net: Network; evaluator: AccelBenchEvaluator }>();

  constructor(options: Partial<SystolicBackendOptions> = {}) {
    this.options = resolveOptions(options);
    this.designSpace =
      this.options.model === 'accelbench'
        ? new AccelBenchDesignSpace({ clockMHz: this.options.clockMHz, activationSparsity: this.options.activationSparsity, weightSparsity: this.options.weightSparsity })
        : new SystolicDesignSpace({ wordBytes: this.options.wordBytes, clockMHz: this.options.clockMHz });
  }

  private network(ir: IrModule, o: SystolicBackendOptions, ctx: RunContext): { net: Network; evaluator?: AccelBenchEvaluator } {
    const graph = (ir as { graph?: ModelGraph }).graph;
    if (ir.stage === 'model' && graph && Array.isArray(graph.ops)) {
      let entry = this.networks.get(graph);
      if (!entry) {
        const net = networkFromModelGraph(graph);
        entry = { net, evaluator: new AccelBenchEvaluator(net) };
        this.networks.set(graph, entry);
      }
      return entry;
    }
    if (o.topology) {
      const file = isAbsolute(o.topology) ? o.topology : resolve(ctx.baseDir, o.topology);
      return { net: parseTopologyCsv(readText(file, 'topology'), file) };
    }
    throw new FuseFlowError('FF_INPUT_INVALID', `systolic backend: the IR at stage '${ir.stage}' carries no ModelGraph ('graph'), and no 'topology' option names a SCALE-Sim CSV`);
  }

  /** Evaluates without writing files (what a searcher's inner loop wants). */
  evaluate(ir: IrModule, ctx: RunContext): NetworkReport {
    let o = this.options;
    const hw = (ir as { hardware?: Record<string, unknown> }).hardware;
    if (o.scaleConfig) {
      const file = isAbsolute(o.scaleConfig) ? o.scaleConfig : resolve(ctx.baseDir, o.scaleConfig);
      o = withScaleConfig(o, readText(file, 'scaleConfig'), file);
    }
    if (hw) o = resolveOptions({ ...o, ...hw }, '/hardware');
    const { net, evaluator } = this.network(ir, o, ctx);
    return evaluateNetwork(net, o, evaluator);
  }

  async run(ir: IrModule, ctx: RunContext): Promise<Report> {
    const r = this.evaluate(ir, ctx);
    const text = formatReport(r);
    const files: string[] = [];
    const hw = (ir as { hardware?: unknown }).hardware;
    // A searcher's evaluations (ir.hardware set) skip the chart: thousands of PNGs help nobody.
    if (this.options.plot && !hw && ctx.outDir) {
      const file = (kind: string) => join(ctx.outDir, `${safeName(r.network)}-${r.model}-${kind}${ctx.configuration ? `-${safeName(ctx.configuration)}` : ''}`);
      const base = file('layers');
      const spec = stackedBarSpec(layerChartRows(r), {
        x: 'layer',
        y: 'cycles',
        color: 'component',
        title: `${r.network} on ${r.model}: cycles per layer (total ${r.metrics.cycles.toLocaleString('en-US')})`,
        yTitle: 'time',
        yUnit: 'cycles',
      });
      files.push(...(await writeChart(spec, base)));
      const energy = stackedBarSpec(layerEnergyChartRows(r), {
        x: 'layer',
        y: 'energyJ',
        color: 'component',
        title: `${r.network} on ${r.model}: dynamic energy per layer (total ${joules(r.metrics.dynamicEnergyJ)}, leakage ${joules(r.metrics.leakageEnergyJ)})`,
        yTitle: 'dynamic energy',
        yUnit: 'J',
      });
      files.push(...(await writeChart(energy, file('energy'))));
      const json = `${base}.json`;
      writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
      files.push(json);
    }
    const { metrics } = r;
    return {
      backend: this.id,
      metrics: { ...metrics },
      details: r,
      text,
      files,
    };
  }
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new FuseFlowError('FF_INPUT_INVALID', `systolic backend: cannot read ${what} file ${file}: ${(e as Error).message}`, { cause: e });
  }
}

const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_');

/** Energy with an SI prefix, as on the chart's axis: 3.67e-7 -> "367 nJ". */
function joules(j: number): string {
  const { factor, prefix } = siPrefix([j]);
  return `${Number((j / factor).toPrecision(4))} ${prefix}J`;
}
