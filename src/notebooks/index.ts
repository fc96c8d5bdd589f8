export * from './execute';
