export * from './masked-prediction';
export * from './ctc';
export * from './kmeans-targets';
export * from './offline-relabel';
