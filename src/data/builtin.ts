/**
 * The built-in corpus from code that runs from the compiled package (notebooks): where it lives, and building
 * it on demand by running `birq data build` (the builder in data-scripts/ is not part of dist/).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { fail } from '../util/errors';
import { dataRoot, Profile } from '../util/paths';
import { openCorpus } from './corpus';
import { ManifestEntry } from './manifest';

/** `dataRoot()/austen-<profile>`: where `birq data build --profile P` writes. */
export function builtinCorpusDir(profile: Profile, root = dataRoot()): string {
  return path.join(root, `austen-${profile}`);
}

export function isCorpusComplete(dir: string): boolean {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'corpus.json'), 'utf8')).complete === true;
  } catch {
    return false;
  }
}

/** The built-in corpus's manifest rows; builds it first (minutes for `small`) when `build` and it is missing. */
export function builtinCorpus(profile: Profile, opts: { build?: boolean } = {}): { dir: string; rows: ManifestEntry[] } {
  const dir = builtinCorpusDir(profile);
  if (!isCorpusComplete(dir)) {
    if (!opts.build) fail(`the built-in ${profile} corpus is not built: run \`npm run birq -- data build --profile ${profile}\``, dir);
    // From src/data or dist/data, the repository root is two levels up.
    const root = path.resolve(__dirname, '..', '..');
    const cli = path.join(root, 'src', 'cli', 'main.ts');
    // `--import tsx` (ESM loader): the CLI loads its commands with dynamic import(), which tsx/cjs alone cannot resolve.
    const tsx = pathToFileURL(require.resolve('tsx', { paths: [root] })).href;
    const r = spawnSync(process.execPath, ['--import', tsx, cli, 'data', 'build', '--profile', profile], { cwd: root, stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) fail(`building the ${profile} corpus failed: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' | ')}`, dir);
  }
  return { dir, rows: openCorpus(dir) };
}
