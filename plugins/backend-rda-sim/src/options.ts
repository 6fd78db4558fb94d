import { TIMING_PROFILES, TIMING_PROFILE_SCHEMA, type TimingProfileInput } from './timing';

/** Options of the rda-sim backend (validated by the kernel against optionsSchema). */
export interface RdaSimOptions {
  engine: 'fast' | 'reference';
  timingProfile: string | TimingProfileInput;
  /** default channel capacity (0 = unbounded, as Comal). */
  channelDepth: number;
  hbm: boolean;
  checkValues: boolean;
  rtol: number;
  atol: number;
  /** 0 = no budget. */
  cycleBudget: number;
  writeOutputs: boolean;
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
    hbm: { type: 'boolean', description: "8-channel HBM model with Comal's parameters" },
    checkValues: { type: 'boolean', description: 'compare outputs with the reference evaluator' },
    rtol: { type: 'number', minimum: 0 },
    atol: { type: 'number', minimum: 0 },
    cycleBudget: { type: 'integer', minimum: 0, description: 'FF_SIM_BUDGET when a graph runs longer; 0 = none' },
    writeOutputs: { type: 'boolean', description: 'write output tensors as MatrixMarket into the run directory' },
  },
} as const;
