import type { Manifest } from '@fuseflow/kernel/plugin-api';
import { enumerateLoopOrders, inlineGroup, parseProgram } from '@fuseflow/ir';
import type { ExperimentDefinition, ExperimentRun } from './experiments';

/*
 * Figures 14-17 of the paper as experiment definitions on the same runner as Figure 12.
 * Figure 14 runs the bundled GCN (PyTorch frontend); Figures 15-17 use small kernels written in
 * index notation (frontend 'expr') so the swept parameter is the only thing that changes.
 */

/** GCN statement names as the PyTorch frontend imports gcn.fx.json (printProgram of examples/gcn). */
export const GCN_LAYER1 = ['sparse_mm', 'matmul', 'add_t', 'relu_t'];
export const GCN_LAYER2 = ['sparse_mm_1', 'matmul_1', 'add_1', 'softmax_max', 'softmax_exp', 'softmax_sum', 'softmax_div'];

/**
 * Layer 2 fused as one group, as the artifact's one_layer_gcn2 kernel. The fused statement holds
 * add_1 four times (the softmax's numerator, its max, the sum and the sum's max): with shared
 * intermediates (pass-fusion `intermediates: share`, the default) each is computed once and the
 * group does the unfused FLOPs; recomputed, 2.53x the unfused FLOPs at the fast size (measured).
 */
export const GCN_LAYER2_FUSED = [GCN_LAYER2];

const single = (names: string[]) => names.map((n) => [n]);

/** Figure 14's five GCN fusion configurations, as explicit groups (order of the paper's plot). */
export const FIG14_CONFIGS: Array<{ name: string; groups: string[][] }> = [
  { name: 'fully fused', groups: [[...GCN_LAYER1, ...GCN_LAYER2]] },
  { name: 'only 1st layer fused', groups: [GCN_LAYER1, ...single(GCN_LAYER2)] },
  { name: 'only 2nd layer fused', groups: [...single(GCN_LAYER1), ...GCN_LAYER2_FUSED] },
  { name: 'both layers fused', groups: [GCN_LAYER1, ...GCN_LAYER2_FUSED] },
  { name: 'unfused', groups: [...single(GCN_LAYER1), ...single(GCN_LAYER2)] },
];

/** GCN input sizes: a seeded power-law graph of `nodes`/`edges`, `features` node features (or a real dataset). */
interface GcnSize {
  label: string;
  nodes: number;
  edges: number;
  features: number;
  /** a vendored dataset (@fuseflow/datasets key) read instead of the generated graph and features. */
  dataset?: string;
  /** rda-sim `sample` option of the simulated runs (real sizes: the fully fused runs take hours whole). */
  sample?: { fraction: number; seed: number };
}

/**
 * How a fused group treats a value used by several consumers (pass-fusion `intermediates`): every
 * configuration runs both ways; the x value of the recomputing runs is suffixed ' recompute'.
 */
export const FIG14_INTERMEDIATES = ['share', 'recompute'] as const;

function fig14Runs(sizes: GcnSize[], manifest = 'gcn/cora.json'): ExperimentRun[] {
  return sizes.flatMap((s) =>
    FIG14_CONFIGS.flatMap((c) =>
      FIG14_INTERMEDIATES.flatMap((mode) =>
        // unfused groups have one statement each: nothing to share, one run is enough
        (mode === 'recompute' && c.name === 'unfused' ? [] : (['sim', 'estimate'] as const)).map((how) => {
          // loop orders by estimate, as in the application manifests (order #0 recomputes the softmax statistics per element)
          const passes: Array<string | { use: string; options: Record<string, unknown> }> = [
            { use: 'fusion', options: { groups: c.groups, intermediates: mode } },
            { use: 'dataflow-order', options: { order: 'best-estimate' } },
          ];
          if (how === 'sim') passes.push('lower-sam');
          const sources = s.dataset
            ? {
                inputs: { A: { dataset: `${s.dataset}:adjacency`, format: 'dcsr' }, X: { dataset: `${s.dataset}:features`, format: 'dense' } },
                weights: { W1: { format: 'dcsr', generate: `uniform:${s.features}x16:0.4` } },
              }
            : {
                inputs: { A: { format: 'dcsr', generate: `gcnadj:${s.nodes}:${s.edges}` }, X: { format: 'dense', generate: `dense:${s.nodes}x${s.features}` } },
                weights: { W1: { format: 'dcsr', generate: `uniform:${s.features}x16:0.4` } },
              };
          const backend = how === 'estimate' ? { backend: { use: 'estimate', options: {} } } : s.sample ? { backend: { options: { sample: s.sample } } } : {};
          return {
            group: 'GCN',
            label: s.label,
            manifest,
            configuration: c.name,
            x: mode === 'share' ? how : `${how} recompute`,
            // Sources replaced whole (a deep merge would keep the bundled `dataset` beside a `generate`).
            sources,
            overrides: { configurations: [{ name: c.name, passes }], ...backend },
          } satisfies ExperimentRun;
        }),
      ),
    ),
  );
}

