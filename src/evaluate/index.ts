export * from './linear-probe';
export * from './phone-probe';
