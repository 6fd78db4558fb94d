/**
 * Experiment benchmarks (not tests):
 *   fig12 [--executor auto|inline|pool] [--threads n]  time `fuseflow experiment fig12 --mode fast` end to end
 *                                                      and print the wall time and the per-model table
 *   runs [filter]                                      run fig12 fast one run at a time in this process and
 *                                                      report each run's CPU seconds, then the 2-core wall
 *                                                      time they imply (longest-first onto 2 workers): a
 *                                                      measurement that a machine loaded by others cannot skew
 *   pruning                                            a bundled DSE sweep (GCN, fig12-fast Cora size, 6 fusion
 *                                                      choices) with prune + checkPruned: how many candidates the
 *                                                      FLOPs/bytes estimate prunes, and whether one would have won
 *   plan [filter] [--synthetic-graphs]                 the FLOPs / bytes estimate (backend-estimate) of every fig12
 *                                                      medium run -> src/fig12-medium-plan.ts (merged into it)
 *   calibrate [filter]                                 fig12 fast runs simulated exactly AND estimated: fits the
 *                                                      tokens ~ a*flops + b*bytes model of the plan file
 * Usage: npm run bench -w @fuseflow/searcher-dse -- [fig12|runs|pruning|plan|calibrate] ...   (from /work/main)
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRunner, runManifest, type Manifest } from '@fuseflow/kernel';
import { estimatedTokens, familyKey, FIG12, FIG12_MEDIUM_PLAN, FIG14_CONFIGS, fig12MediumRuns, fig12Rows, findExamplesDir, runExperiment, runJob, runKey, runPayload, threadCpuSeconds, writeFig12, type ExperimentRun } from '../src';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const outRoot = flag('--out') ?? path.join(os.tmpdir(), `ff-bench-experiments-${process.pid}`);

function perModel(results: Array<{ group: string; cpuS?: number; ms?: number }>): string {
  const groups = [...new Set(results.map((r) => r.group))];
  return groups
    .map((g) => {
      const rs = results.filter((r) => r.group === g);
      const cpu = rs.reduce((s, r) => s + (r.cpuS ?? 0), 0);
      const ms = rs.reduce((s, r) => s + (r.ms ?? 0), 0);
      return `${g.padEnd(16)} ${String(rs.length).padStart(4)} runs  ${cpu ? `${cpu.toFixed(1).padStart(8)} CPU s` : ''}${ms ? `${(ms / 1000).toFixed(1).padStart(8)} s summed run time` : ''}`;
    })
    .join('\n');
}

/** Longest-processing-time-first schedule of job durations onto `workers`: the makespan. */
export function lptMakespan(durations: number[], workers: number): number {
  const load = new Array<number>(workers).fill(0);
  for (const d of [...durations].sort((a, b) => b - a)) load[load.indexOf(Math.min(...load))] += d;
  return Math.max(...load);
}

