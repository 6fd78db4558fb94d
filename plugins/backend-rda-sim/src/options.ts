import type { SampleOptions } from './sampling/sampled';
import { TIMING_PROFILES, TIMING_PROFILE_SCHEMA, type TimingProfileInput } from './timing';

/** Options of the rda-sim backend (validated by the kernel against optionsSchema). */
export interface RdaSimOptions {
  engine: 'fast' | 'reference';
  timingProfile: string | TimingProfileInput;
  /** default channel capacity (0 = unbounded, as Comal). */
  channelDepth: number;
  /** true = 'shared' (Comal: one HBM per graph, nodes contend); 'private' = channels per node. */
  hbm: boolean | 'shared' | 'private';
  checkValues: boolean;
  rtol: number;
  atol: number;
  /** 0 = no budget. */
  cycleBudget: number;
  writeOutputs: boolean;
  /** sampled simulation (estimate with a 95 % interval); absent = exact. */
  sample?: SampleOptions;
}

export const defaultOptions: RdaSimOptions = {
  engine: 'fast',
  timingProfile: 'comal',
  channelDepth: 0,
  hbm: false,
  checkValues: true,
  rtol: 1e-6,
  atol: 1e-9,
  cycleBudget: 0,
  writeOutputs: true,
};

export const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    engine: { enum: ['fast', 'reference'], description: 'fast: event-driven; reference: cycle-stepping (slow, for cross-checks)' },
    timingProfile: {
      description: 'timing profile name or an object merged over its base profile',
      oneOf: [{ type: 'string', enum: Object.keys(TIMING_PROFILES) }, TIMING_PROFILE_SCHEMA],
    },
    channelDepth: { type: 'integer', minimum: 0, description: 'channel capacity in tokens; 0 = unbounded (Comal default)' },
    hbm: {
      description: "8-channel HBM model with Comal's parameters: true / 'shared' = one HBM per graph whose channels the memory nodes contend for (requests served in time order); 'private' = every memory node its own channels (no contention)",
      oneOf: [{ type: 'boolean' }, { type: 'string', enum: ['shared', 'private'] }],
    },
    checkValues: { type: 'boolean', description: 'compare outputs with the reference evaluator' },
    rtol: { type: 'number', minimum: 0 },
    atol: { type: 'number', minimum: 0 },
    cycleBudget: { type: 'integer', minimum: 0, description: 'FF_SIM_BUDGET when a graph runs longer; 0 = none' },
    writeOutputs: { type: 'boolean', description: 'write output tensors as MatrixMarket into the run directory' },
    sample: {
      type: 'object',
      description: 'sampled simulation: simulate a seeded random sample of the outer-loop units of every graph and extrapolate (estimate + 95 % CI); exactly one of fraction / units',
      additionalProperties: false,
      properties: {
        fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'share of each graph\'s units, in (0, 1]' },
        units: { type: 'integer', minimum: 1, description: 'units per graph (FF_OPTIONS_INVALID if a graph has fewer)' },
        seed: { type: 'integer', description: 'seed of the draw (default: the run seed)' },
        batches: { type: 'integer', minimum: 2, maximum: 1000, description: 'clusters the sample is split into; their spread gives the interval (default 8)' },
      },
      // Exactly one of fraction / units. The 'then' branch is written so the kernel's message
      // names the extra key and says why ("must NOT be valid" from a plain 'not' would not).
      anyOf: [{ required: ['fraction'] }, { required: ['units'] }],
      if: { required: ['fraction'] },
      then: { properties: { units: { const: '(omit "units" when "fraction" is given)' } } },
    },
  },
} as const;
