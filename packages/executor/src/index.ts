export * from './types';
export * from './result-store';
export * from './run-jobs';
export * from './inline-executor';
export * from './pool-executor';
export * from './redis-executor';
export { loadHandler, describeError, handlerModule } from './load-handler';
export * from './job-kinds';
export * from './worker-command';
