export * from './frozen';
export * from './stop-gradient';
export * from './random-projection';
export * from './gumbel';
export * from './usage';
export * from './kmeans';
