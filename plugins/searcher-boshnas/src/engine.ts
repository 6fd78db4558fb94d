import * as fs from 'node:fs';
import * as path from 'node:path';
import { FuseFlowError } from '@fuseflow/kernel/plugin-api';
import { DEFAULT_GOBI, gobi, type GobiOptions } from './gobi';
import { deriveSeed, makeRng, sha256, type Rng } from './rng';
import { Surrogate, type SurrogateOptions } from './surrogate';
import { tfReady } from './tf';

/** A candidate is one row index per input table (NAS: [cnn]; co-design: [cnn, accelerator]). */
export type Candidate = number[];

export interface EvalOutcome {
  /** value to minimise (1 - performance). */
  loss: number;
  metrics: Record<string, number>;
  info?: Record<string, unknown>;
}

/** What the engine searches: candidate tables (rows scaled to [0, 1]) and an evaluation function. */
export interface SearchProblem {
  tables: number[][][];
  key(c: Candidate): string;
  evaluate(c: Candidate): Promise<EvalOutcome>;
}

export type Strategy = 'boshnas' | 'random' | 'evolution';
export type Branch = 'init' | 'exploit' | 'uncertainty' | 'random' | 'mutation';

export interface EngineOptions {
  strategy: Strategy;
  budget: number;
  seed: number;
  /** random evaluations before the surrogate is used (reference: 5). */
  numInit: number;
  /** candidates proposed (and evaluated concurrently) per iteration. */
  batchSize: number;
  /** probability of uncertainty sampling (argmax sigma_ep) and of random sampling; the rest exploits with GOBI. */
  uncertaintyProb: number;
  randomProb: number;
  /** optimisation iterations without a new best before sigma includes the aleatoric part (reference: 10). */
  aleatoricPatience: number;
  /** regularized evolution: population (most recent evaluations) and tournament size. */
  population: number;
  tournament: number;
  /** neighbours considered by a mutation (nearest rows of one input table). */
  mutationNeighbours: number;
  surrogate: Partial<SurrogateOptions>;
  gobi: Partial<GobiOptions>;
  /** GOBI starts per exploit slot: the first slot's first start is the incumbent, the rest random rows. */
  gobiStarts: number;
  /**
   * unevaluated candidates nearest to each optimised point that the projection scores with the
   * acquisition (1: plain nearest-candidate projection, as in the reference).
   */
  projectionCandidates: number;
  /** JSON state file, rewritten after every evaluation. */
  stateFile?: string;
  resume: boolean;
  /** end this session after this many new evaluations (a simulated kill; the state stays resumable). */
  stopAfter?: number;
  /** extra identity of the problem stored in the state; a resume with another fingerprint is refused. */
  fingerprint?: string;
  onEvaluation?: (r: EvalRecord, all: EvalRecord[]) => void;
}

export const DEFAULT_ENGINE: Omit<EngineOptions, 'budget' | 'seed'> = {
  strategy: 'boshnas',
  numInit: 5,
  batchSize: 1,
  uncertaintyProb: 0.1,
  randomProb: 0.1,
  aleatoricPatience: 10,
  population: 16,
  tournament: 4,
  mutationNeighbours: 8,
  surrogate: {},
  gobi: {},
  gobiStarts: 4,
  projectionCandidates: 4,
  resume: false,
};

/** The reference's projection: one GOBI start per exploit slot, then the nearest unevaluated candidate. */
export const REFERENCE_PROJECTION: Pick<EngineOptions, 'gobiStarts' | 'projectionCandidates'> = { gobiStarts: 1, projectionCandidates: 1 };

export interface EvalRecord {
  iteration: number;
  slot: number;
  candidate: Candidate;
  key: string;
  branch: Branch;
  loss: number;
  metrics: Record<string, number>;
  info?: Record<string, unknown>;
}

interface SearchState {
  version: 1;
  strategy: Strategy;
  seed: number;
  fingerprint: string;
  iteration: number;
  sameBest: number;
  evaluations: EvalRecord[];
  pending?: { iteration: number; proposals: Array<{ slot: number; candidate: Candidate; branch: Branch }> };
}

