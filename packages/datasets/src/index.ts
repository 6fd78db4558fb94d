export * from './catalog';
export * from './load';
export * from './source';
