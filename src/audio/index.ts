export * from './types';
export * from './wav';
export * from './flac';
export * from './resample';
export * from './read';
export * from './html';
