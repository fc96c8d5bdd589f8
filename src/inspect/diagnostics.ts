/**
 * What notebooks 02 and 03 show, as functions (the CLI's `birq inspect` prints the same numbers):
 *   rpqUsage       code usage of the random-projection quantizer on real features, with and without input
 *                  normalization (BEST-RQ: without it a few codes take most frames)
 *   maskingPicture one batch's span mask and the measured vs expected masked fraction
 *   gradientFlow   per block, the gradient norm that reaches it through the enhanced targets, per Gumbel mode
 *   layerTap       block-k outputs: shape, and cosine similarity to the last block's output
 */
import * as tf from '@tensorflow/tfjs';
import { Conformer } from '../model/conformer';
import { SUBSAMPLING } from '../model/config';
import { stackFramesTensor } from '../model/front-end';
import { lengthMask } from '../model/layers';
import { expectedMaskedFraction, spanMask } from '../objectives/span-masking';
import { GUMBEL_MODES, GumbelMode, GumbelQuantizer } from '../quantizers/gumbel';
import { perUtteranceNormalizeTensor } from '../features/normalize';
import { RandomProjectionQuantizer } from '../quantizers/random-projection';
import { codeUsage, CodeUsage } from '../quantizers/usage';
import { Rng } from '../util/rng';
import { PretrainConfig, spanFrames } from '../train/config';
import { FeatureBatch } from '../train/feature-source';
import { Reads, runAsync, runSync } from '../train/reads';

function featsTensor(b: FeatureBatch): tf.Tensor3D {
  return tf.tensor3d(b.feats, b.shape);
}

/** Valid (unpadded) stacked-frame labels of a [B·T] label array. */
function validLabels(labels: ArrayLike<number>, lengths: number[], T: number): number[] {
  const out: number[] = [];
  lengths.forEach((n, b) => {
    for (let t = 0; t < n; t++) out.push(labels[b * T + t]);
  });
  return out;
}

export interface RpqUsageRow {
  input: string;
  codes: number;
  used: number;
  perplexity: number;
  /** Share of frames taken by the 10 most used codes. */
  top10Share: number;
  usage: CodeUsage;
}

/**
 * Anchor-label usage on a batch for each codebook size, with raw input (`rawOffset` adds a per-bin offset like
 * un-normalized log-mel energies, since the corpus features arrive normalized) and with per-utterance
 * normalization.
 */
export function rpqUsage(batch: FeatureBatch, codebookSizes: number[], seed = 1, rawOffset = 5): RpqUsageRow[] {
  return runSync(rpqUsageReads(batch, codebookSizes, seed, rawOffset));
}

/** `rpqUsage` with awaited reads (WebGPU; what `birq inspect rpq` runs). */
export function rpqUsageAsync(batch: FeatureBatch, codebookSizes: number[], seed = 1, rawOffset = 5): Promise<RpqUsageRow[]> {
  return runAsync(rpqUsageReads(batch, codebookSizes, seed, rawOffset));
}

function* rpqUsageReads(batch: FeatureBatch, codebookSizes: number[], seed: number, rawOffset: number): Reads<RpqUsageRow[]> {
  const rows: RpqUsageRow[] = [];
  const [B, Tin, F] = batch.shape;
  const T = Math.floor(Tin / SUBSAMPLING);
  const encLengths = batch.lengths.map((n) => Math.floor(n / SUBSAMPLING));
  for (const V of codebookSizes) {
    const q = new RandomProjectionQuantizer({ inputDim: SUBSAMPLING * F, numCodes: V, seed });
    const offset = tf.tidy(() => tf.mul(tf.randomNormal([1, 1, F], 0, 1, 'float32', seed), rawOffset));
    for (const input of ['raw (unnormalized)', 'normalized per utterance']) {
      const labels = tf.tidy(() => {
        let x = featsTensor(batch);
        if (input.startsWith('raw')) x = tf.add(x, offset) as tf.Tensor3D;
        let u = stackFramesTensor(x);
        if (!input.startsWith('raw')) u = perUtteranceNormalizeTensor(u, lengthMask(encLengths, T));
        return q.labels(u)[0];
      });
      const usage = codeUsage(validLabels((yield [labels])[0], encLengths, T), V);
      labels.dispose();
      const sorted = Array.from(usage.histogram).sort((a, b) => b - a);
      rows.push({ input, codes: V, used: usage.used, perplexity: usage.perplexity, top10Share: sorted.slice(0, 10).reduce((s, c) => s + c, 0) / usage.total, usage });
    }
    offset.dispose();
    q.dispose();
  }
  void B;
  return rows;
}

export interface MaskingPicture {
  /** Mask [B][T] over stacked frames (1 masked, 0 kept, -1 padding). */
  mask: number[][];
  measured: number;
  expected: number;
  interiorRate: number;
}

