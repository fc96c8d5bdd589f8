export * from './profiles';
export * from './suites';
export * from './plan';
export * from './store';
export * from './executor';
export * from './runner';
export * from './report';
export * from './notebook';
