import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** Root of caches that are not data (a minified plotly bundle, compiled helpers). `BIRQ_CACHE` overrides. */
export function cacheRoot(): string {
  return process.env.BIRQ_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'birq-lab');
}

/** Root of generated data (corpora, feature caches). Outside the repo; `BIRQ_DATA` overrides. */
export function dataRoot(): string {
  return process.env.BIRQ_DATA ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'birq-lab', 'data');
}

/**
 * The one corpus resolver: an absolute or ./-relative path, or an existing path, is used as given; a bare name
 * (e.g. 'austen-smoke') is looked up under dataRoot().
 */
export function resolveCorpus(corpus: string): string {
  return path.isAbsolute(corpus) || corpus.startsWith('.') || fs.existsSync(corpus) ? corpus : path.join(dataRoot(), corpus);
}

/** Root of run directories (checkpoints, metrics, figures). `BIRQ_RUNS` overrides. */
export function runsRoot(): string {
  return process.env.BIRQ_RUNS ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'birq-lab', 'runs');
}

export type Profile = 'smoke' | 'small' | 'medium' | 'full';
export const PROFILES: readonly Profile[] = ['smoke', 'small', 'medium', 'full'];

/** The size profile: `BIRQ_PROFILE` (smoke for CI and tests, small for a laptop, full for the paper-shaped runs). */
export function profile(): Profile {
  const p = (process.env.BIRQ_PROFILE ?? 'small') as Profile;
  if (!PROFILES.includes(p)) throw new Error(`BIRQ_PROFILE=${p} is not one of ${PROFILES.join(', ')}`);
  return p;
}
