/**
 * Mean/variance normalization of [T, F] features, per utterance (CMVN over its own frames) or with global
 * statistics accumulated over a corpus (saved next to it as JSON, so training and evaluation share them).
 * Variance is the population variance; `std` is floored at 1e-5 so constant bins do not blow up.
 */
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
