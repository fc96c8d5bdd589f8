export * from './figure';
export * from './svg';
export * from './notebook';
export * from './table';
export * from './export';
export * from './claims';
