export * from './span-masking';
export * from './masked-ce';
export * from './bilevel';
export * from './ctc';
