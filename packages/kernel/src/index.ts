import 'reflect-metadata';

export * from './plugin';
export * from './events';
export * from './errors';
