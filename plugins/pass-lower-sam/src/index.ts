export { lowerStatement, lowerProgram, groupStatement, normalizeStatement, chooseLoopOrder, type LowerOptions, type NormalizedStatement } from './lower';
export { LGraph } from './lgraph';
export { LowerSamPass, graphStats, type LowerSamOptions } from './plugin';
import plugin from './plugin';
export default plugin;
