export * from './errors';
export * from './fs';
export * from './paths';
export * from './rng';
export * from './progress';
