/**
 * Gumbel quantizer for BiRQ's enhanced labels (docs/method.md §2): the encoder's own layer-k output h, with no
 * trainable parameter of its own,
 *
 *   z = norm(N(h) B)         N = LN without affine (per frame), or the identity when the caller has already
 *                            standardized h over time per utterance (enhancedNorm 'utterance', see below);
 *                            B [D, d] frozen Xavier-uniform, norm = l2
 *   logits = scale · <z, e_j> over a frozen unit codebook E [V, d]
 *   target = GumbelSoftmax(logits, τ)
 *
 * Modes (one option, docs/method.md §2):
 *   soft     the soft sample is the target; gradient flows through it into blocks 1..k (the paper's reading)
 *   hard-st  one-hot of the sample forward, the soft sample's gradient backward (straight-through)
 *   stopgrad one-hot argmax of the noise-free logits, no gradient (online HuBERT-style labels; an ablation)
 *
 * The paper says only that layer k is "normalized". Per-frame LayerNorm (our first reading, 'frame') keeps any
 * component every frame shares, and with gradient through soft targets the encoder is rewarded for making the
 * targets predictable: at c1-small it collapses to one code within 100 steps. Standardizing each feature over
 * the frames of its utterance ('utterance', as data2vec normalizes its teacher's layers and BEST-RQ its input)
 * removes what all frames share, so a constant target is impossible; 'whiten' also whitens the projected
 * features per utterance (whiten.ts), so they cannot collapse onto a few directions either. All three are kept:
 * the paper's reading is an arm. With 'whiten' the caller projects (`project`), whitens, and passes the
 * projected rows [N, d] with `{ projected: true }`.
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeKernel } from '../backend';
import { assertShape, BirqError } from '../util/errors';
import { Rng, uniformFloats } from '../util/rng';
import { l2Normalize, normalCodebook, xavierUniform } from './frozen';
import { stopGradient, straightThrough } from './stop-gradient';

export const GUMBEL_MODES = ['soft', 'hard-st', 'stopgrad'] as const;
export type GumbelMode = (typeof GUMBEL_MODES)[number];
/** How layer-k features are normalized before the projection (see the header). */
export const ENHANCED_NORMS = ['frame', 'utterance', 'whiten'] as const;
export type EnhancedNorm = (typeof ENHANCED_NORMS)[number];

export interface GumbelOptions {
  /** Encoder width D. */
  dim: number;
  codeDim?: number;
  numCodes?: number;
  /** Logit scale applied to the cosine (cosines in [-1, 1] are too flat for τ = 0.5 alone). */
  scale?: number;
  /** Gumbel-softmax temperature τ (paper: 0.5). */
  tau?: number;
  mode?: GumbelMode;
  /** Per-frame LayerNorm inside the quantizer (true), or rows arrive standardized already (false). */
  frameNorm?: boolean;
  seed: number;
}

/** LayerNorm over the last axis with no scale or shift: [..., D]. */
export function layerNormNoAffine<T extends tf.Tensor>(x: T, eps = 1e-5): T {
  return tf.tidy(() => {
    const mean = tf.mean(x, -1, true);
    const c = tf.sub(x, mean);
    const variance = tf.mean(tf.square(c), -1, true);
    return tf.mul(c, tf.rsqrt(tf.add(variance, eps))) as T;
  });
}

/** Pure layer: cosine logits [N, V] = scale · norm(N(h) B) Eᵀ for rows h [N, D] (N = LN when frameNorm). */
export function gumbelLogits(h: tf.Tensor2D, B: tf.Tensor2D, E: tf.Tensor2D, scale: number, frameNorm = true): tf.Tensor2D {
  return tf.tidy(() => {
    const z = l2Normalize(tf.matMul(frameNorm ? layerNormNoAffine(h) : h, B)); // [N, D] x [D, d] -> [N, d]
    return tf.mul(tf.matMul(z, E, false, true), scale) as tf.Tensor2D; // [N, d] x [d, V] -> [N, V]
  });
}

/**
 * Gumbel(0, 1) noise [N, V] from a seed: -log(-log U), U uniform in (0, 1) from util/rng's uniformFloats
 * (tf.randomUniform's seeded generator costs ~100 ms for 719 x 8192 on this machine). One native kernel where the
 * backend has it; otherwise the uniforms from JS and the logs on the backend (the same numbers up to the logs'
 * last bits).
 */
export function gumbelNoise(shape: [number, number], seed: number): tf.Tensor2D {
  if (hasNativeKernel('BirqGumbelNoise')) return tf.engine().runKernel('BirqGumbelNoise', {}, { shape, seed: seed >>> 0 }) as tf.Tensor2D;
  const u = uniformFloats(shape[0] * shape[1], seed);
  return tf.tidy(() => tf.neg(tf.log(tf.neg(tf.log(tf.tensor2d(u, shape))))) as tf.Tensor2D);
}

/** Pure layer: targets [N, V] from logits [N, V] for a mode; `seed` draws the Gumbel noise. */
export function gumbelTargets(logits: tf.Tensor2D, mode: GumbelMode, tau: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const V = logits.shape[1];
    if (mode === 'stopgrad') return stopGradient(tf.oneHot(tf.argMax(logits, -1), V).toFloat()) as tf.Tensor2D;
    const soft = tf.softmax(tf.div(tf.add(logits, gumbelNoise(logits.shape, seed)), tau)) as tf.Tensor2D;
    if (mode === 'soft') return soft;
    const hard = tf.oneHot(tf.argMax(soft, -1), V).toFloat() as tf.Tensor2D;
    return straightThrough(hard, soft);
  });
}

