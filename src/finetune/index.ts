export * from './config';
export * from './data';
export * from './model';
export * from './eval';
export * from './finetune';
