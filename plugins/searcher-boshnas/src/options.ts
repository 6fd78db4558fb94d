import { deepMerge } from '@fuseflow/kernel/plugin-api';
import { DEFAULT_ENGINE, type Strategy } from './engine';
import { DEFAULT_GOBI, type GobiOptions } from './gobi';
import { DEFAULT_NORMALIZERS, DEFAULT_WEIGHTS, type ObjectiveNormalizers, type ObjectiveWeights } from './objective';
import { DEFAULT_SPACE, type CnnSpaceConfig } from './space';
import { DEFAULT_SURROGATE, type SurrogateOptions } from './surrogate';

/** Options of both searchers (manifest `search.options`), every default filled in. */
export interface BoshOptions {
  /** 'nas' = BOSHNAS (CNN only), 'codesign' = BOSHCODE (CNN + accelerator pairs). */
  mode: 'nas' | 'codesign';
  strategy: Strategy;
  budget: number;
  resume: boolean;
  /** search seed; default: the run's seed. */
  seed?: number;
  batchSize: number;
  numInit: number;
  /** size of the generated CNN candidate table. */
  candidates: number;
  embeddingDims: number;
  /** append log params, log MACs and layer count to the graph embedding (see capacityFeatures). */
  capacityFeatures: boolean;
  /** accelerators sampled from the backend's design space (co-design). */
  accelerators: number;
  space: CnnSpaceConfig;
  evaluator: {
    kind: 'tfjs' | 'table';
    /** accuracy table JSON (kind 'table'), relative to the manifest. */
    table?: string;
    /** training-result cache (kind 'tfjs'); default <outDir>/accuracy-cache.json. */
    cacheFile?: string;
    dataDir?: string;
    epochs?: number;
    trainSize?: number;
    valSize?: number;
    testSize?: number;
    batchSize?: number;
    learningRate?: number;
  };
  hardwareBackend: string;
  /**
   * Options for the hardware backend when the manifest's pipeline does not provide it; validated
   * against that backend's own optionsSchema (its id is only known from `hardwareBackend`).
   */
  hardwareBackendOptions: Record<string, unknown>;
  weights: ObjectiveWeights;
  normalizers: ObjectiveNormalizers;
  uncertaintyProb: number;
  randomProb: number;
  surrogate: SurrogateOptions;
  gobi: GobiOptions;
  /** GOBI starts per exploit slot (engine option). */
  gobiStarts: number;
  /** nearest candidates per GOBI optimum scored by the acquisition (1 = the reference's plain projection). */
  projectionCandidates: number;
  /** end the session after this many new evaluations (the state stays resumable). */
  stopAfter?: number;
}

/** What a caller may pass: any key, and any key of a nested group, may be left out. */
export type BoshOptionsInput = { [K in keyof BoshOptions]?: BoshOptions[K] extends unknown[] ? BoshOptions[K] : BoshOptions[K] extends object ? Partial<BoshOptions[K]> : BoshOptions[K] };

/** The one source of defaults: the kernel merges these under the manifest's options. */
export const defaultOptions: BoshOptions = {
  mode: 'nas',
  strategy: 'boshnas',
  budget: 20,
  resume: false,
  batchSize: 1,
  numInit: 5,
  candidates: 200,
  embeddingDims: 16,
  capacityFeatures: true,
  accelerators: 300,
  space: DEFAULT_SPACE,
  evaluator: { kind: 'tfjs' },
  hardwareBackend: 'systolic',
  hardwareBackendOptions: { model: 'accelbench', plot: false },
  weights: DEFAULT_WEIGHTS,
  normalizers: DEFAULT_NORMALIZERS,
  uncertaintyProb: 0.1,
  randomProb: 0.1,
  surrogate: DEFAULT_SURROGATE,
  gobi: DEFAULT_GOBI,
  gobiStarts: DEFAULT_ENGINE.gobiStarts,
  projectionCandidates: DEFAULT_ENGINE.projectionCandidates,
};

/**
 * Options given directly (tests, benches) resolved the way the kernel resolves a manifest's:
 * deep-merged over defaultOptions. Idempotent, so options the kernel already merged pass unchanged.
 */
