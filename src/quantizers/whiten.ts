/**
 * Per-utterance ZCA whitening over time: x [B, T, d] -> x~ with, per utterance, zero mean and (nearly) identity
 * covariance over its valid frames, so every direction of the d-dimensional space is used equally.
 *
 * Why (enhanced.norm 'whiten'): standardizing each feature over time ('utterance') stops the enhanced labels
 * from collapsing to one code, but not from collapsing onto a few directions: with gradient through the soft
 * targets the encoder makes its layer-k features correlated (a low-rank projection), and a few directions
 * give a few codes. Whitening the projected features removes that degree of freedom, as decorrelation does in
 * Barlow Twins / W-MSE style self-supervision; the cosine codes then see directions spread over the sphere.
 *
 *   C = (1/n) Σ_t (x_t − μ)(x_t − μ)ᵀ + ε·(tr C / d)·I        [B, d, d]
 *   C^(−1/2) by Newton–Schulz (coupled iteration on C/‖C‖_F, which converges since its eigenvalues lie in (0, 1])
 *   x~_t = (x_t − μ) C^(−1/2)
 * Only matMuls and elementwise ops, so tfjs differentiates it (no custom gradient); padded frames come out 0.
 */
import * as tf from '@tensorflow/tfjs';

/** x [B, T, d], mask [B, T] (1 = valid frame) -> whitened [B, T, d]. */
export function whitenPerUtterance(x: tf.Tensor3D, mask: tf.Tensor2D, opts: { eps?: number; iterations?: number } = {}): tf.Tensor3D {
  const eps = opts.eps ?? 1e-3;
  const iters = opts.iterations ?? 15;
  return tf.tidy(() => {
    const [B, , d] = x.shape;
    const m = tf.expandDims(mask, -1); // [B, T] -> [B, T, 1]
    const n = tf.maximum(tf.sum(m, 1, true), 1); // [B, 1, 1]
    const c = tf.mul(tf.sub(x, tf.div(tf.sum(tf.mul(x, m), 1, true), n)), m); // [B, T, d], centred, padding 0
    const eye = tf.tile(tf.expandDims(tf.eye(d), 0), [B, 1, 1]) as tf.Tensor3D; // [B, d, d]
    let C = tf.div(tf.matMul(c, c, true, false), n) as tf.Tensor3D; // [B, d, T] x [B, T, d] -> [B, d, d]
    const trace = tf.div(tf.sum(tf.mul(C, eye), [1, 2], true), d); // [B, 1, 1]
    C = tf.add(C, tf.mul(eye, tf.mul(trace, eps))) as tf.Tensor3D;
    const fro = tf.sqrt(tf.sum(tf.square(C), [1, 2], true)); // [B, 1, 1]
    let Y = tf.div(C, fro) as tf.Tensor3D;
    let Z = eye;
    for (let i = 0; i < iters; i++) {
      const T = tf.mul(tf.sub(tf.mul(eye, 3), tf.matMul(Z, Y)), 0.5) as tf.Tensor3D; // (3I − Z Y) / 2
      Y = tf.matMul(Y, T);
      Z = tf.matMul(T, Z);
    }
    const invSqrt = tf.div(Z, tf.sqrt(fro)); // C^(−1/2) = (C/‖C‖)^(−1/2) / sqrt(‖C‖)
    return tf.matMul(c, invSqrt) as tf.Tensor3D; // [B, T, d] x [B, d, d] -> [B, T, d]
  });
}
