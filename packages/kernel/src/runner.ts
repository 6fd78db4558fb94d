/* The runner, split by concern: planning (plan.ts), running (session.ts), saving (output.ts). */
export * from './plan';
export * from './session';
export * from './output';
export type * from './results';
