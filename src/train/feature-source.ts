/**
 * What the training loop consumes: batches of features, addressed by step so that a resumed run sees exactly
 * the batches an uninterrupted one would (no hidden iterator state to checkpoint).
 *
 * `toy` is a stand-in corpus until src/data lands and for fast tests: "utterances" are sequences of phone-like
 * segments (each a fixed random 80-dim spectrum prototype with per-frame noise, 3–12 stacked frames long, phones
 * following a fixed random bigram order), so masked frames are predictable from context and masked-prediction
 * accuracy can rise well above chance, unlike i.i.d. random features.
 */
import { PaddedBatch } from '../data/batching';
import { Problem } from '../data/problems';
import { LOGMEL_DEFAULTS } from '../features/logmel';
import { SUBSAMPLING } from '../model/config';
import { BirqError } from '../util/errors';
import { Rng } from '../util/rng';

/** One batch: feats is [B, T, F] row-major (padding frames are zero), lengths in input frames. */
export interface FeatureBatch {
  feats: Float32Array;
  shape: [number, number, number];
  lengths: number[];
  ids: string[];
}

/**
 * The one batch builder's last step: data/batching.ts's padBatch (zero padding to whole encoder frames) as
 * the loop's FeatureBatch.
 */
export function toFeatureBatch(p: PaddedBatch, ids: string[]): FeatureBatch {
  return { feats: p.data, shape: [p.batch, p.frames, p.bins], lengths: p.lengths, ids };
}

export interface FeatureSource {
  readonly description: string;
  /** What `--skip-bad` went past to build this source (corpus sources; absent or empty otherwise). */
  readonly skipped?: readonly Problem[];
  /** Batch for a step (deterministic in the step). */
  batchAt(step: number): FeatureBatch;
  /** A fixed probe set (the same every call) for label snapshots. */
  probe(): FeatureBatch;
}

export interface ToySourceOptions {
  seed: number;
  batchSize: number;
  /** Input frames per utterance (max); lengths vary in [frames/2, frames], whole encoder frames (SUBSAMPLING). */
  frames: number;
  melBins?: number;
  phones?: number;
  probeSize?: number;
}

export class ToyFeatureSource implements FeatureSource {
  readonly description: string;
  private readonly protos: Float32Array[];
  private readonly next: Int32Array;
  private readonly F: number;

  constructor(readonly opts: ToySourceOptions) {
    this.F = opts.melBins ?? LOGMEL_DEFAULTS.nMels;
    const P = opts.phones ?? 24;
    if (opts.frames < 2 * SUBSAMPLING || opts.frames % SUBSAMPLING !== 0) throw new BirqError(`toy source: frames ${opts.frames} must be a multiple of ${SUBSAMPLING}, >= ${2 * SUBSAMPLING}`);
    const rng = new Rng(opts.seed ^ 0x5eed);
    this.protos = Array.from({ length: P }, () => Float32Array.from({ length: this.F }, () => rng.normal()));
    this.next = Int32Array.from({ length: P }, () => rng.int(P));
    this.description = `toy: ${P} phone prototypes, batch ${opts.batchSize} x <=${opts.frames} frames x ${this.F}`;
  }

  batchAt(step: number): FeatureBatch {
    return this.make(new Rng([step + 1, this.opts.seed >>> 0, 0x70b, 1]), this.opts.batchSize, `s${step}`);
  }

  probe(): FeatureBatch {
    return this.make(new Rng([0xbeef, this.opts.seed >>> 0, 0x70b, 2]), this.opts.probeSize ?? 4, 'probe');
  }

  private make(rng: Rng, B: number, tag: string): FeatureBatch {
    const T = this.opts.frames;
    const F = this.F;
    const feats = new Float32Array(B * T * F);
    const lengths: number[] = [];
    for (let b = 0; b < B; b++) {
      const half = T / (2 * SUBSAMPLING); // encoder frames in half an utterance
      const n = SUBSAMPLING * (half + rng.int(half + 1)); // [T/2, T] input frames, whole encoder frames
      lengths.push(n);
      let phone = rng.int(this.protos.length);
      let t = 0;
      while (t < n) {
        const dur = SUBSAMPLING * (3 + rng.int(10)); // 3..12 stacked frames
        const proto = this.protos[phone];
        for (let u = t; u < Math.min(n, t + dur); u++)
          for (let f = 0; f < F; f++) feats[(b * T + u) * F + f] = proto[f] + 0.3 * rng.normal();
        t += dur;
        phone = rng.uniform() < 0.8 ? this.next[phone] : rng.int(this.protos.length);
      }
    }
    return { feats, shape: [B, T, F], lengths, ids: Array.from({ length: B }, (_, i) => `${tag}-${i}`) };
  }
}
