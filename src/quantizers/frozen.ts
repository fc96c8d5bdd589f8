/**
 * Frozen random matrices shared by both quantizers (docs/method.md §1): drawn from our seeded `Rng` (never
 * Math.random), kept as plain tensors (not tf.Variables) so no optimizer can ever see them.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';

/** Xavier/Glorot-uniform [rows, cols]: U(-a, a), a = sqrt(6 / (rows + cols)), as BEST-RQ's projection. */
export function xavierUniform(rows: number, cols: number, rng: Rng): tf.Tensor2D {
  const a = Math.sqrt(6 / (rows + cols));
  const v = new Float32Array(rows * cols);
  for (let i = 0; i < v.length; i++) v[i] = (2 * rng.uniform() - 1) * a;
  return tf.tensor2d(v, [rows, cols]);
}

/** N(0, 1) codebook [V, d] with each row scaled to unit l2 norm. */
export function normalCodebook(codes: number, dim: number, rng: Rng): tf.Tensor2D {
  const v = new Float32Array(codes * dim);
  for (let r = 0; r < codes; r++) {
    let n = 0;
    for (let c = 0; c < dim; c++) {
      const x = rng.normal();
      v[r * dim + c] = x;
      n += x * x;
    }
    const inv = 1 / Math.sqrt(n);
    for (let c = 0; c < dim; c++) v[r * dim + c] *= inv;
  }
  return tf.tensor2d(v, [codes, dim]);
}

/** Row-wise l2 normalization of [..., d]; eps keeps all-zero rows (padding) finite. */
export function l2Normalize<T extends tf.Tensor>(x: T, eps = 1e-12): T {
  return tf.tidy(() => tf.div(x, tf.sqrt(tf.maximum(tf.sum(tf.square(x), -1, true), eps))) as T);
}
