export { runCli, main, buildProgram, formatRunTable, summariseOptions, BUILTIN_COMMANDS } from './main';
export { exitCodeFor, formatError } from './errors';
export { attachProgress } from './progress';
export { formatTable, formatNumber } from './table';
export { memoryIo, processIo } from './io';
