export { buildCorpus, corpusDir, cacheDir, DEFAULT_SEED, RECIPE_VERSION } from './build';
export type { BuildOptions, CorpusInfo, SplitStats } from './build';
export { PROFILE_SPECS, SPLITS, SUBSETS } from './plan';
export { BASE_VOICES } from './voices';