export function resolveBoshOptions(options: BoshOptionsInput = {}): BoshOptions {
  return deepMerge(defaultOptions, options);
}

/** A closed object: every key typed, a typo is an error that names it. */
const closed = (properties: Record<string, object>, description?: string) => ({ type: 'object', additionalProperties: false, properties, ...(description ? { description } : {}) });
const int = (minimum: number, description?: string) => ({ type: 'integer', minimum, ...(description ? { description } : {}) });
const positive = { type: 'number', exclusiveMinimum: 0 };
const widths = (description: string) => ({ type: 'array', minItems: 1, items: { type: 'integer', minimum: 1 }, description });

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    mode: { enum: ['nas', 'codesign'] },
    strategy: { enum: ['boshnas', 'random', 'evolution'] },
    budget: int(1),
    resume: { type: 'boolean' },
    seed: { type: 'integer' },
    batchSize: int(1),
    numInit: int(1),
    candidates: int(2),
    embeddingDims: int(1),
    capacityFeatures: { type: 'boolean' },
    accelerators: int(1),
    space: closed(
      {
        inputShape: { type: 'array', items: { type: 'integer', minimum: 1 }, minItems: 3, maxItems: 3, description: 'input image [channels, height, width]' },
        classes: int(2),
        stemChannels: widths('stem convolution widths to choose from'),
        convChannels: widths('cell convolution widths to choose from'),
        kernels: widths('convolution kernel sizes to choose from'),
        maxOps: int(1, 'op vertices per cell module'),
        cellsPerStage: {
          type: 'array',
          minItems: 1,
          items: { type: 'array', items: { type: 'integer', minimum: 0 }, minItems: 2, maxItems: 2 },
          description: 'cells in each stage (separated by 2x2 reductions): [min, max]',
        },
        denseWidths: widths('hidden dense-layer widths to choose from'),
        maxEdges: int(1, 'at most this many edges per module'),
      },
      'the generated CNN space',
    ),
    evaluator: closed({
      kind: { enum: ['tfjs', 'table'] },
      table: { type: 'string' },
      cacheFile: { type: 'string' },
      dataDir: { type: 'string' },
      epochs: int(1),
      trainSize: int(2),
      valSize: int(1),
      testSize: int(1),
      batchSize: int(2),
      learningRate: { type: 'number' },
    }),
    hardwareBackend: { type: 'string' },
    hardwareBackendOptions: {
      type: 'object',
      description: "options of the hardware backend named by hardwareBackend, checked against that backend's optionsSchema when it is loaded",
      // the manifest schema (`fuseflow schema`) checks them per backend id through this link
      fuseflowOptionsOf: { kind: 'backend', idFrom: 'hardwareBackend', default: 'systolic' },
    },
    weights: closed(Object.fromEntries(Object.keys(DEFAULT_WEIGHTS).map((k) => [k, { type: 'number', minimum: 0 }]))),
    normalizers: closed(Object.fromEntries(Object.keys(DEFAULT_NORMALIZERS).map((k) => [k, positive]))),
    uncertaintyProb: { type: 'number', minimum: 0, maximum: 1 },
    randomProb: { type: 'number', minimum: 0, maximum: 1 },
    surrogate: closed(
      {
        epochs: int(1),
        learningRate: positive,
        dropout: { type: 'number', minimum: 0, exclusiveMaximum: 1 },
        mcSamples: int(1, 'Monte-Carlo dropout samples per prediction'),
        branchWidth: int(1),
        hidden: int(1),
      },
      'heteroscedastic surrogate (teacher/student MLPs)',
    ),
    gobi: closed(
      {
        iterations: int(1),
        learningRate: positive,
        k: { type: 'number', minimum: 0, description: 'exploration constant of z = mu - k * sigma' },
        tol: { type: 'number', minimum: 0 },
        patience: int(0),
        hvpEps: positive,
      },
      'second-order GOBI optimisation of the acquisition',
    ),
    gobiStarts: int(1),
    projectionCandidates: int(1),
    stopAfter: int(0),
  },
};
