import * as fs from 'node:fs';
import * as path from 'node:path';
import { FuseFlowError, RUNNER, type Manifest, type RunContext, type Searcher, type SearchResult } from '@fuseflow/kernel/plugin-api';
import { InlineExecutor, LocalPoolExecutor, RedisQueueExecutor, runJobs, type Executor, type JobRecord } from '@fuseflow/executor';
import { paretoPrune } from '@fuseflow/ir';
import { candidateKey, candidateLabel, candidatePasses, gridCandidates, randomCandidates, type Candidate, type SearchSpace } from './space';
import { pipelineJob, type PipelineJobPayload, type PipelineJobResult } from './job-handler';
import { renderSweepCharts } from './charts';

export interface DseOptions {
  space: SearchSpace;
  strategy: 'grid' | 'random' | 'list';
  /** number of candidates for strategy 'random'. */
  samples?: number;
  /** the candidates for strategy 'list'. */
  candidates?: Candidate[];
  /** report metric to minimize (default 'cycles'). */
  objective: string;
  /** skip candidates Pareto-dominated on estimated (FLOPs, bytes) before simulating. */
  prune: boolean;
  /** also simulate pruned candidates, to report whether pruning dropped the true best. */
  checkPruned: boolean;
  /** where candidates run: this process, a worker-thread pool (needs a build), or 'auto'. */
  executor: 'auto' | 'inline' | 'pool';
  /** Redis URL: run candidates on `fuseflow worker` processes instead (overrides executor). */
  queue?: string;
  queueName?: string;
  threads?: number;
  resume: boolean;
  /** move an earlier sweep's results aside (timestamped) and start over; without it or resume, earlier results refuse. */
  fresh?: boolean;
  /** plugin names used to build each candidate's pipeline. */
  passNames: { fusion: string; order: string; blocking: string; parallel: string; lower: string };
  estimateBackend: string;
  charts: boolean;
}

export interface SweepRow {
  key: string;
  index: number;
  label: string;
  candidate: Candidate;
  estimate?: { flops: number; bytes: number };
  estimateError?: string;
  pruned: boolean;
  simulated: boolean;
  metrics?: Record<string, number>;
  valuesChecked?: boolean;
  error?: { code?: string; message: string };
}

/**
 * Design-space exploration: enumerate candidates (grid / random / list), estimate each one's FLOPs
 * and bytes, skip the Pareto-dominated ones, simulate the rest on an executor, and report the best
 * and the Pareto front. Results stream to disk; `resume` finishes an interrupted sweep.
 */
export class DseSearcher implements Searcher {
  readonly id = 'dse';

  constructor(private readonly options: DseOptions) {}

