/**
 * Convenience for other areas: everything about one utterance of a corpus in one call — log-mel [T, 80]
 * (cached when a FeatureCache is given) and frame-level phone ids at the 10 ms feature rate, or at the
 * stacked rate (hop · stack) by majority over each stacked window.
 */
import { computeLogMel, Features } from '../features/logmel';
import { fail } from '../util/errors';
import { FeatureCache } from './cache';
import { loadUtteranceAudio } from './corpus';
import { ManifestEntry } from './manifest';
import { frameLabels } from './segments';

export const FEATURE_HOP_S = 0.01;

export function utteranceFeatures(e: ManifestEntry, cache?: FeatureCache): Features {
  return cache ? cache.get(e) : computeLogMel(loadUtteranceAudio(e), 16000);
}

/** Phone ids (PHONE_SET indices) for `frames` frames at shift 10 ms · stack. */
export function utterancePhoneLabels(e: ManifestEntry, frames: number, stack = 1): Int32Array {
  if (!e.segments) fail(`utterance ${e.id} has no phone segments (only the built-in corpus carries alignments)`, e.audio);
  const hop = FEATURE_HOP_S * stack;
  // A stacked frame t covers 10 ms frames s·t .. s·t+s-1, centred at hop·t + (s-1)·5 ms.
  if (stack === 1) return frameLabels(e.segments, frames, hop);
  const shifted = e.segments.map((s) => ({ ...s, start: s.start - ((stack - 1) * FEATURE_HOP_S) / 2, end: s.end - ((stack - 1) * FEATURE_HOP_S) / 2 }));
  return frameLabels(shifted, frames, hop, 'majority', hop);
}
