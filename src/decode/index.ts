export * from './text';
export * from './vocab';
export * from './greedy';
export * from './ngram-lm';
export * from './prefix-beam';
