/**
 * Mean/variance normalization, per utterance (over its own valid frames) or with global statistics accumulated
 * over a corpus (saved next to it as JSON, so training and evaluation share them). The per-utterance one has
 * two forms over the same statistics (population mean and variance over time, per dimension):
 *   perUtteranceNormalize(f)             features [T, F] in JS (float64 sums): (x − μ) / max(σ, 1e-5)
 *   perUtteranceNormalizeTensor(x, mask) tensors [B, T, D] on the backend:    (x − μ) / sqrt(σ² + ε), ε = 1e-5
 * The first feeds the encoder (log-mel CMVN); the second normalizes the anchor quantizer's stacked input and
 * (enhanced.norm = 'utterance') block k's output. They differ only in the guard against a constant dimension,
 * kept as is so that existing runs reproduce bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../util/errors';
import { readJson, writeJsonAtomic } from '../util/fs';
import { Features } from './logmel';

const STD_FLOOR = 1e-5;

export function perUtteranceNormalize(f: Features): Features {
  const st = new GlobalStats(f.bins);
  st.add(f);
  return st.finalize().apply(f);
}

/** Running sums in float64 (Chan et al. would be more robust; log-mel ranges make plain sums safe here). */
export class GlobalStats {
  count = 0;
  sum: Float64Array;
  sumSq: Float64Array;
  constructor(readonly bins: number) {
    this.sum = new Float64Array(bins);
    this.sumSq = new Float64Array(bins);
  }

  add(f: Features): void {
    if (f.bins !== this.bins) fail(`GlobalStats.add: features have ${f.bins} bins, stats have ${this.bins}`);
    const { data, frames, bins } = f;
    for (let t = 0; t < frames; t++) for (let b = 0; b < bins; b++) {
      const v = data[t * bins + b];
      this.sum[b] += v;
      this.sumSq[b] += v * v;
    }
    this.count += frames;
  }

  finalize(): NormStats {
    if (!this.count) fail('GlobalStats: no frames accumulated');
    const mean = Array.from(this.sum, (s) => s / this.count);
    const std = Array.from(this.sumSq, (s, b) => Math.max(STD_FLOOR, Math.sqrt(Math.max(0, s / this.count - mean[b] ** 2))));
    return new NormStats(mean, std, this.count);
  }
}

export class NormStats {
  constructor(readonly mean: number[], readonly std: number[], readonly frames: number) {}

  /** (x - mean) / std per bin; returns new features. */
  apply(f: Features): Features {
    if (f.bins !== this.mean.length) fail(`NormStats.apply: features have ${f.bins} bins, stats have ${this.mean.length}`);
    const out = new Float32Array(f.data.length);
    const { bins } = f;
    const inv = this.std.map((s) => 1 / s);
    for (let i = 0; i < out.length; i++) {
      const b = i % bins;
      out[i] = (f.data[i] - this.mean[b]) * inv[b];
    }
    return { data: out, frames: f.frames, bins };
  }

  save(file: string): void {
    writeJsonAtomic(file, { kind: 'birq-global-cmvn', frames: this.frames, mean: this.mean, std: this.std });
  }

  static load(file: string): NormStats {
    const j = readJson<{ kind: string; frames: number; mean: number[]; std: number[] }>(file, 'normalization statistics');
    if (j.kind !== 'birq-global-cmvn' || !Array.isArray(j.mean) || !Array.isArray(j.std) || j.mean.length !== j.std.length)
      fail('not a normalization statistics file (expected kind "birq-global-cmvn" with mean and std arrays)', file);
    return new NormStats(j.mean, j.std, j.frames);
  }
}

/**
 * Per-utterance standardization of [B, T, D] over the valid frames of each utterance (`mask` [B, T], 1 = valid;
 * padding stays 0). BEST-RQ notes that the quantizer needs normalized input, otherwise a few codes take almost
 * all frames; data2vec normalizes its teacher's layers the same way (instance norm over time).
 */
export function perUtteranceNormalizeTensor(x: tf.Tensor3D, mask: tf.Tensor2D, eps = 1e-5): tf.Tensor3D {
  return tf.tidy(() => {
    const m = tf.expandDims(mask, -1); // [B, T] -> [B, T, 1]
    const n = tf.maximum(tf.sum(m, 1, true), 1); // [B, 1, 1]
    const mean = tf.div(tf.sum(tf.mul(x, m), 1, true), n); // [B, 1, D]
    const c = tf.mul(tf.sub(x, mean), m);
    const variance = tf.div(tf.sum(tf.square(c), 1, true), n);
    return tf.div(c, tf.sqrt(tf.add(variance, eps))) as tf.Tensor3D;
  });
}
