export {
  exprIndexVars,
  statementIndexVars,
  renameIndexVars,
  substituteAccesses,
  exprTensors,
} from './expr-utils';
export {
  defaultGroups,
  effectiveGroups,
  producerIndex,
  groupOutputs,
  groupInternals,
  normalizeGroups,
  validateGroups,
  inlineGroup,
  fusedProgram,
} from './groups';
export type { LoopArc } from './loop-order';
export { loopIndexArcs, loopIndexPartialOrder, enumerateLoopOrders, countLoopOrders, checkLoopOrder } from './loop-order';
export type { Segmentation, GranularityOptions } from './granularity';
export {
  LAYER_ACTIVATIONS,
  isDataMovement,
  segmentationToGroups,
  splitToSingleOutput,
  splitToOrderable,
  hasLoopOrder,
  unfusedSegmentation,
  fullSegmentation,
  layerSegmentation,
  contiguousSegmentations,
} from './granularity';
