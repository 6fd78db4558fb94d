export type { TensorStat, ProgramStats, ManifestStats } from './stats';
export { tensorStat, statsFromData, statsFromManifest, existence, projectionPresence } from './stats';
export type { StatementCost, GroupCost, CostEstimate, EstimateOptions } from './cost';
export { WORD_BYTES, indexDims, estimateStatement, estimateCost, deriveStats, paretoPrune } from './cost';
export type { LoopOrderSearchOptions, LoopOrderSearchResult } from './order-search';
export { searchLoopOrder, isStreamableOrder, orderFusedGroups } from './order-search';
