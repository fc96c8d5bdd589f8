export * from './edit-distance';
export * from './error-rate';
export * from './label-quality';
export * from './agreement';
export * from './ami';
export * from './label-chance';
export * from './bootstrap';
