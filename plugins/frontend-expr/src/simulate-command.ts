import * as fs from 'node:fs';
import * as path from 'node:path';
import { dataflowToDot, type DataflowGraph } from '@fuseflow/ir';
import { RUNNER, type CliCommandSpec, type CliIo, type Manifest, type RunResult } from '@fuseflow/kernel/plugin-api';
import { parseOrder, type ExprFrontendOptions } from './frontend';

/** Parses repeated `T=value` options into a record (the value may contain '='). */
export function parseAssignments(values: unknown, flag: string): Record<string, string> {
  const list = values === undefined ? [] : Array.isArray(values) ? values : [values];
  const out: Record<string, string> = {};
  for (const v of list) {
    const s = String(v);
    const eq = s.indexOf('=');
    if (eq <= 0) throw new Error(`${flag} expects TENSOR=VALUE, got '${s}'`);
    out[s.slice(0, eq).trim()] = s.slice(eq + 1).trim();
  }
  return out;
}

/** The manifest `fuseflow simulate` runs: frontend expr, the given passes then lower-sam, backend rda-sim. */
export function simulateManifest(o: Record<string, unknown>): Manifest {
  const fe: ExprFrontendOptions = {};
  if (o.expr !== undefined) fe.expr = String(o.expr);
  if (o.program !== undefined) fe.program = String(o.program);
  const formats = parseAssignments(o.format, '--format');
  if (Object.keys(formats).length > 0) fe.formats = formats;
  const inputs = { ...parseAssignments(o.input, '--input'), ...parseAssignments(o.gen, '--gen') };
  if (Object.keys(inputs).length > 0) fe.inputs = inputs;
  const shapes = parseAssignments(o.shape, '--shape');
  if (Object.keys(shapes).length > 0) {
    fe.shapes = Object.fromEntries(Object.entries(shapes).map(([k, v]) => [k, v.split(/[x,]/).map((n) => Number(n))]));
  }
  if (o.order !== undefined) fe.order = parseOrder(String(o.order));
  if (o.density !== undefined) fe.defaultDensity = Number(o.density);
  if (o.extent !== undefined) fe.defaultExtent = Number(o.extent);
  if (o.maxTensorBytes !== undefined) {
    const b = Number(o.maxTensorBytes);
    if (!(b > 0) || !Number.isFinite(b)) throw new Error(`--max-tensor-bytes expects a positive number of bytes (e.g. 2e10), got '${String(o.maxTensorBytes)}'`);
    fe.maxTensorBytes = b;
  }
  const user = o.passes === undefined ? '' : String(o.passes).trim();
  const passes = /(^|,)\s*lower-sam\b/.test(user) ? user : user ? `${user},lower-sam` : 'lower-sam';
  const backendOptions: Record<string, unknown> = {};
  if (o.engine !== undefined) backendOptions.engine = String(o.engine);
  if (o.skipCheck === true) backendOptions.checkValues = false;
  // Sampled simulation: the backend's schema checks the values (and that only one is given).
  if (o.sample !== undefined || o.sampleUnits !== undefined) {
    const sample: Record<string, unknown> = {};
    if (o.sample !== undefined) sample.fraction = Number(o.sample);
    if (o.sampleUnits !== undefined) sample.units = Number(o.sampleUnits);
    backendOptions.sample = sample;
  }
  return {
    version: 1,
    name: 'simulate',
    ...(o.seed !== undefined ? { seed: Number(o.seed) } : {}),
    frontend: { use: '@fuseflow/frontend-expr', options: fe as Record<string, unknown> },
    passes,
    backend: { use: '@fuseflow/backend-rda-sim', options: backendOptions },
  };
}

interface SamplingSummary {
  totalUnits: number;
  sampledUnits: number;
  ci95: [number, number];
}

function sampledLine(x: SamplingSummary): string {
  return `sampled ${x.sampledUnits} of ${x.totalUnits} units, 95 % CI [${Math.round(x.ci95[0])}, ${Math.round(x.ci95[1])}] cycles (estimate; outputs not written)`;
}

function summary(r: RunResult): Record<string, unknown> {
  const run = r.runs[0];
  const err = r.error ?? run?.error;
  if (!r.ok || err || !run?.report) {
    return { ok: false, error: err ?? { code: 'FF_PLUGIN_ERROR', message: 'the run produced no report' }, outDir: r.outDir };
  }
  const rep = run.report;
  const files = rep.files ?? [];
  return {
    ok: true,
    cycles: rep.metrics.cycles,
    tokens: rep.metrics.tokens,
    engineSeconds: (rep.details as { engineSeconds?: number } | undefined)?.engineSeconds ?? null,
    ...((rep.details as { sampling?: unknown } | undefined)?.sampling ? { sampling: (rep.details as { sampling: unknown }).sampling } : {}),
    valuesChecked: rep.valuesChecked ?? false,
    output: files.find((f) => f.endsWith('.mtx')) ?? null,
    files,
    outDir: r.outDir,
    manifest: r.resolvedManifestPath,
    metrics: rep.metrics,
    passes: run.passes ?? [],
  };
}

