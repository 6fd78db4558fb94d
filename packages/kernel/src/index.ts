import 'reflect-metadata';

export * from './plugin';
export * from './events';
export * from './errors';
export * from './manifest';
export * from './manifest-schema';
export * from './pass-pipeline';
export * from './plugin-loader';
export * from './plugin-options';
export * from './runner';
export * from './stages';
export { editDistance, didYouMean } from './suggest';
export { deepMerge } from './merge';
export * from './define-pass';
export * from './define-plugin';