/**
 * Figure 14: normalized FLOPs vs bytes of the five GCN fusion configurations (simulator counters,
 * normalized by unfused), with the analytic estimator's numbers beside them, each with shared
 * intermediates (the default) and recomputed ones.
 * fast: a Cora-like power-law graph scaled to 1/8 (339 nodes, 1,320 edges: Cora's average degree),
 * 8 features; medium: the real Cora-ML graph and features (@fuseflow/datasets), simulated on a
 * seeded 1/32 sample of the rows (rda-sim `sample`: FLOPs and bytes extrapolated).
 */
export const FIG14: ExperimentDefinition = {
  id: 'fig14',
  title: 'Normalized FLOPs vs bytes moved of five GCN fusion configurations (Figure 14)',
  description: 'GCN fully fused / only 1st layer / only 2nd layer / both layers / unfused: simulator FLOPs and bytes (and the estimator) normalized by unfused, shared and recomputed intermediates.',
  modes: {
    tiny: fig14Runs([{ label: 'tiny', nodes: 40, edges: 120, features: 4 }]),
    fast: fig14Runs([{ label: 'cora/8', nodes: 339, edges: 1320, features: 8 }]),
    medium: fig14Runs([{ label: 'cora_ml', nodes: 2995, edges: 16316, features: 2879, dataset: 'cora_ml', sample: { fraction: 1 / 32, seed: 1 } }], 'gcn/cora_ml.json'),
  },
};

/** An inline manifest for a program written in index notation (frontend 'expr', backend rda-sim). */
export function exprManifest(name: string, program: string, inputs: Record<string, string>): Manifest {
  return {
    version: 1,
    name,
    seed: 25,
    frontend: { use: 'expr', options: { program, inputs } },
    // Rank-3 outputs cannot be written as MatrixMarket; the values are still checked.
    backend: { use: 'rda-sim', options: { writeOutputs: false } },
  } as Manifest;
}

/**
 * Multi-head BigBird attention scores (the SDDMM that dominates attention): S(b,i,j) =
 * sum_k Q(b,i,k) K(b,j,k) restricted to the mask M(i,j). Stream levels: b (heads, outermost), i, j, k.
 */
export function attentionScoresProgram(heads: number, seq: number, dim: number): string {
  return [
    'program mha_scores',
    `tensor Q(${heads},${seq},${dim}): dense input`,
    `tensor K(${heads},${seq},${dim}): dense input`,
    `tensor M(${seq},${seq}): dcsr input`,
    `tensor S(${heads},${seq},${seq}): dcc output`,
    'scores: S(b,i,j) = Q(b,i,k) * K(b,j,k) * M(i,j)',
  ].join('\n');
}