export class GumbelQuantizer {
  readonly dim: number;
  readonly codeDim: number;
  readonly numCodes: number;
  readonly scale: number;
  readonly tau: number;
  readonly mode: GumbelMode;
  readonly frameNorm: boolean;
  /** Frozen projection B [D, d] and unit codebook E [V, d]. */
  readonly projection: tf.Tensor2D;
  readonly codebook: tf.Tensor2D;

  constructor(opts: GumbelOptions) {
    this.dim = opts.dim;
    this.codeDim = opts.codeDim ?? 16;
    this.numCodes = opts.numCodes ?? 8192;
    this.scale = opts.scale ?? 10;
    this.tau = opts.tau ?? 0.5;
    this.mode = opts.mode ?? 'soft';
    this.frameNorm = opts.frameNorm ?? true;
    if (!GUMBEL_MODES.includes(this.mode)) throw new BirqError(`GumbelQuantizer: mode '${this.mode}' is not one of ${GUMBEL_MODES.join(', ')}`);
    if (!(this.tau > 0)) throw new BirqError(`GumbelQuantizer: tau must be > 0, got ${this.tau}`);
    const rng = new Rng(opts.seed);
    this.projection = xavierUniform(this.dim, this.codeDim, rng);
    this.codebook = normalCodebook(this.numCodes, this.codeDim, rng);
  }

  /** Cosine logits [N, V] of layer-k rows h [N, D]. */
  logits(h: tf.Tensor2D): tf.Tensor2D {
    assertShape('GumbelQuantizer.logits', 'h', h.shape, [null, this.dim]);
    return gumbelLogits(h, this.projection, this.codebook, this.scale, this.frameNorm);
  }

  /**
   * Targets [N, V] (soft, straight-through one-hot, or stopped one-hot, by mode) for rows h [N, D]. Same
   * numbers as gumbelTargets(logits(h)), computed as softmax((scale/τ)·z Eᵀ + g/τ): the scale and 1/τ act on
   * the [N, d] side, which saves two forward and two backward passes over the [N, V] tensors.
   */
  /** The frozen projection of rows h [N, D] -> [N, d] (after the per-frame LN when frameNorm), before the l2 norm. */
  project(h: tf.Tensor2D): tf.Tensor2D {
    assertShape('GumbelQuantizer.project', 'h', h.shape, [null, this.dim]);
    return tf.tidy(() => tf.matMul(this.frameNorm ? layerNormNoAffine(h) : h, this.projection) as tf.Tensor2D);
  }

  targets(h: tf.Tensor2D, seed: number): tf.Tensor2D {
    const { targets, labels } = this.targetsAndLabels(h, seed);
    labels.dispose();
    return targets;
  }

  /**
   * Targets [N, V] and the noise-free labels [N] of the same rows (the argmax of the logits before the Gumbel
   * noise: what snapshots store and what code-usage metrics must count; the argmax of a noised sample hides a
   * collapse, since the noise alone spreads it over many codes). One shared logits matMul.
   */
  targetsAndLabels(h: tf.Tensor2D, seed: number, opts: { projected?: boolean } = {}): { targets: tf.Tensor2D; labels: tf.Tensor1D } {
    if (this.mode === 'stopgrad') {
      const logits = opts.projected ? this.logitsOfProjected(h) : this.logits(h);
      const out = tf.tidy(() => ({ targets: gumbelTargets(logits, this.mode, this.tau, seed), labels: tf.argMax(logits, -1) as tf.Tensor1D }));
      logits.dispose();
      return out;
    }
    assertShape('GumbelQuantizer.targets', 'h', h.shape, [null, opts.projected ? this.codeDim : this.dim]);
    const clean = tf.tidy(() => {
      const p = opts.projected ? h : tf.matMul(this.frameNorm ? layerNormNoAffine(h) : h, this.projection);
      const z = tf.mul(l2Normalize(p), this.scale / this.tau); // [N, d]
      return tf.matMul(z, this.codebook, false, true) as tf.Tensor2D; // [N, V], logits / τ
    });
    const out = tf.tidy(() => {
      const noise = tf.mul(gumbelNoise([h.shape[0], this.numCodes], seed), 1 / this.tau);
      const soft = tf.softmax(tf.add(clean, noise)) as tf.Tensor2D; // [N, V]
      const labels = tf.argMax(clean, -1) as tf.Tensor1D;
      if (this.mode === 'soft') return { targets: soft, labels };
      return { targets: straightThrough(tf.oneHot(tf.argMax(soft, -1), this.numCodes).toFloat() as tf.Tensor2D, soft), labels };
    });
    clean.dispose();
    return out;
  }

  /** Cosine logits [N, V] of rows already projected [N, d] (enhanced.norm 'whiten'). */
  logitsOfProjected(p: tf.Tensor2D): tf.Tensor2D {
    assertShape('GumbelQuantizer.logitsOfProjected', 'p', p.shape, [null, this.codeDim]);
    return tf.tidy(() => tf.mul(tf.matMul(l2Normalize(p), this.codebook, false, true), this.scale) as tf.Tensor2D);
  }

  /** Noise-free labels [N] (int32): the enhanced label stream for snapshots and statistics. */
  labels(h: tf.Tensor2D, opts: { projected?: boolean } = {}): tf.Tensor1D {
    return tf.tidy(() => tf.argMax(opts.projected ? this.logitsOfProjected(h) : this.logits(h), -1) as tf.Tensor1D);
  }

  matrices(prefix = 'gumbel'): Record<string, tf.Tensor> {
    return { [`${prefix}.projection`]: this.projection, [`${prefix}.codebook`]: this.codebook };
  }

  dispose(): void {
    tf.dispose([this.projection, this.codebook]);
  }
}
