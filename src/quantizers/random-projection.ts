/**
 * Random-projection quantizer (BEST-RQ; docs/method.md §1): anchor labels from stacked input frames.
 *
 *   y_t = argmax_j < norm(A u_t), c_j >      u_t: [S·F] stacked frames, A: [S·F, d] Xavier-uniform, c_j unit rows
 *
 * The cosine argmax equals the l2 argmin over unit vectors, and it is one matMul [N, d] x [d, V] instead of an
 * [N, V, d] distance tensor. `numBooks` independent (A, C) pairs give several label streams (one head each).
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape } from '../util/errors';
import { Rng } from '../util/rng';
import { l2Normalize, normalCodebook, xavierUniform } from './frozen';

export interface RandomProjectionOptions {
  /** Input width S·F (stack factor times mel bins), e.g. 4·80 = 320. */
  inputDim: number;
  /** Projection width d (BEST-RQ: 16). */
  codeDim?: number;
  /** Codebook size V (BEST-RQ: 8192). */
  numCodes?: number;
  /** Independent codebooks, one label stream each. */
  numBooks?: number;
  seed: number;
}

/** Pure layer: labels [N] (int32) of rows u [N, S·F] for projection A [S·F, d] and unit codebook C [V, d]. */
export function rpqLabels(u: tf.Tensor2D, A: tf.Tensor2D, C: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const z = l2Normalize(tf.matMul(u, A)); // [N, S·F] x [S·F, d] -> [N, d]
    return tf.argMax(tf.matMul(z, C, false, true), -1) as tf.Tensor1D; // [N, d] x [d, V] -> [N, V] -> [N]
  });
}

export class RandomProjectionQuantizer {
  readonly inputDim: number;
  readonly codeDim: number;
  readonly numCodes: number;
  readonly numBooks: number;
  /** Frozen projections A_b [S·F, d] and codebooks C_b [V, d], one per book. */
  readonly projections: tf.Tensor2D[] = [];
  readonly codebooks: tf.Tensor2D[] = [];

  constructor(opts: RandomProjectionOptions) {
    this.inputDim = opts.inputDim;
    this.codeDim = opts.codeDim ?? 16;
    this.numCodes = opts.numCodes ?? 8192;
    this.numBooks = opts.numBooks ?? 1;
    const rng = new Rng(opts.seed);
    for (let b = 0; b < this.numBooks; b++) {
      this.projections.push(xavierUniform(this.inputDim, this.codeDim, rng));
      this.codebooks.push(normalCodebook(this.numCodes, this.codeDim, rng));
    }
  }

  /** Stacked frames [B, T, S·F] -> one int32 label tensor [B, T] per book. */
  labels(stacked: tf.Tensor3D): tf.Tensor2D[] {
    assertShape('RandomProjectionQuantizer.labels', 'stacked', stacked.shape, [null, null, this.inputDim]);
    const [B, T] = stacked.shape;
    return tf.tidy(() => {
      const u = tf.reshape(stacked, [B * T, this.inputDim]) as tf.Tensor2D; // [B, T, S·F] -> [B·T, S·F]
      return this.projections.map((A, b) => tf.reshape(rpqLabels(u, A, this.codebooks[b]), [B, T]) as tf.Tensor2D);
    });
  }

  /** Frozen matrices by name, for checkpoints and the "never change" test. */
  matrices(prefix = 'rpq'): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    this.projections.forEach((A, b) => {
      out[`${prefix}.${b}.projection`] = A;
      out[`${prefix}.${b}.codebook`] = this.codebooks[b];
    });
    return out;
  }

  dispose(): void {
    tf.dispose([...this.projections, ...this.codebooks]);
  }
}

/** @deprecated the old name (notebook 02): the one per-utterance normalization lives in features/normalize.ts. */
export { perUtteranceNormalizeTensor as normalizePerUtterance } from '../features/normalize';