function fig15Runs(heads: number, seq: number, dim: number, block: number, factors: number[], both: number): ExperimentRun[] {
  const base = exprManifest('mha-scores', attentionScoresProgram(heads, seq, dim), {
    Q: `dense:${heads}x${seq}x${dim}:normal=0.5`,
    K: `dense:${heads}x${seq}x${dim}:normal=0.5`,
    M: `bigbird:${seq}:${block}`,
  });
  const run = (label: string, p: number, levels: Array<{ index: string; factor: number }>): ExperimentRun => ({
    group: 'MHA scores',
    label,
    manifest: 'inline/fig15.json',
    baseManifest: base,
    x: p,
    overrides: { passes: [...(levels.some((l) => l.factor > 1) ? [{ use: 'parallelize', options: { levels: levels.filter((l) => l.factor > 1) } }] : []), 'lower-sam'] },
  });
  return [
    ...factors.map((p) => run('outermost (heads b)', p, [{ index: 'b', factor: p }])),
    ...factors.map((p) => run('second level (rows i)', p, [{ index: 'i', factor: p }])),
    run('both levels', both * both, [{ index: 'b', factor: both }, { index: 'i', factor: both }]),
  ];
}

/**
 * Figure 15: cycles vs parallel factor and location on multi-head BigBird attention scores.
 * fast: 8 heads, sequence 64, head dim 16, block 8; P = 1 ... 64 at each level, and P = 4 at both.
 */
export const FIG15: ExperimentDefinition = {
  id: 'fig15',
  title: 'Cycles vs parallel factor and location, multi-head attention scores (Figure 15)',
  description: 'SDDMM S(b,i,j) = Q(b,i,k) K(b,j,k) M(i,j) with a BigBird mask; parallelize{levels} at the heads (outermost) or rows (second level), or both.',
  modes: {
    tiny: fig15Runs(4, 16, 4, 4, [1, 2, 4], 2),
    // up to 64 lanes (Figure 15a): 64 rows give every lane one row; 8 heads leave lanes idle above 8
    fast: fig15Runs(8, 64, 16, 8, [1, 2, 4, 8, 16, 32, 64], 4),
    medium: fig15Runs(12, 1024, 64, 64, [1, 2, 4, 8], 4),
  },
};

/**
 * BigBird attention of one head, whole: the masked scores (SDDMM Q·K^T on the mask), the row
 * softmax over the stored entries, and P·V. Blocked, the row max and row sum fold each tile
 * (pass-lower-sam block mode), so every statement runs on tiles.
 */
export function attentionProgram(seq: number, dim: number): string {
  return [
    'program bigbird_attention',
    `tensor Q(${seq},${dim}): dense input`,
    `tensor K(${seq},${dim}): dense input`,
    `tensor V(${seq},${dim}): dense input`,
    `tensor M(${seq},${seq}): dcsr input`,
    `tensor S(${seq},${seq}): dcsr intermediate`,
    `tensor mx(${seq}): dense intermediate`,
    `tensor E(${seq},${seq}): dcsr intermediate`,
    `tensor den(${seq}): dense intermediate`,
    `tensor P(${seq},${seq}): dcsr intermediate`,
    `tensor O(${seq},${dim}): dense output`,
    `qk: S(i,j) = Q(i,k) * K(j,k) * M(i,j) * ${1 / Math.sqrt(dim)}`,
    'smax: mx(i) = max(j, S(i,j))',
    'sexp: E(i,j) = exp(S(i,j) - mx(i))',
    'ssum: den(i) = sum(j, E(i,j))',
    'sdiv: P(i,j) = E(i,j) / den(i)',
    'pv: O(i,d) = P(i,j) * V(j,d)',
  ].join('\n');
}

function fig16Runs(seq: number, dim: number, blocks: number[]): ExperimentRun[] {
  // the attention fused as one kernel (the artifact's multihead_attention), loop order by estimate
  const fused = [
    { use: 'fusion', options: { granularity: 'full' } },
    { use: 'dataflow-order', options: { order: 'best-estimate' } },
  ];
  return blocks.flatMap((b) => {
    // The mask is generated at the block granularity being compared (as the artifact does), so the
    // scalar and the blocked run of one block size compute the same attention.
    const base = exprManifest(`bigbird-attention-${b}`, attentionProgram(seq, dim), {
      Q: `dense:${seq}x${dim}:normal=0.5`,
      K: `dense:${seq}x${dim}:normal=0.5`,
      V: `dense:${seq}x${dim}`,
      M: `bigbird:${seq}:${b}`,
    });
    return [
      { group: 'BigBird attention', label: 'scalar', manifest: `inline/fig16-${b}.json`, baseManifest: base, x: b, overrides: { passes: [...fused, 'lower-sam'] } },
      {
        group: 'BigBird attention',
        label: 'blocked',
        manifest: `inline/fig16-${b}.json`,
        baseManifest: base,
        x: b,
        overrides: { passes: [...fused, { use: 'sparsity-blocking', options: { size: b } }, 'lower-sam'] },
      },
    ];
  });
}

