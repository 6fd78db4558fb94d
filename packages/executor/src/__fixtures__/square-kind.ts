import { registerJobKind } from '../job-kinds';

/** The test job kind, registered the way an installed plugin's package.json registers its kinds. */
export const SQUARE_KIND = 'test.square';

export function registerSquareKind(): void {
  registerJobKind({
    kind: SQUARE_KIND,
    module: require.resolve('./square-job.js'),
    schema: {
      type: 'object',
      properties: {
        x: { type: 'integer', minimum: 0 },
        ms: { type: 'number', minimum: 0 },
        cpuMs: { type: 'number', minimum: 0 },
        spins: { type: 'integer', minimum: 0 },
        fail: { type: 'boolean' },
        crash: { type: 'boolean' },
        trace: { type: 'string' },
      },
      required: ['x'],
      additionalProperties: false,
    },
  });
}
