/**
 * What training reads: the utterances of a split whose lines are good AND whose audio decodes. Problems of
 * either kind refuse the corpus by default (listed as `birq data check` does); with `skipBad` (`--skip-bad`,
 * or BIRQ_SKIP_BAD=1) the run goes on with the good part and the skipped ones are returned, to be counted in
 * the run directory. Audio is probed through the feature cache, so the cost is the first epoch's, paid once.
 */
import { BirqError } from '../util/errors';
import { FeatureCache } from './cache';
import { openCorpus } from './corpus';
import { ManifestEntry } from './manifest';
import { Problem, refuseProblems } from './problems';
import { utteranceFeatures } from './utterance';

/** `--skip-bad` of the CLI reaches the data sources through the environment (one switch for every command). */
export function skipBadRequested(): boolean {
  return process.env.BIRQ_SKIP_BAD === '1';
}

export interface Usable {
  rows: ManifestEntry[];
  skipped: Problem[];
}

export function usableUtterances(corpus: string, opts: { split?: string; skipBad?: boolean; cache?: FeatureCache; probeAudio?: boolean }): Usable {
  const skipBad = opts.skipBad ?? skipBadRequested();
  const skipped: Problem[] = [];
  const rows = openCorpus(corpus, { split: opts.split, skipBad, skipped });
  if (opts.probeAudio === false) return { rows, skipped };
  const bad: Problem[] = [];
  const good = rows.filter((e) => {
    try {
      utteranceFeatures(e, opts.cache);
      return true;
    } catch (err) {
      if (!(err instanceof BirqError)) throw err;
      const file = err.file ?? e.audio;
      bad.push({ file, id: e.id, problem: `${e.id}: ${err.file ? err.message.slice(err.file.length + 2) : err.message}`, splits: e.split ? [e.split] : undefined });
      return false;
    }
  });
  refuseProblems(corpus, bad, skipBad);
  if (!good.length) throw new BirqError(`no usable utterances${opts.split ? ` in split '${opts.split}'` : ''}: all ${rows.length} have problems`, corpus);
  return { rows: good, skipped: [...skipped, ...bad] };
}

/** The problems a run went past, for its config.json: the count and each one (the first `max`). */
export function skippedRecord(skipped: readonly Problem[], max = 200): { count: number; problems: Problem[]; more: number } {
  return { count: skipped.length, problems: skipped.slice(0, max).map((p) => ({ ...p })), more: Math.max(0, skipped.length - max) };
}

/** One line for a run's config.json: how many utterances were skipped, and the first few reasons. */
export function describeSkipped(skipped: Problem[]): string {
  if (!skipped.length) return '';
  const first = skipped.slice(0, 3).map((p) => `${p.file}${p.line ? ` line ${p.line}` : ''}: ${p.problem}`).join('; ');
  return `; --skip-bad skipped ${skipped.length} problem(s): ${first}${skipped.length > 3 ? '; ...' : ''}`;
}