export interface EngineResult {
  evaluations: EvalRecord[];
  best?: EvalRecord;
  /** true when the budget was reached (false: stopped early by stopAfter). */
  complete: boolean;
  resumedFrom: number;
}

const byOrder = (a: EvalRecord, b: EvalRecord) => a.iteration - b.iteration || a.slot - b.slot;

/** L1 mean distance between two vectors. */
const l1 = (a: number[], b: number[]) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
};

/**
 * The search loop shared by BOSHNAS, BOSHCODE and the baselines (codesign-reference 2.4).
 * Every random decision of iteration t draws from a stream seeded by (seed, t), and the state
 * (evaluations plus the proposals of the running iteration) is saved after each evaluation, so a
 * resumed search continues exactly where an uninterrupted one would be.
 */
export async function runSearchEngine(problem: SearchProblem, options: Partial<EngineOptions> & { budget: number; seed: number }): Promise<EngineResult> {
  const o: EngineOptions = { ...DEFAULT_ENGINE, ...options };
  await tfReady();
  const fingerprint = sha256(JSON.stringify([o.fingerprint ?? '', problem.tables.map((t) => [t.length, t[0]?.length ?? 0, sha256(JSON.stringify(t))])]));
  let state: SearchState = { version: 1, strategy: o.strategy, seed: o.seed, fingerprint, iteration: 0, sameBest: 0, evaluations: [] };
  if (o.resume && o.stateFile && fs.existsSync(o.stateFile)) {
    const loaded = JSON.parse(fs.readFileSync(o.stateFile, 'utf8')) as SearchState;
    if (loaded.version !== 1 || loaded.fingerprint !== fingerprint || loaded.seed !== o.seed || loaded.strategy !== o.strategy) {
      throw new FuseFlowError(
        'FF_SEARCH_RESUME',
        `cannot resume from ${o.stateFile}: it was written by a search with another ${loaded.seed !== o.seed ? `seed (${loaded.seed}, now ${o.seed})` : loaded.strategy !== o.strategy ? `strategy (${loaded.strategy}, now ${o.strategy})` : 'candidate table or options'}`,
        { suggestion: 'use the same manifest and seed, or delete the state file to start afresh' },
      );
    }
    state = loaded;
  }
  const resumedFrom = state.evaluations.length;
  const save = () => {
    if (!o.stateFile) return;
    fs.mkdirSync(path.dirname(o.stateFile), { recursive: true });
    const tmp = `${o.stateFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(state));
    fs.renameSync(tmp, o.stateFile);
  };
  const surrogate = new Surrogate(
    problem.tables.map((t) => t[0].length),
    o.surrogate,
    deriveSeed(o.seed, 'surrogate'),
  );
  let newEvals = 0;
  try {
    while (state.evaluations.length < o.budget) {
      if (o.stopAfter !== undefined && newEvals >= o.stopAfter) return finish(false);
      if (!state.pending) {
        const n = Math.min(o.batchSize, o.budget - state.evaluations.length);
        const proposals = propose(problem, o, state, n, surrogate);
        state.pending = { iteration: state.iteration, proposals };
        save();
      }
      const pend = state.pending;
      const done = new Set(state.evaluations.filter((r) => r.iteration === pend.iteration).map((r) => r.slot));
      const todo = pend.proposals.filter((p) => !done.has(p.slot));
      const bestBefore = Math.min(...state.evaluations.filter((r) => r.iteration < pend.iteration).map((r) => r.loss));
      const limit = o.stopAfter === undefined ? todo.length : Math.min(todo.length, o.stopAfter - newEvals);
      await Promise.all(
        todo.slice(0, limit).map(async (p) => {
          const out = await problem.evaluate(p.candidate);
          if (!Number.isFinite(out.loss)) throw new FuseFlowError('FF_SEARCH_EVAL', `evaluation of ${problem.key(p.candidate)} returned a non-finite loss (${out.loss})`);
          const rec: EvalRecord = { iteration: pend.iteration, slot: p.slot, candidate: p.candidate, key: problem.key(p.candidate), branch: p.branch, loss: out.loss, metrics: out.metrics, ...(out.info ? { info: out.info } : {}) };
          state.evaluations.push(rec);
          newEvals++;
          save();
          o.onEvaluation?.(rec, state.evaluations);
        }),
      );
      if (limit < todo.length) return finish(false);
      const bestAfter = Math.min(...state.evaluations.map((r) => r.loss));
      if (!(bestAfter < bestBefore) && pend.proposals.some((p) => p.branch === 'exploit')) state.sameBest++;
      state.iteration++;
      state.pending = undefined;
      save();
    }
    return finish(true);
  } finally {
    surrogate.dispose();
  }

  function finish(complete: boolean): EngineResult {
    const evaluations = [...state.evaluations].sort(byOrder);
    const best = evaluations.reduce<EvalRecord | undefined>((b, r) => (!b || r.loss < b.loss ? r : b), undefined);
    return { evaluations, best, complete, resumedFrom };
  }
}

function randomCandidate(problem: SearchProblem, rng: Rng, taken: Set<string>): Candidate {
  for (let t = 0; t < 1000; t++) {
    const c = problem.tables.map((tab) => rng.int(tab.length));
    if (!taken.has(problem.key(c))) return c;
  }
  throw new FuseFlowError('FF_SEARCH_EXHAUSTED', 'no unevaluated candidate found after 1000 random draws: the candidate table is (nearly) exhausted; lower the budget or enlarge the table');
}

/** Nearest rows of one table to a vector, by L1 mean (closest first). */
function nearestRows(table: number[][], x: number[], k: number): number[] {
  return table
    .map((row, i) => [l1(row, x), i] as [number, number])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}

/**
 * Projection back to the space: the unevaluated candidate minimising the summed per-input L1
 * mean distance (reference: argmin over the dataset of mean|x_opt - x_i|), searched over the
 * nearest `k` rows of each input table.
 */
export function snapToCandidate(problem: SearchProblem, x: number[], taken: Set<string>, k = 24): Candidate | undefined {
  return nearestCandidates(problem, x, taken, 1, k)[0];
}

/** The `count` unevaluated candidates nearest to `x` (closest first), as in snapToCandidate. */
export function nearestCandidates(problem: SearchProblem, x: number[], taken: Set<string>, count: number, k = 24): Candidate[] {
  const parts: number[][] = [];
  let off = 0;
  for (const t of problem.tables) {
    const d = t[0].length;
    parts.push(x.slice(off, off + d));
    off += d;
  }
  const near = problem.tables.map((t, i) => nearestRows(t, parts[i], Math.min(Math.max(k, count), t.length)).map((r) => [r, l1(t[r], parts[i])] as [number, number]));
  // the best `count` found so far, sorted by distance; a branch no closer than the last is cut
  const best: Array<{ c: Candidate; d: number }> = [];
  const walk = (i: number, c: number[], d: number) => {
    if (best.length === count && d >= best[count - 1].d) return;
    if (i === near.length) {
      if (taken.has(problem.key(c))) return;
      best.push({ c: [...c], d });
      best.sort((a, b) => a.d - b.d);
      if (best.length > count) best.pop();
      return;
    }
    for (const [r, dr] of near[i]) walk(i + 1, [...c, r], d + dr);
  };
  walk(0, [], 0);
  return best.map((b) => b.c);
}

const concatRow = (problem: SearchProblem, c: Candidate) => c.flatMap((r, i) => problem.tables[i][r]);

function propose(problem: SearchProblem, o: EngineOptions, state: SearchState, n: number, surrogate: Surrogate): Array<{ slot: number; candidate: Candidate; branch: Branch }> {
  const rng = makeRng(deriveSeed(o.seed, 'iteration', state.iteration));
  const history = [...state.evaluations].sort(byOrder);
  const taken = new Set(history.map((r) => r.key));
  const out: Array<{ slot: number; candidate: Candidate; branch: Branch }> = [];
  const take = (candidate: Candidate, branch: Branch) => {
    taken.add(problem.key(candidate));
    out.push({ slot: out.length, candidate, branch });
  };
  if (o.strategy === 'random' || history.length < (o.strategy === 'evolution' ? o.population : o.numInit)) {
    const branch: Branch = o.strategy === 'random' ? 'random' : 'init';
    for (let i = 0; i < n; i++) take(randomCandidate(problem, rng, taken), branch);
    return out;
  }
  if (o.strategy === 'evolution') {
    // regularized evolution: the population is the most recent evaluations (the oldest die first)
    const pop = history.slice(-o.population);
    for (let i = 0; i < n; i++) {
      const sample = [...Array(o.tournament)].map(() => rng.pick(pop));
      const parent = sample.reduce((b, r) => (r.loss < b.loss ? r : b));
      let child: Candidate | undefined;
      for (let t = 0; t < 20 && !child; t++) {
        const which = rng.int(problem.tables.length);
        const tab = problem.tables[which];
        const nbrs = nearestRows(tab, tab[parent.candidate[which]], o.mutationNeighbours + 1).filter((r) => r !== parent.candidate[which]);
        const c = [...parent.candidate];
        c[which] = rng.pick(nbrs);
        if (!taken.has(problem.key(c))) child = c;
      }
      take(child ?? randomCandidate(problem, rng, taken), child ? 'mutation' : 'random');
    }
    return out;
  }
  // BOSHNAS: exploit with GOBI (prob 1 - unc - rand), uncertainty sampling, or random sampling
  const branches: Branch[] = [...Array(n)].map(() => {
    const p = rng();
    return p < o.randomProb ? 'random' : p < o.randomProb + o.uncertaintyProb ? 'uncertainty' : 'exploit';
  });
  if (branches.some((b) => b !== 'random')) {
    const maxLoss = Math.max(...history.map((r) => Math.abs(r.loss)), 1e-12);
    const X = history.map((r) => concatRow(problem, r.candidate));
    const y = history.map((r) => Math.min(1, Math.max(0, r.loss / maxLoss)));
    const extra = [...Array(32)].map(() => concatRow(problem, randomCandidate(problem, rng, taken)));
    surrogate.train(X, y, extra);
  }
  const useAl = state.sameBest >= o.aleatoricPatience;
  const exploitSlots = branches.filter((b) => b === 'exploit').length;
  const exploitPicks: Candidate[] = [];
  if (exploitSlots) {
    // Several starts per slot (the incumbent among them), then the projection scores the nearest
    // unevaluated candidates of every optimised point with the acquisition itself: on a finite
    // table the candidate nearest to the continuous optimum is not always the one the surrogate
    // rates best, and one random start often stalls in a poor basin.
    const incumbent = history.reduce((b, r) => (r.loss < b.loss ? r : b));
    const starts = [...Array(exploitSlots * Math.max(1, o.gobiStarts))].map((_, i) => concatRow(problem, i === 0 ? incumbent.candidate : randomCandidate(problem, rng, taken)));
    const optimised = gobi(surrogate, starts, useAl, rng, o.gobi).x;
    const pool = new Map<string, Candidate>();
    for (const x of optimised) for (const c of nearestCandidates(problem, x, taken, Math.max(1, o.projectionCandidates))) pool.set(problem.key(c), c);
    const cands = [...pool.values()];
    if (cands.length) {
      const k = { ...DEFAULT_GOBI, ...o.gobi }.k;
      const z = surrogate.acquisition(cands.map((c) => concatRow(problem, c)), k, useAl);
      const order = [...cands.keys()].sort((a, b) => z[a] - z[b] || a - b);
      for (const i of order.slice(0, exploitSlots)) exploitPicks.push(cands[i]);
    }
  }
  for (const b of branches) {
    if (b === 'random') take(randomCandidate(problem, rng, taken), 'random');
    else if (b === 'uncertainty') {
      const pool = [...Array(512)].map(() => randomCandidate(problem, rng, taken));
      const uniq = [...new Map(pool.map((c) => [problem.key(c), c])).values()];
      const pred = surrogate.predict(uniq.map((c) => concatRow(problem, c)));
      let bi = 0;
      pred.forEach((p, i) => {
        if (p.sigmaEp > pred[bi].sigmaEp) bi = i;
      });
      take(uniq[bi], 'uncertainty');
    } else {
      let c = exploitPicks.shift();
      while (c && taken.has(problem.key(c))) c = exploitPicks.shift();
      take(c ?? randomCandidate(problem, rng, taken), c ? 'exploit' : 'random');
    }
  }
  return out;
}
