export * from './tensor/types';
export * from './program/ast';
export * from './model/graph';
export * from './stages';
export * from './dataflow/graph';
