/**
 * BEST-RQ span masking (docs/method.md §3) on stacked (encoder) frames of 40 ms.
 *
 * Each valid stacked frame starts a span with probability p (paper 0.01); a span covers L frames (400 ms = 10
 * stacked frames), cut at the utterance end; spans may overlap; an utterance where no span started gets one
 * span at a uniform start. Padding is never masked. Masked input frames are replaced by N(0, noiseStd²) noise.
 *
 * Expected masked fraction for an utterance of n frames (exact for this procedure):
 *   E = (1/n) Σ_{t=0}^{n-1} [1 - (1-p)^{min(t+1, L)}]  +  (1-p)^n · min(L, n) / n
 * Away from the start edge a frame is masked iff one of the L starts covering it fired: 1 - (1-p)^L
 * (p = 0.01, L = 10: 9.6%); the first L-1 frames have fewer covering starts (edge effect, lower); the second
 * term is the forced span when no start fired (matters for short utterances).
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape, BirqError } from '../util/errors';
import { normalFloats, Rng } from '../util/rng';


export interface SpanMaskOptions {
  /** Start probability per stacked frame. */
  startProb: number;
  /** Span length in stacked frames. */
  spanFrames: number;
}

/** Mask [B·T] (1 = masked) over stacked frames for valid lengths (stacked frames) and padded length T. */
export function spanMask(lengths: ArrayLike<number>, T: number, opts: SpanMaskOptions, rng: Rng): Uint8Array {
  const { startProb: p, spanFrames: L } = opts;
  if (!(p >= 0 && p <= 1)) throw new BirqError(`spanMask: startProb ${p} is not in [0, 1]`);
  if (!(L >= 1)) throw new BirqError(`spanMask: spanFrames ${L} must be >= 1`);
  const B = lengths.length;
  const mask = new Uint8Array(B * T);
  for (let b = 0; b < B; b++) {
    const n = Math.min(T, lengths[b]);
    const row = mask.subarray(b * T, b * T + n);
    let started = false;
    for (let t = 0; t < n; t++) {
      if (rng.uniform() < p) {
        row.fill(1, t, Math.min(n, t + L));
        started = true;
      }
    }
    if (!started && n > 0) {
      const s = rng.int(Math.max(1, n - L + 1));
      row.fill(1, s, Math.min(n, s + L));
    }
  }
  return mask;
}

/** The formula above, for tests and notebooks. */
export function expectedMaskedFraction(n: number, p: number, L: number): number {
  let s = 0;
  for (let t = 0; t < n; t++) s += 1 - Math.pow(1 - p, Math.min(t + 1, L));
  return (s + Math.pow(1 - p, n) * Math.min(L, n)) / n;
}

/**
 * Replace masked stacked frames' input frames by noise: feats [B, S·T', F] (S input frames per stacked frame;
 * frames past S·T are left as they are), mask [B·T] over stacked frames -> [B, S·T', F].
 */
export function applySpanMask(feats: tf.Tensor3D, mask: Uint8Array, T: number, stack: number, noiseStd: number, seed: number): tf.Tensor3D {
  const [B, Tin, F] = feats.shape;
  assertShape('applySpanMask', 'mask', [mask.length], [B * T]);
  return tf.tidy(() => {
    const m = new Float32Array(B * Tin);
    for (let b = 0; b < B; b++)
      for (let t = 0; t < T; t++) if (mask[b * T + t]) m.fill(1, b * Tin + t * stack, b * Tin + Math.min(Tin, (t + 1) * stack));
    const m3 = tf.tensor3d(m, [B, Tin, 1]); // [B·T_in] -> [B, T_in, 1]
    const noise = tf.tensor3d(normalFloats(B * Tin * F, seed, noiseStd), [B, Tin, F]);
    return tf.add(tf.mul(feats, tf.sub(1, m3)), tf.mul(noise, m3)) as tf.Tensor3D;
  });
}
