/**
 * Depthwise 1-D convolution over time as K shifted slices times per-channel weights (TFJS-NOTES.md "(b)"): the
 * wasm backend has no DepthwiseConv2dNative gradients, and the cpu-delegated ones cost ~700 ms per call; this
 * formulation uses only pad, slice, mul and add (all native on wasm, ~50 ms fwd+bwd on [8, 200, 144], K = 15)
 * and matches tf.depthwiseConv2d with 'same' padding (checked in test/model).
 *
 *   y[b, t, c] = bias[c] + Σ_k x[b, t + k - (K-1)/2, c] · w[k, c]        (zero outside [0, T))
 */
import * as tf from '@tensorflow/tfjs';

/** x [B, T, C], w [K, C] (K odd), bias [C] -> [B, T, C]. */
export function depthwiseConv1d(x: tf.Tensor3D, w: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor3D {
  const [B, T, C] = x.shape;
  const K = w.shape[0];
  const half = (K - 1) >> 1;
  const xp = tf.pad(x, [[0, 0], [half, K - 1 - half], [0, 0]]); // [B, T, C] -> [B, T+K-1, C]
  const taps = tf.unstack(w); // K x [C]
  let y: tf.Tensor = bias ?? tf.zeros([C]);
  for (let k = 0; k < K; k++) y = tf.add(y, tf.mul(tf.slice(xp, [0, k, 0], [B, T, C]), taps[k]));
  return y as tf.Tensor3D;
}
