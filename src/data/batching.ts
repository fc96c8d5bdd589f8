/**
 * Length-bucketed batches with padding masks. Utterances are sorted by length within buckets of
 * `bucketSize` shuffled utterances, cut into batches of at most `batchSize` utterances and `maxFrames`
 * padded frames (B · T_max), and the batch order is shuffled: deterministic given `seed` (and `epoch`, which
 * is mixed into the seed so each epoch differs reproducibly).
 */
import { fail } from '../util/errors';
import { Rng } from '../util/rng';
import { Features } from '../features/logmel';

export interface BatchOptions {
  batchSize?: number;
  /** Upper bound on B · T_max (padded frames per batch). */
  maxFrames?: number;
  bucketSize?: number;
  seed?: number;
  epoch?: number;
  shuffle?: boolean;
}

/** Indices into `lengths`, grouped into batches. */
export function makeBatches(lengths: number[], o: BatchOptions = {}): number[][] {
  const batchSize = o.batchSize ?? 16;
  const maxFrames = o.maxFrames ?? Infinity;
  const bucketSize = o.bucketSize ?? batchSize * 8;
  const rng = new Rng(((o.seed ?? 0) ^ Math.imul((o.epoch ?? 0) + 1, 0x9e3779b1)) >>> 0);
  const idx = lengths.map((_, i) => i);
  if (o.shuffle !== false) rng.shuffle(idx);
  const batches: number[][] = [];
  for (let b0 = 0; b0 < idx.length; b0 += bucketSize) {
    const bucket = idx.slice(b0, b0 + bucketSize).sort((a, b) => lengths[a] - lengths[b] || a - b);
    let cur: number[] = [];
    let tMax = 0;
    for (const i of bucket) {
      const t = Math.max(tMax, lengths[i]);
      if (cur.length && (cur.length >= batchSize || t * (cur.length + 1) > maxFrames)) {
        batches.push(cur);
        cur = [];
      }
      tMax = cur.length ? Math.max(tMax, lengths[i]) : lengths[i];
      cur.push(i);
    }
    if (cur.length) batches.push(cur);
  }
  if (o.shuffle !== false) rng.shuffle(batches);
  return batches;
}

export interface PaddedBatch {
  /** [B, T, F] row-major, zeros past each length. */
  data: Float32Array;
  /** [B, T]: 1 for real frames, 0 for padding. */
  mask: Uint8Array;
  lengths: number[];
  batch: number;
  frames: number;
  bins: number;
}

/** Pad features to the longest (or `padTo` frames, e.g. a multiple of the stacking factor). */
export function padBatch(feats: Features[], padTo?: number): PaddedBatch {
  if (!feats.length) fail('padBatch: empty batch');
  const bins = feats[0].bins;
  for (const f of feats) if (f.bins !== bins) fail(`padBatch: features with ${f.bins} and ${bins} bins in one batch`);
  let T = Math.max(...feats.map((f) => f.frames));
  if (padTo) T = Math.ceil(T / padTo) * padTo;
  const B = feats.length;
  const data = new Float32Array(B * T * bins);
  const mask = new Uint8Array(B * T);
  feats.forEach((f, b) => {
    data.set(f.data, b * T * bins);
    mask.fill(1, b * T, b * T + f.frames);
  });
  return { data, mask, lengths: feats.map((f) => f.frames), batch: B, frames: T, bins };
}
