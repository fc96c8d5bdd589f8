/**
 * Batches ready for a model: log-mel (cached), optionally globally normalized, padded [B, T, F] with a mask,
 * plus frame-level phone labels padded with -1 when the corpus carries alignments. Batches come from
 * `makeBatches` (length-bucketed, deterministic given seed and epoch).
 */
import { Features } from '../features/logmel';
import { NormStats } from '../features/normalize';
import { BatchOptions, makeBatches, PaddedBatch, padBatch } from './batching';
import { FeatureCache } from './cache';
import { ManifestEntry } from './manifest';
import { utteranceFeatures, utterancePhoneLabels } from './utterance';

export interface LoaderOptions extends BatchOptions {
  cache?: FeatureCache;
  norm?: NormStats;
  /** Round T up to a multiple of this (e.g. the stacking factor). */
  padTo?: number;
  /** Attach frame phone labels at the 10 ms rate ([B, T], -1 on padding). */
  labels?: boolean;
}

export interface LoadedBatch extends PaddedBatch {
  ids: string[];
  texts: (string | undefined)[];
  /** [B, T] phone ids (PHONE_SET), -1 on padding; present when requested and every utterance has segments. */
  phoneLabels?: Int32Array;
}

/**
 * Frame counts without decoding audio, for bucketing: from `numSamples` or `duration` (1 + floor(n / 160)).
 * Entries without either are measured by computing their features (cached when a cache is given).
 */
export function frameCounts(entries: ManifestEntry[], cache?: FeatureCache): number[] {
  return entries.map((e) => {
    const n = e.numSamples ?? (e.duration !== undefined ? Math.round(e.duration * 16000) : undefined);
    return n !== undefined ? 1 + Math.floor(n / 160) : utteranceFeatures(e, cache).frames;
  });
}

export function* featureBatches(entries: ManifestEntry[], o: LoaderOptions = {}): Generator<LoadedBatch> {
  const batches = makeBatches(frameCounts(entries, o.cache), o);
  for (const idx of batches) {
    const es = idx.map((i) => entries[i]);
    const feats: Features[] = es.map((e) => {
      const f = utteranceFeatures(e, o.cache);
      return o.norm ? o.norm.apply(f) : f;
    });
    const b = padBatch(feats, o.padTo);
    const out: LoadedBatch = { ...b, ids: es.map((e) => e.id), texts: es.map((e) => e.text) };
    if (o.labels && es.every((e) => e.segments)) {
      const lab = new Int32Array(b.batch * b.frames).fill(-1);
      es.forEach((e, k) => lab.set(utterancePhoneLabels(e, feats[k].frames), k * b.frames));
      out.phoneLabels = lab;
    }
    yield out;
  }
}