async function fig12EndToEnd(): Promise<void> {
  const outDir = path.join(outRoot, 'fig12-fast');
  const t0 = Date.now();
  const results = await runExperiment(FIG12, {
    mode: 'fast',
    outDir,
    executor: (flag('--executor') as 'auto' | 'inline' | 'pool') ?? 'auto',
    ...(flag('--threads') ? { threads: Number(flag('--threads')) } : {}),
    onProgress: (_d, _t, m) => process.stderr.write(`${m}\n`),
  });
  const wall = (Date.now() - t0) / 1000;
  const { text } = await writeFig12(results, outDir);
  const timing = new Map<string, number>();
  for (const line of fs.readFileSync(path.join(outDir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean)) {
    const j = JSON.parse(line) as { timing?: { key: string; ms: number } };
    if (j.timing) timing.set(j.timing.key, j.timing.ms);
  }
  console.log(`fig12 --mode fast: ${results.length} runs, ${results.filter((r) => !r.ok).length} failed, wall ${wall.toFixed(1)} s on ${os.cpus().length} cores (load average ${os.loadavg()[0].toFixed(1)})\n`);
  console.log(perModel(results.map((r) => ({ group: r.group, ms: timing.get(r.key) }))));
  console.log(`\n${text}\n\nfiles in ${outDir}`);
}

async function runsOneByOne(filter = ''): Promise<void> {
  const examples = findExamplesDir();
  const runs: ExperimentRun[] = FIG12.modes.fast.filter((r) => runKey(r).includes(filter));
  const out: Array<ExperimentRun & { cpuS: number; ok: boolean; metrics?: Record<string, number>; valuesChecked?: boolean; key: string }> = [];
  for (const r of runs) {
    const c0 = process.cpuUsage();
    const t0 = Date.now();
    let ok = true;
    let metrics: Record<string, number> | undefined;
    let valuesChecked: boolean | undefined;
    try {
      const res = await runJob(runPayload(r, examples, path.join(outRoot, 'runs')), { runner: createRunner() });
      metrics = res.runs[0]?.metrics;
      valuesChecked = res.runs[0]?.valuesChecked;
    } catch (e) {
      ok = false;
      console.log(`${runKey(r)} FAILED: ${(e as Error).message.slice(0, 200)}`);
    }
    const c = process.cpuUsage(c0);
    const cpuS = (c.user + c.system) / 1e6;
    out.push({ ...r, key: runKey(r), ok, cpuS, metrics, valuesChecked });
    console.log(`${runKey(r).padEnd(44)} ${cpuS.toFixed(1).padStart(7)} CPU s ${((Date.now() - t0) / 1000).toFixed(1).padStart(7)} wall s  cycles ${metrics?.cycles ?? '-'}  flops ${metrics?.flops ?? '-'}`);
  }
  const cpu = out.map((r) => r.cpuS);
  console.log(`\n${perModel(out)}`);
  console.log(`\ntotal ${cpu.reduce((a, b) => a + b, 0).toFixed(1)} CPU s; on 2 idle cores (longest first): ${lptMakespan(cpu, 2).toFixed(1)} s (+ worker start-up)`);
  console.log(`\n${fig12Rows(out).length ? (await writeFig12(out, path.join(outRoot, 'fig12-runs'))).text : ''}`);
}

async function pruning(): Promise<void> {
  const examples = findExamplesDir();
  const gcnDir = path.join(examples, 'gcn');
  const base = JSON.parse(fs.readFileSync(path.join(gcnDir, 'cora.json'), 'utf8')) as Manifest;
  delete base.configurations;
  delete base.$schema;
  // The fig12 fast Cora size (see FAST_GRAPHS in experiment-defs.ts).
  const fe = base.frontend!.options as { inputs: Record<string, { generate?: string; format?: string }>; weights: Record<string, { generate?: string }> };
  // Replaced, not patched: cora.json reads the real graph (a `dataset` source, which excludes `generate`).
  fe.inputs.A = { format: 'dcsr', generate: 'gcnadj:339:1320' };
  fe.inputs.X = { format: 'dense', generate: 'dense:339x8' };
  fe.weights.W1.generate = 'uniform:8x16:0.4';
  const fusion = ['unfused', 'partial', 'full', ...FIG14_CONFIGS.filter((c) => c.name.startsWith('only')).map((c) => ({ name: c.name, groups: c.groups })), 'auto'];
  const manifest: Manifest = { ...base, name: 'gcn-cora-fast-dse', search: { use: 'dse', options: { space: { fusion }, prune: true, checkPruned: true, executor: (flag('--executor') as string) ?? 'auto' } } };
  const t0 = Date.now();
  const r = await runManifest(manifest, { baseDir: gcnDir, outDir: path.join(outRoot, 'pruning') });
  if (r.error) throw new Error(`${r.error.code}: ${r.error.message}`);
  const d = r.search!.details as { candidates: number; pruned: number; prunedWouldWin?: boolean; best: unknown; bestIncludingPruned: unknown };
  console.log(`${(r.search as { text?: string }).text ?? ''}\n`);
  console.log(`pruning: ${d.pruned} of ${d.candidates} candidates pruned; a pruned candidate would have been the best: ${d.prunedWouldWin}`);
  console.log(`best kept: ${JSON.stringify(d.best)}\nbest including pruned: ${JSON.stringify(d.bestIncludingPruned)}\nwall ${((Date.now() - t0) / 1000).toFixed(1)} s; files in ${path.join(outRoot, 'pruning')}`);
}

/** The estimate backend's FLOPs / bytes of one run (same frontend data and passes as its simulation). */
async function estimateRun(r: ExperimentRun, examples: string): Promise<{ flops: number; bytes: number }> {
  const p = runPayload(r, examples, path.join(outRoot, 'plan'));
  const m = p.manifest as Manifest;
  m.backend = { use: 'estimate', options: {} };
  const res = await runManifest(m, { baseDir: p.baseDir, outDir: p.outDir, ...(p.configurations ? { configurations: p.configurations } : {}) });
  const run = res.runs[0];
  const err = res.error ?? run?.error;
  if (err || !run?.report) throw new Error(`${runKey(r)}: ${err?.code ?? ''} ${err?.message ?? 'no report'}`);
  return { flops: run.report.metrics.flops, bytes: run.report.metrics.bytes };
}

const PLAN_FILE = path.join(__dirname, '..', 'src', 'fig12-medium-plan.ts');

function writePlan(plan: typeof FIG12_MEDIUM_PLAN): void {
  const head = fs.readFileSync(PLAN_FILE, 'utf8').split('export const FIG12_MEDIUM_PLAN')[0];
  const type = `{\n  generated: string;\n  tokensPerWork: Record<string, number>;\n  fit: string;\n  runs: Record<string, { flops: number; bytes: number }>;\n}`;
  const { generated, tokensPerWork, fit, runs } = plan;
  fs.writeFileSync(PLAN_FILE, `${head}export const FIG12_MEDIUM_PLAN: ${type} = ${JSON.stringify({ generated, tokensPerWork, fit, runs }, null, 2)};\n`);
}

/**
 * Before @fuseflow/datasets is available: the synthetic graph with the dataset's node and edge
 * counts (gcnadj:<ds>) and a dense feature matrix of its real width stand in for the real data
 * (same shapes and nnz, so the same FLOPs / bytes up to the degree distribution).
 */
function syntheticGraphs(r: ExperimentRun): ExperimentRun {
  const a = r.sources?.inputs?.A as { dataset?: string } | undefined;
  if (!a?.dataset) return r;
  const ds = a.dataset.split(':')[0];
  const nodes: Record<string, number> = { cora: 2708, cora_ml: 2995, dblp: 17716 };
  const features = Number(/uniform:(\d+)x/.exec(JSON.stringify(r.sources!.weights))![1]);
  return { ...r, sources: { ...r.sources, inputs: { A: { format: 'dcsr', generate: `gcnadj:${ds}` }, X: { format: 'dense', generate: `dense:${nodes[ds]}x${features}` } } } };
}

async function planMedium(filter = ''): Promise<void> {
  const examples = findExamplesDir();
  const runs = fig12MediumRuns(false)
    .filter((r) => new RegExp(filter).test(runKey(r)))
    .map((r) => (args.includes('--synthetic-graphs') ? syntheticGraphs(r) : r));
  const plan = { ...FIG12_MEDIUM_PLAN, runs: { ...FIG12_MEDIUM_PLAN.runs } };
  for (const r of runs) {
    const c0 = threadCpuSeconds();
    try {
      const e = await estimateRun(r, examples);
      plan.runs[runKey(r)] = e;
      const tokens = estimatedTokens(r, e);
      console.log(`${runKey(r).padEnd(44)} flops ${e.flops.toExponential(3)} bytes ${e.bytes.toExponential(3)} -> ${tokens.toExponential(2)} tokens  (${(threadCpuSeconds() - c0).toFixed(1)} CPU s)`);
    } catch (e) {
      console.log(`${runKey(r).padEnd(44)} FAILED: ${(e as Error).message.slice(0, 300)}`);
    }
    plan.generated = new Date().toISOString().slice(0, 10);
    writePlan(plan);
  }
}

async function calibrate(filter = ''): Promise<void> {
  const examples = findExamplesDir();
  const runs = FIG12.modes.fast.filter((r) => new RegExp(filter).test(runKey(r)));
  const ratios = new Map<string, number[]>();
  const lines: string[] = [];
  for (const r of runs) {
    try {
      const e = await estimateRun(r, examples);
      const c0 = threadCpuSeconds();
      const sim = await runJob(runPayload(r, examples, path.join(outRoot, 'calibrate')), { runner: createRunner() });
      const cpu = threadCpuSeconds() - c0;
      const tokens = sim.runs[0]?.metrics.tokens;
      if (!tokens) throw new Error('rda-sim reported no tokens');
      const k = familyKey(r);
      ratios.set(k, [...(ratios.get(k) ?? []), tokens / (e.flops + e.bytes)]);
      const line = `${runKey(r).padEnd(44)} flops ${e.flops.toExponential(3)} bytes ${e.bytes.toExponential(3)} tokens ${tokens.toExponential(3)} (${(tokens / (e.flops + e.bytes)).toFixed(2)} per flop+byte)  ${cpu.toFixed(1)} CPU s  ${(tokens / cpu / 1e6).toFixed(1)} M tokens/CPU s`;
      lines.push(line);
      console.log(line);
    } catch (e) {
      console.log(`${runKey(r).padEnd(44)} FAILED: ${(e as Error).message.slice(0, 300)}`);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const tokensPerWork = Object.fromEntries([...ratios].map(([k, xs]) => [k, Number(median(xs).toPrecision(3))]));
  const fit = `median simulated tokens per estimated (flop + byte) per model and configuration, over ${lines.length} fig12 fast runs simulated exactly (${new Date().toISOString().slice(0, 10)})`;
  console.log(`\n${fit}:\n${JSON.stringify(tokensPerWork, null, 2)}`);
  writePlan({ ...FIG12_MEDIUM_PLAN, tokensPerWork, fit });
}

async function main(): Promise<void> {
  const what = args[0] && !args[0].startsWith('--') ? args[0] : 'fig12';
  if (what === 'fig12') await fig12EndToEnd();
  else if (what === 'runs') await runsOneByOne(args[1] && !args[1].startsWith('--') ? args[1] : '');
  else if (what === 'pruning') await pruning();
  else if (what === 'plan') await planMedium(args[1] && !args[1].startsWith('--') ? args[1] : '');
  else if (what === 'calibrate') await calibrate(args[1] && !args[1].startsWith('--') ? args[1] : '');
  else throw new Error(`unknown bench "${what}" (fig12 | runs [filter] | pruning | plan [filter] | calibrate [filter])`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
