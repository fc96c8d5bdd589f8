export * from './fft';
export * from './mel';
export * from './logmel';
export * from './normalize';
export * from './stack';