/** `fuseflow simulate`: one statement (or small program) through optional passes, lower-sam and rda-sim. */
export const simulateCommand: CliCommandSpec = {
  name: 'simulate',
  description: 'simulate one index-notation statement (or a small program) on the RDA model and check its values',
  options: [
    { flags: '--expr <statement>', description: 'statement, e.g. "X(i,j) = B(i,k) * C(k,j)"' },
    { flags: '--program <file>', description: 'program file (.tp) instead of --expr' },
    { flags: '--format <tensor=fmt>', description: 'tensor format: csr, csc, dcsr, dense, bcsr-16, ...', repeatable: true },
    { flags: '--order <order>', description: 'loop order, e.g. ikj or i,k,j' },
    { flags: '--input <tensor=file>', description: 'input tensor from a .mtx, .mtx.gz, .json or .json.gz file', repeatable: true },
    { flags: '--gen <tensor=spec>', description: 'generated input, e.g. B=uniform:32x32:0.1:seed=1', repeatable: true },
    { flags: '--shape <tensor=NxM>', description: 'shape of a tensor no input fixes', repeatable: true },
    { flags: '--density <d>', description: 'density of inputs generated by default (0.1)' },
    { flags: '--extent <n>', description: 'extent of index variables that no shape or input fixes' },
    { flags: '--max-tensor-bytes <n>', description: "largest estimated size of one input tensor in bytes (default: a quarter of this machine's memory); larger ones fail with FF_INPUT_TOO_LARGE" },
    { flags: '--passes <pipeline>', description: 'passes before lowering, e.g. "parallelize{factor=4}"' },
    { flags: '--engine <engine>', description: 'fast | reference' },
    { flags: '--seed <n>', description: 'seed of generated data' },
    { flags: '--skip-check', description: 'do not compare values with the reference evaluator' },
    { flags: '--sample <fraction>', description: 'sampled simulation: simulate this share of each graph\'s outer-loop units (0 < f <= 1) and extrapolate, with a 95 % interval' },
    { flags: '--sample-units <n>', description: 'sampled simulation with n outer-loop units per graph (instead of --sample)' },
    { flags: '--out <dir>', description: 'output folder (default ./out/simulate)' },
    { flags: '--dot <dir>', description: 'write each dataflow graph as Graphviz DOT: <dir>/<k>-<graph>.dot' },
    { flags: '--report', description: 'also write report.html into the run folder (about 0.35 CPU-s on a small graph, 1 CPU-s per 300 nodes: off by default so a quick simulate stays quick)' },
    { flags: '--json', description: 'print a JSON summary' },
  ],
  async action(_args: string[], options: Record<string, unknown>, io: CliIo): Promise<number> {
    let manifest: Manifest;
    try {
      manifest = simulateManifest(options);
    } catch (e) {
      io.stderr(`fuseflow simulate: ${(e as Error).message}\n`);
      return 2;
    }
    if (!io.container?.isRegistered(RUNNER, true)) {
      io.stderr('fuseflow simulate: FF_INTERNAL: the host provides no runner service (RUNNER) to run the pipeline\n');
      return 1;
    }
    const runner = io.container.resolve(RUNNER);
    // --dot and report.html: the session reports every module a hook produced; the last dataflow module is what the simulator ran
    const report = options.report === true;
    let graphs: DataflowGraph[] = [];
    const onIr = (e: { module: { stage: string; [k: string]: unknown } }) => void (e.module.stage === 'dataflow' && Array.isArray(e.module.graphs) && (graphs = e.module.graphs as DataflowGraph[]));
    const r = await runner.run(manifest, { baseDir: io.cwd, ...(options.dot !== undefined || report ? { onIr } : {}), ...(options.out !== undefined ? { outDir: path.resolve(io.cwd, String(options.out)) } : {}) });
    const s = summary(r);
    let reportLine = '';
    if (report && r.runs.length) {
      // required here so that a simulate without --report (and --help) loads neither the report package nor ELK
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { reportLine: line, writeRunReport } = require('@fuseflow/report') as typeof import('@fuseflow/report');
      const rep = await writeRunReport(r, new Map([['', graphs]]), { charts: false });
      s.report = rep.file;
      reportLine = `${line(rep)}\n`;
    }
    if (options.dot !== undefined && graphs.length) {
      const dir = path.resolve(io.cwd, String(options.dot));
      fs.mkdirSync(dir, { recursive: true });
      s.dotFiles = graphs.map((g, k) => {
        const f = path.join(dir, `${String(k).padStart(2, '0')}-${g.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.dot`);
        fs.writeFileSync(f, dataflowToDot(g) + '\n');
        return f;
      });
    }
    if (options.json) io.stdout(JSON.stringify(s, null, 2) + '\n');
    else if (s.ok) {
      io.stdout(
        `cycles: ${s.cycles}\n` +
          (s.sampling ? `${sampledLine(s.sampling as SamplingSummary)}\n` : '') +
          `values checked: ${s.valuesChecked ? (s.sampling ? 'yes, on the sampled units (match the reference)' : 'yes (match the reference)') : 'no'}\noutput: ${s.output ?? '(not written)'}\nrun folder: ${s.outDir}\n` +
          ((s.passes as Array<{ pass: string; ms: number; stats?: Record<string, number> }>).map((p) => `pass ${p.pass}: ${p.ms.toFixed(1)} ms${p.stats ? ' ' + JSON.stringify(p.stats) : ''}`).join('\n') + '\n') +
          (s.dotFiles ? (s.dotFiles as string[]).map((f) => `dot: ${f}\n`).join('') : '') +
          reportLine,
      );
    }
    if (!s.ok) {
      const e = s.error as { code: string; message: string; path?: string; suggestion?: string };
      io.stderr(`fuseflow simulate: ${e.code}${e.path ? ` at ${e.path}` : ''}: ${e.message}${e.suggestion ? `\n  hint: ${e.suggestion}` : ''}\n`);
      return 1;
    }
    return 0;
  },
};