/**
 * Figure 16: sparsity blocking at 16/32/64 vs scalar on the whole BigBird attention of one head
 * (Q·K^T on the mask, softmax, P·V fused). fast: sequence 256, head dim 64.
 */
export const FIG16: ExperimentDefinition = {
  id: 'fig16',
  title: 'Block-sparse (16/32/64) vs scalar BigBird attention (Figure 16)',
  description: 'S = (Q K^T) .* M / sqrt(d), P = softmax(S) over the stored entries, O = P V, fused, with M a BigBird mask of block b; scalar vs sparsity-blocking{size=b}.',
  modes: {
    tiny: fig16Runs(32, 8, [4, 8]),
    fast: fig16Runs(256, 64, [16, 32, 64]),
    medium: fig16Runs(1024, 64, [16, 32, 64]),
  },
};

/**
 * ((A·B)·C)·D fused into one kernel, formats alternating DCSR / DCSC so the loop-order partial
 * order is a zigzag (i<j>k<l>m): 16 valid dataflow orders (the paper's (A·B)·C has 15 plotted).
 */
export function chainProgram(n: number): string {
  const t = (x: string, f: string, role: string) => `tensor ${x}(${n},${n}): ${f} ${role}`;
  return [
    'program nested_matmuls',
    t('A', 'dcsr', 'input'),
    t('B', 'dcsc', 'input'),
    t('C', 'dcsr', 'input'),
    t('D', 'dcsc', 'input'),
    t('T', 'dcsr', 'intermediate'),
    t('U', 'dcsr', 'intermediate'),
    t('X', 'dense', 'output'),
    's0: T(i,k) = A(i,j) * B(j,k)',
    's1: U(i,l) = T(i,k) * C(k,l)',
    's2: X(i,m) = U(i,l) * D(l,m)',
  ].join('\n');
}

/** The valid dataflow orders of chainProgram's fused kernel, as strings ('imkjl', ...), in the pass's index order. */
export function chainOrders(n = 8): string[] {
  const p = parseProgram(`${chainProgram(n)}\ngroup g0 = s0, s1, s2`);
  return enumerateLoopOrders(inlineGroup(p, p.groups![0]), p).map((o) => o.join(''));
}

function fig17Runs(n: number, density: number, orders: number[]): ExperimentRun[] {
  const names = chainOrders(n);
  const base = exprManifest('nested-matmuls', chainProgram(n), Object.fromEntries(['A', 'B', 'C', 'D'].map((t, i) => [t, `uniform:${n}x${n}:${density}:seed=${i + 1}`])));
  return orders.map((o) => ({
    group: 'nested matmuls',
    label: `${o}: ${names[o] ?? '?'}`,
    manifest: 'inline/fig17.json',
    baseManifest: base,
    x: o,
    overrides: { passes: [{ use: 'fusion', options: { granularity: 'full' } }, { use: 'dataflow-order', options: { order: o } }, 'lower-sam'] },
  }));
}

/**
 * Figure 17: every valid dataflow order of the fused ((A·B)·C)·D. fast: 16 x 16 matrices at
 * density 0.3, all 16 orders; tiny: 8 x 8, the first 4.
 */
export const FIG17: ExperimentDefinition = {
  id: 'fig17',
  title: 'Dataflow order sweep of fused nested matmuls (Figure 17)',
  description: 'fusion{granularity=full} + dataflow-order{order=N} for every valid order N of ((A·B)·C)·D (A, C DCSR; B, D DCSC).',
  modes: {
    tiny: fig17Runs(8, 0.3, [0, 1, 2, 3]),
    fast: fig17Runs(16, 0.3, Array.from({ length: 16 }, (_, i) => i)),
    medium: fig17Runs(64, 0.1, Array.from({ length: 16 }, (_, i) => i)),
  },
};
