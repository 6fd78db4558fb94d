import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { estimatedTokens, expectedCpuSeconds, FIG12, FIG12_MEDIUM_SIZES, FIG12_SAMPLING, fig12MediumRuns, mediumSampleShape, sampleFraction } from './experiment-defs';
import { experimentRuns, progressBar, progressOf, runKey, runPayload, type ExperimentRun } from './experiments';
import { FIG12_MEDIUM_PLAN } from './fig12-medium-plan';

type Source = { generate?: string; dataset?: string; format?: string };
type FrontendOptions = { inputs: Record<string, Source>; weights: Record<string, Source> };

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');
const medium = FIG12.modes.medium;
const frontendOf = (r: ExperimentRun): FrontendOptions => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ff-defs-'));
  return (runPayload(r, EXAMPLES, out).manifest as unknown as { frontend: { options: FrontendOptions } }).frontend.options;
};
const sampleOf = (r: ExperimentRun) => (r.overrides?.backend as { options?: { sample?: { fraction: number; seed: number; batches?: number } } } | undefined)?.options?.sample;

describe('fig12 --mode medium: the artifact sizes', () => {
  it('has SAE x3, GCN and GraphSAGE x3 datasets, GPT-3 x3 blocks, each unfused / partially / fully fused', () => {
    expect(medium).toHaveLength(36);
    const rows = new Set(medium.map((r) => `${r.group}|${r.label}`));
    expect([...rows]).toEqual([
      'SAE|imagenet', 'SAE|nih', 'SAE|luna16',
      'GCN|cora', 'GCN|cora_ml', 'GCN|dblp', 'GraphSAGE|cora', 'GraphSAGE|cora_ml', 'GraphSAGE|dblp',
      'GPT-3 BigBird|b=16', 'GPT-3 BigBird|b=32', 'GPT-3 BigBird|b=64',
    ]);
    for (const row of rows) expect(medium.filter((r) => `${r.group}|${r.label}` === row).map((r) => r.configuration)).toEqual(['unfused', 'partially fused', 'fully fused']);
  });

  it('GPT-3 layer: sequence 1024, d_model 768, 12 heads of 64, FFN 3072, BigBird blocks 16 / 32 / 64', () => {
    expect(FIG12_MEDIUM_SIZES.gpt).toMatchObject({ seq: 1024, dModel: 768, heads: 12, headDim: 64, ffn: 3072, blocks: [16, 32, 64] });
    const gpt = medium.filter((r) => r.group === 'GPT-3 BigBird');
    expect(gpt.map((r) => r.label)).toEqual(['b=16', 'b=16', 'b=16', 'b=32', 'b=32', 'b=32', 'b=64', 'b=64', 'b=64']);
    for (const r of gpt) {
      const fe = frontendOf(r);
      const b = r.label.slice(2);
      expect(fe.inputs.x.generate).toBe('dense:1024x768:normal=1');
      expect(fe.inputs.mask.generate).toBe(`bigbird:1024:${b}`);
      for (const w of ['Wq', 'Wk', 'Wv']) expect(fe.weights[w].generate).toBe('uniform:12x768x64:0.1');
      expect(fe.weights.Wo.generate).toBe('uniform:12x64x768:0.1');
      expect(fe.weights.W1.generate).toBe('uniform:768x3072:0.1');
      expect(fe.weights.W2.generate).toBe('uniform:3072x768:0.1');
      expect(r.manifest).toBe(`gpt3/bigbird-${b}.json`);
    }
  });

  it('GCN / GraphSAGE: the bundled real graphs and features, real widths 1,433 / 2,879 / 1,639, hidden 16, classes 7 / 7 / 4', () => {
    const widths: Record<string, [number, number]> = { cora: [1433, 7], cora_ml: [2879, 7], dblp: [1639, 4] };
    for (const r of medium.filter((x) => x.group === 'GCN' || x.group === 'GraphSAGE')) {
      const [f, c] = widths[r.label];
      const fe = frontendOf(r);
      // Replaced whole: a dataset source must not keep the bundled synthetic generator beside it.
      expect(fe.inputs.A).toEqual({ dataset: `${r.label}:adjacency`, format: 'dcsr' });
      expect(fe.inputs.X).toEqual({ dataset: `${r.label}:features`, format: 'dense' });
      const first = r.group === 'GCN' ? ['W1'] : ['W1s', 'W1n'];
      const second = r.group === 'GCN' ? ['W2'] : ['W2s', 'W2n'];
      for (const w of first) expect(fe.weights[w]).toEqual({ format: 'dcsr', generate: `uniform:${f}x16:0.4` });
      for (const w of second) expect(fe.weights[w]).toEqual({ format: 'dcsr', generate: `uniform:16x${c}:0.4` });
    }
  });

  it('SAE: batch 32, (input, hidden) = ImageNet (50,176, 256), NIH (1,048,576, 512), LUNA16 (262,144, 512)', () => {
    const sizes: Record<string, [number, number]> = { imagenet: [50176, 256], nih: [1048576, 512], luna16: [262144, 512] };
    for (const r of medium.filter((x) => x.group === 'SAE')) {
      const [d, h] = sizes[r.label];
      const fe = frontendOf(r);
      expect(fe.inputs.X.generate).toBe(`dense:32x${d}:normal=0.1`);
      expect(fe.weights.W_enc.generate).toBe(`uniform:${d}x${h}:0.1:range=-0.01,0.01`);
      expect(fe.weights.W_dec.generate).toBe(`uniform:${h}x${d}:0.1:range=-0.01,0.01`);
    }
  });

  it('every run has an estimate; runs estimated above the token budget carry a seeded sample option that brings them under it', () => {
    let sampled = 0;
    for (const r of medium) {
      expect(FIG12_MEDIUM_PLAN.runs[runKey(r)]).toBeDefined();
      const tokens = estimatedTokens(r, FIG12_MEDIUM_PLAN.runs[runKey(r)]);
      expect(r.estimate?.tokens).toBe(Math.round(tokens));
      const s = sampleOf(r);
      const simulated = s ? FIG12_SAMPLING.passes * tokens * s.fraction : tokens;
      expect(r.estimate?.simulatedTokens).toBe(Math.round(simulated));
      expect(r.estimate?.cpuSeconds).toBe(Math.round(expectedCpuSeconds(r, simulated)));
      if (tokens > FIG12_SAMPLING.budgetTokens) {
        sampled++;
        const { units, batches } = mediumSampleShape(r);
        expect(s).toEqual({ fraction: sampleFraction(tokens, units, { ...FIG12_SAMPLING, minUnits: batches }), seed: FIG12_SAMPLING.seed, ...(batches !== 8 ? { batches } : {}) });
        // Under the budget, unless the sampler's minimum (a unit per batch) or minFraction decides.
        if (s!.fraction > FIG12_SAMPLING.minFraction && s!.fraction > batches / units) expect(tokens * s!.fraction).toBeLessThanOrEqual(FIG12_SAMPLING.budgetTokens);
        expect(s!.fraction * units).toBeGreaterThanOrEqual(batches);
      } else {
        expect(s).toBeUndefined();
      }
    }
    // The GPT-3 layer alone is ~1e11 cycles in the paper: the sweep cannot be all exact.
    expect(sampled).toBeGreaterThan(0);
    // Units below a small outer index (rda-sim planSample): the SAE's 512 hidden columns, not its
    // 32 batch rows (which allowed 1/4 at best); the GPT-3 layer's 1,024 rows, not its 12 heads.
    expect(sampleOf(medium.find((r) => runKey(r) === 'SAE|nih|unfused|')!)).toEqual({ fraction: 1 / 64, seed: FIG12_SAMPLING.seed });
    // The fully fused SAE reads its encoder above the decoder's columns: sampled on its 32 batch
    // rows, 8 at least (one per batch), a quarter.
    expect(sampleOf(medium.find((r) => runKey(r) === 'SAE|nih|fully fused|')!)).toEqual({ fraction: 1 / 4, seed: FIG12_SAMPLING.seed });
    expect(sampleOf(medium.find((r) => runKey(r) === 'GPT-3 BigBird|b=16|unfused|')!)).toEqual({ fraction: 1 / 64, seed: FIG12_SAMPLING.seed });
    // The planner's own list is the same runs without sampling.
    expect(fig12MediumRuns(false).map(runKey)).toEqual(medium.map(runKey));
    expect(fig12MediumRuns(false).some(sampleOf)).toBe(false);
  });
});