export function maskingPicture(batch: FeatureBatch, c: PretrainConfig, seed = 1): MaskingPicture {
  const [B, Tin] = batch.shape;
  const T = Math.floor(Tin / SUBSAMPLING);
  const lengths = batch.lengths.map((n) => Math.floor(n / SUBSAMPLING));
  const L = spanFrames(c);
  const m = spanMask(lengths, T, { startProb: c.masking.startProb, spanFrames: L }, new Rng(seed));
  const mask = Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => (t < lengths[b] ? m[b * T + t] : -1)));
  const total = lengths.reduce((a, n) => a + n, 0);
  const expected = lengths.reduce((a, n) => a + n * expectedMaskedFraction(n, c.masking.startProb, L), 0) / total;
  return { mask, measured: m.reduce((a, v) => a + v, 0) / total, expected, interiorRate: 1 - Math.pow(1 - c.masking.startProb, L) };
}

export interface GradientFlowRow {
  mode: GumbelMode;
  /** ‖∂<targets, W>/∂θ‖ per parameter group ('front', 'block 1', ...). */
  norms: Record<string, number>;
}

/**
 * How much gradient the enhanced targets send into each part of the encoder, per Gumbel mode: the loss
 * <targets, W> (a fixed random W) sees the encoder only through the targets of block k.
 */
export function gradientFlow(batch: FeatureBatch, c: PretrainConfig, seed = 1): GradientFlowRow[] {
  return runSync(gradientFlowReads(batch, c, seed));
}

export function gradientFlowAsync(batch: FeatureBatch, c: PretrainConfig, seed = 1): Promise<GradientFlowRow[]> {
  return runAsync(gradientFlowReads(batch, c, seed));
}

function* gradientFlowReads(batch: FeatureBatch, c: PretrainConfig, seed: number): Reads<GradientFlowRow[]> {
  const enc = new Conformer({ ...c.encoder, dropout: 0 }, seed);
  const feats = featsTensor(batch);
  const [B, Tin] = batch.shape;
  const T = Math.floor(Tin / SUBSAMPLING);
  const vars = enc.params.trainable();
  const groups = ['front', ...Array.from({ length: c.encoder.blocks }, (_, i) => `block ${i + 1}`)];
  const groupOf = (name: string) => (name.startsWith('front') ? 'front' : `block ${Number(name.split('.')[1]) + 1}`);
  const rows: GradientFlowRow[] = [];
  for (const mode of GUMBEL_MODES) {
    const q = new GumbelQuantizer({ dim: c.encoder.dim, numCodes: c.enhanced.codes, codeDim: c.enhanced.codeDim, scale: c.enhanced.scale, tau: c.enhanced.tau, mode, seed });
    const W = tf.randomNormal([B * T, c.enhanced.codes], 0, 1, 'float32', seed);
    const { value, grads } = tf.variableGrads(() => {
      const z = enc.forward(feats, { untilBlock: c.enhanced.layer, lengths: batch.lengths });
      return tf.sum(tf.mul(q.targets(tf.reshape(z, [B * T, c.encoder.dim]) as tf.Tensor2D, seed), W)) as tf.Scalar;
    }, vars.map(([, v]) => v));
    const sq: Record<string, number> = Object.fromEntries(groups.map((g) => [g, 0]));
    for (const [name, v] of vars) {
      const g = grads[v.name];
      if (!g) continue;
      const t = tf.tidy(() => tf.sum(tf.square(g)));
      sq[groupOf(name)] += (yield [t])[0][0];
      t.dispose();
    }
    rows.push({ mode, norms: Object.fromEntries(groups.map((g) => [g, Math.sqrt(sq[g])])) });
    tf.dispose([value, W, ...Object.values(grads)]);
    q.dispose();
  }
  feats.dispose();
  enc.dispose();
  return rows;
}

export interface LayerTapRow {
  block: number;
  shape: number[];
  /** Mean cosine similarity of each frame's block-k output with its last-block output. */
  cosineToLast: number;
}

export function layerTap(batch: FeatureBatch, c: PretrainConfig, seed = 1): LayerTapRow[] {
  return runSync(layerTapReads(batch, c, seed));
}

export function layerTapAsync(batch: FeatureBatch, c: PretrainConfig, seed = 1): Promise<LayerTapRow[]> {
  return runAsync(layerTapReads(batch, c, seed));
}

function* layerTapReads(batch: FeatureBatch, c: PretrainConfig, seed: number): Reads<LayerTapRow[]> {
  const enc = new Conformer(c.encoder, seed);
  const feats = featsTensor(batch);
  const last = enc.forward(feats, { lengths: batch.lengths });
  const rows: LayerTapRow[] = [];
  for (let k = 0; k <= c.encoder.blocks; k++) {
    const h = enc.forward(feats, { untilBlock: k, lengths: batch.lengths });
    const cosT = tf.tidy(() => {
      const dot = tf.sum(tf.mul(h, last), -1);
      return tf.mean(tf.div(dot, tf.mul(tf.norm(h, 'euclidean', -1), tf.norm(last, 'euclidean', -1))));
    });
    const cos = (yield [cosT])[0][0];
    cosT.dispose();
    rows.push({ block: k, shape: h.shape, cosineToLast: cos });
    h.dispose();
  }
  tf.dispose([feats, last]);
  enc.dispose();
  return rows;
}
