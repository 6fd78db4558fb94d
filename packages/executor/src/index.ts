export * from './types';
export * from './result-store';
export * from './run-jobs';
export * from './inline-executor';
export * from './pool-executor';
export * from './redis-executor';
export { loadHandler, describeError } from './load-handler';
export * from './worker-command';
