export * from './linear-probe';
export * from './phone-probe';
export * from './label-streams';
export * from './label-snapshots';