  async search(ctx: RunContext): Promise<SearchResult> {
    const o = this.options;
    if (!ctx.container.isRegistered(RUNNER, true)) throw new FuseFlowError('FF_PLUGIN_ERROR', 'dse: the kernel provided no runner service (RUNNER) in the run container');
    const runner = ctx.container.resolve(RUNNER);
    const base = runner.baseManifest;
    const manifestFile = runner.manifestFile;
    const candidates = this.candidates(ctx.seed);
    const salt = JSON.stringify({ manifest: manifestFile ?? base.name ?? '', seed: ctx.seed });
    const rows: SweepRow[] = candidates.map((c, index) => ({ key: candidateKey(c, salt), index, label: candidateLabel(c), candidate: c, pruned: false, simulated: false }));
    const sweepDir = path.join(ctx.outDir, 'sweep');
    fs.mkdirSync(sweepDir, { recursive: true });

    // 1. Estimate and prune (cheap: frontend + passes, no lowering or simulation).
    if (o.prune || o.checkPruned) {
      for (const row of rows) {
        ctx.progress({ plugin: 'dse', done: row.index, total: rows.length, message: `estimating ${row.label}` });
        const est = await runner.run(this.estimateManifest(base, row.candidate), { baseDir: ctx.baseDir, outDir: path.join(sweepDir, 'estimates', row.key), seed: ctx.seed });
        const m = est.runs[0]?.report?.metrics;
        if (est.ok && m && Number.isFinite(m.flops) && Number.isFinite(m.bytes)) row.estimate = { flops: m.flops, bytes: m.bytes };
        else row.estimateError = est.error?.message ?? est.runs[0]?.error?.message ?? 'no estimate';
      }
      if (o.prune) {
        const estimated = rows.filter((r) => r.estimate).map((r) => ({ row: r, flops: r.estimate!.flops, bytes: r.estimate!.bytes }));
        const keep = new Set(paretoPrune(estimated).map((e) => e.row));
        for (const e of estimated) e.row.pruned = !keep.has(e.row);
      }
    }

    // 2. Simulate the survivors (and the pruned ones too when checking the pruning).
    const toRun = rows.filter((r) => !r.pruned || o.checkPruned);
    const executor = this.executor();
    let best: SweepRow | undefined;
    try {
      const result = await runJobs<PipelineJobPayload, PipelineJobResult>(
        toRun.map((r) => ({
          key: r.key,
          index: r.index,
          payload: { manifest: this.candidateManifest(base, r.candidate), baseDir: ctx.baseDir, outDir: path.join(sweepDir, 'runs', r.key), seed: ctx.seed },
        })),
        {
          executor,
          handler: pipelineJob,
          outDir: sweepDir,
          resume: o.resume,
          fresh: o.fresh,
          onProgress: (p) => {
            if (p.last?.ok) {
              const row = rows[p.last.index];
              const v = (p.last.result as PipelineJobResult).runs[0]?.metrics[o.objective];
              if (!row.pruned && v !== undefined && (!best || v < (best.metrics?.[o.objective] ?? Infinity))) best = { ...row, metrics: (p.last.result as PipelineJobResult).runs[0].metrics };
            }
            const eta = p.etaMs !== undefined ? ` ETA ${Math.round(p.etaMs / 1000)} s` : '';
            const bestText = best ? ` best ${o.objective}=${best.metrics?.[o.objective]} (${best.label})` : '';
            ctx.progress({ plugin: 'dse', done: p.done, total: p.total, message: `simulated ${p.done}/${p.total}${bestText}${eta}` });
          },
        },
      );
      for (const rec of result.records as JobRecord<PipelineJobResult>[]) {
        const row = rows[rec.index];
        row.simulated = true;
        if (rec.ok) {
          row.metrics = rec.result!.runs[0]?.metrics ?? {};
          row.valuesChecked = rec.result!.runs[0]?.valuesChecked;
        } else row.error = rec.error;
      }
    } finally {
      await executor.close();
    }
    return this.summarize(rows, ctx, sweepDir);
  }

  /** The candidates of the configured strategy. */
  candidates(seed: number): Candidate[] {
    const o = this.options;
    if (o.strategy === 'list') {
      if (!o.candidates?.length) throw new FuseFlowError('FF_OPTIONS_INVALID', 'dse: strategy "list" needs a non-empty "candidates" array', { path: '/search/options/candidates' });
      return o.candidates;
    }
    if (o.strategy === 'random') return randomCandidates(o.space, o.samples ?? 8, seed);
    return gridCandidates(o.space);
  }

  /** The manifest that simulates one candidate: the base pipeline with the candidate's passes and backend options. */
  candidateManifest(base: Manifest, c: Candidate): Manifest {
    const o = this.options;
    const m: Manifest = JSON.parse(JSON.stringify(base));
    delete m.configurations;
    delete m.search;
    m.passes = [...candidatePasses(c, o.passNames), { use: o.passNames.lower, options: {} }];
    if (c.backend && m.backend) m.backend = { ...m.backend, options: { ...(m.backend.options ?? {}), ...c.backend } };
    return m;
  }

  /** The manifest that only estimates a candidate (no lowering, estimate backend). */
  estimateManifest(base: Manifest, c: Candidate): Manifest {
    const m: Manifest = JSON.parse(JSON.stringify(base));
    delete m.configurations;
    delete m.search;
    delete m.reporters;
    m.passes = candidatePasses(c, this.options.passNames);
    m.backend = { use: this.options.estimateBackend, options: {} };
    return m;
  }

  private executor(): Executor {
    const o = this.options;
    if (o.queue) return new RedisQueueExecutor({ url: o.queue, queue: o.queueName ?? 'fuseflow' });
    // Worker threads load plain JavaScript: the pool needs the built package (dist).
    const built = __filename.endsWith('.js');
    if (o.executor === 'pool' && !built) throw new FuseFlowError('FF_OPTIONS_INVALID', 'dse: executor "pool" needs the built packages (run `npm run build`)', { path: '/search/options/executor' });
    if (o.executor === 'pool' || (o.executor === 'auto' && built)) return new LocalPoolExecutor({ threads: o.threads });
    return new InlineExecutor();
  }

