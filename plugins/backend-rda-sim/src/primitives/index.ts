/*
 * The primitives, one file per family as SAM's sim/src/ is laid out: base (the shared DAM-like
 * context), scanners, repeaters, joiners (intersect/union, locate), arrays, ALUs, reducers and
 * sparse accumulators, coordinate managers (drop/hold), fork/join, writers. Timing parameters
 * live in ../timing.ts.
 */
export * from './base';
export * from './hbm';
export * from './ops';
export * from './tiles';
export * from './scanners';
export * from './repeaters';
export * from './joiners';
export * from './arrays';
export * from './alus';
export * from './reducers';
export * from './crd-manager';
export * from './fork-join';
export * from './writers';
