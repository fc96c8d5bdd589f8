export * from './masked-prediction';
export * from './ctc';
export * from './offline-relabel';
