/** The public API of BiRQ Lab, as notebooks import it (`import * as birq from 'birq-lab'`). One line per area. */
export * from './util';
export * from './backend';
export * from './viz';
export * from './metrics';
export * from './decode';
export * from './audio';
export * from './features';
export * from './data';
export * from './quantizers';
export * from './model';
export * from './objectives';
export * from './train';
export * from './tasks';
export * from './finetune';
export * from './evaluate';
export * from './inspect';
export * from './experiments';