describe('sampling rule and sweep progress', () => {
  it('sampleFraction: none up to the budget, then the largest 2^-k under it, floored at minFraction and at minUnits / units', () => {
    const rule = { budgetTokens: 1000, minFraction: 1 / 64, minUnits: 8 };
    expect(sampleFraction(1000, Infinity, rule)).toBeUndefined();
    expect(sampleFraction(1001, Infinity, rule)).toBe(0.5);
    expect(sampleFraction(4000, Infinity, rule)).toBe(0.25);
    expect(sampleFraction(4001, Infinity, rule)).toBe(0.125);
    expect(sampleFraction(1e9, Infinity, rule)).toBe(1 / 64);
    // 32 batch rows: never fewer than 8 of them; 12 heads: 8 of 12.
    expect(sampleFraction(1e9, 32, rule)).toBe(0.25);
    expect(sampleFraction(1e9, 12, rule)).toBeCloseTo(8 / 12, 12);
    expect(sampleFraction(1e9, 4, rule)).toBe(1);
  });

  it('--exact drops the sample options and --only filters by key, with a clear error when nothing matches', () => {
    const exact = experimentRuns(FIG12, { mode: 'medium', exact: true });
    expect(exact.some(sampleOf)).toBe(false);
    expect(exact.map(runKey)).toEqual(medium.map(runKey));
    expect(experimentRuns(FIG12, { mode: 'medium', only: /^GCN\|dblp\|/ }).map((r) => r.configuration)).toEqual(['unfused', 'partially fused', 'fully fused']);
    expect(() => experimentRuns(FIG12, { mode: 'medium', only: /^nothing/ })).toThrow(/--only \/\^nothing\/: no run of fig12 --mode medium matches/);
    expect(() => experimentRuns(FIG12, { mode: 'huge' })).toThrow(/no mode "huge"/);
  });

  it('progress is weighted by estimated work; the ETA extrapolates only the work run in this process', () => {
    const run = (label: string, tokens: number): ExperimentRun => ({ group: 'G', label, manifest: 'm.json', estimate: { flops: 0, bytes: 0, tokens } });
    const runs = [run('a', 100), run('b', 300), run('c', 600)];
    const keys = runs.map(runKey);
    expect(progressOf(runs, new Set(), new Set(), 0)).toEqual({ workDone: 0 });
    // b (300 of 1000) took 60 s: the remaining 600 take 120 s.
    expect(progressOf(runs, new Set([keys[1]]), new Set(), 60_000)).toEqual({ workDone: 0.3, etaMs: 140_000 });
    // a was resumed from an earlier sweep: it counts as done but not as work done in these 60 s.
    expect(progressOf(runs, new Set([keys[0], keys[1]]), new Set([keys[0]]), 60_000)).toEqual({ workDone: 0.4, etaMs: 120_000 });
    expect(progressBar(0.5, 10)).toBe('[#####.....]  50%');
    // Expected CPU seconds (fixed cost included) weigh before tokens: c (10 s) was the cheap one.
    const withCpu = runs.map((r, k) => ({ ...r, estimate: { ...r.estimate!, cpuSeconds: [30, 60, 10][k] } }));
    expect(progressOf(withCpu, new Set([keys[1]]), new Set(), 60_000)).toEqual({ workDone: 0.6, etaMs: 40_000 });
  });
});