  private async summarize(rows: SweepRow[], ctx: RunContext, sweepDir: string): Promise<SearchResult> {
    const o = this.options;
    const obj = (r: SweepRow) => r.metrics?.[o.objective] ?? Infinity;
    const ok = rows.filter((r) => r.metrics && Number.isFinite(obj(r)));
    const kept = ok.filter((r) => !r.pruned);
    const best = kept.reduce<SweepRow | undefined>((b, r) => (!b || obj(r) < obj(b) ? r : b), undefined);
    const bestOverall = ok.reduce<SweepRow | undefined>((b, r) => (!b || obj(r) < obj(b) ? r : b), undefined);
    const prunedCount = rows.filter((r) => r.pruned).length;
    const prunedWouldWin = o.checkPruned && bestOverall && best ? obj(bestOverall) < obj(best) : undefined;
    const measured = kept.map((r) => ({ row: r, flops: obj(r), bytes: r.metrics?.bytes ?? 0 }));
    const pareto = paretoPrune(measured).map((e) => e.row);
    const summary = {
      objective: o.objective,
      candidates: rows.length,
      pruned: prunedCount,
      simulated: rows.filter((r) => r.simulated).length,
      failed: rows.filter((r) => r.error).length,
      best: best ? { label: best.label, key: best.key, [o.objective]: obj(best), candidate: best.candidate } : null,
      ...(o.checkPruned ? { prunedWouldWin, bestIncludingPruned: bestOverall ? { label: bestOverall.label, [o.objective]: obj(bestOverall), pruned: bestOverall.pruned } : null } : {}),
      rows,
    };
    fs.writeFileSync(path.join(sweepDir, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
    const files = [path.join(sweepDir, 'summary.json'), path.join(sweepDir, 'results.jsonl'), path.join(sweepDir, 'results.csv')];
    if (o.charts) {
      try {
        files.push(...(await renderSweepCharts(rows, o.objective, sweepDir)));
      } catch (e) {
        ctx.diagnostic({ severity: 'warning', plugin: 'dse', message: `charts not rendered: ${(e as Error).message}` });
      }
    }
    return {
      searcher: this.id,
      best: summary.best,
      pareto: pareto.map((r) => ({ label: r.label, key: r.key, [o.objective]: obj(r), bytes: r.metrics?.bytes, flops: r.metrics?.flops })),
      evaluations: summary.simulated,
      details: summary,
      text: formatSweepTable(rows, o.objective, summary),
      files,
    };
  }
}

/** Readable table of a sweep: one line per candidate, best first. */
export function formatSweepTable(rows: SweepRow[], objective: string, s: { pruned: number; candidates: number; best: unknown; prunedWouldWin?: boolean }): string {
  const sorted = [...rows].sort((a, b) => (a.metrics?.[objective] ?? Infinity) - (b.metrics?.[objective] ?? Infinity));
  const head = `${'candidate'.padEnd(28)} ${objective.padStart(14)} ${'flops'.padStart(14)} ${'bytes'.padStart(14)} ${'est.flops'.padStart(14)} ${'est.bytes'.padStart(14)}  status`;
  const lines = sorted.map((r) => {
    const status = r.error ? `failed: ${r.error.code ?? ''} ${r.error.message}`.slice(0, 60) : r.pruned ? (r.simulated ? 'pruned (checked)' : 'pruned') : r.valuesChecked === false ? 'values NOT checked' : 'ok';
    const f = (v: number | undefined) => (v === undefined ? '-' : String(Math.round(v))).padStart(14);
    return `${r.label.slice(0, 28).padEnd(28)} ${f(r.metrics?.[objective])} ${f(r.metrics?.flops)} ${f(r.metrics?.bytes)} ${f(r.estimate?.flops)} ${f(r.estimate?.bytes)}  ${status}`;
  });
  const foot = [`${s.candidates} candidates, ${s.pruned} pruned by the FLOPs/bytes estimate`];
  if (s.prunedWouldWin !== undefined) foot.push(s.prunedWouldWin ? 'a pruned candidate would have been the best' : 'no pruned candidate would have been the best');
  return [head, ...lines, ...foot].join('\n');
}
