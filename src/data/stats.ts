/**
 * Corpus statistics: per split utterances, hours, speakers, words, phones; and global CMVN statistics over a
 * set of utterances (saved as `cmvn.json` next to the corpus by the builder and by `birq data stats --cmvn`).
 */
import * as path from 'node:path';
import { GlobalStats, NormStats } from '../features/normalize';
import { dataRoot } from '../util/paths';
import { Progress } from '../util/progress';
import { FeatureCache } from './cache';
import { ManifestEntry } from './manifest';
import { utteranceFeatures } from './utterance';

export interface SplitSummary { split: string; utterances: number; hours: number; speakers: number; words: number; meanSeconds: number; maxSeconds: number }

export function defaultFeatureCache(): FeatureCache {
  return new FeatureCache(path.join(dataRoot(), 'features'));
}

/** One row per split (and nested subset); entries without `split` count under 'all'. */
export function summarize(entries: ManifestEntry[]): SplitSummary[] {
  const groups = new Map<string, ManifestEntry[]>();
  for (const e of entries) for (const s of [e.split ?? 'all', ...(e.subsets ?? [])]) (groups.get(s) ?? groups.set(s, []).get(s)!).push(e);
  return [...groups].map(([split, es]) => {
    const secs = es.map((e) => e.duration ?? (e.numSamples && e.sampleRate ? e.numSamples / e.sampleRate : 0));
    const total = secs.reduce((a, b) => a + b, 0);
    return {
      split, utterances: es.length, hours: total / 3600, speakers: new Set(es.map((e) => e.speaker)).size,
      words: es.reduce((a, e) => a + (e.text ? e.text.split(' ').filter(Boolean).length : 0), 0),
      meanSeconds: total / es.length, maxSeconds: Math.max(...secs),
    };
  });
}

export function computeGlobalStats(entries: ManifestEntry[], cache?: FeatureCache, quiet = true): NormStats {
  const st = new GlobalStats(80);
  const p = new Progress('cmvn', entries.length, { quiet });
  for (const e of entries) {
    st.add(utteranceFeatures(e, cache));
    p.tick();
  }
  p.finish();
  return st.finalize();
}
