/**
 * Depthwise 1-D convolution over time as K shifted slices times per-channel weights (docs/tfjs-wasm.md §3, way (b)): the
 * wasm backend has no DepthwiseConv2dNative gradients, and the cpu-delegated ones cost ~700 ms per call; this
 * formulation uses only pad, slice, mul, add and matMul (all native on wasm) and matches tf.depthwiseConv2d with
 * 'same' padding (checked in test/model, values and gradients).
 *
 *   y[b, t, c] = bias[c] + Σ_k x[b, t + k - (K-1)/2, c] · w[k, c]        (zero outside [0, T))
 *
 * The gradient is written by hand (tf.customGrad) so the tape keeps only x and w instead of K shifted copies
 * (~90 MB per call on [8, 200, 144], K = 15):
 *   dx = depthwiseConv1d(dy, reverse(w))   (odd K: symmetric padding)
 *   dw[k, c] = Σ_{b,t} xpad[b, t + k, c] · dy[b, t, c],   dbias[c] = Σ_{b,t} dy[b, t, c]
 *
 * Where the backend has the native kernel (wasm with src/backend's native kernels), forward and gradient are one
 * kernel call each instead of ~3K small ones; this file's tfjs formulation is the fallback and the reference the
 * tests hold it to.
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeKernel } from '../backend';
import { sumRows } from './layers';

/** The forward sum, no custom gradient: x [B, T, C], w [K, C] -> [B, T, C]. */
function shiftedSum(x: tf.Tensor3D, w: tf.Tensor2D): tf.Tensor3D {
  const [B, T, C] = x.shape;
  const K = w.shape[0];
  const half = (K - 1) >> 1;
  const xp = tf.pad(x, [[0, 0], [half, K - 1 - half], [0, 0]]); // [B, T, C] -> [B, T+K-1, C]
  const taps = tf.split(w, K, 0); // K x [1, C]
  let y: tf.Tensor = tf.mul(tf.slice(xp, [0, 0, 0], [B, T, C]), taps[0]);
  for (let k = 1; k < K; k++) y = tf.add(y, tf.mul(tf.slice(xp, [0, k, 0], [B, T, C]), taps[k]));
  return y as tf.Tensor3D;
}


const conv = tf.customGrad(((x: tf.Tensor3D, w: tf.Tensor2D, bias: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  const native = hasNativeKernel('BirqDepthwiseConv1d');
  return {
    value: native ? (tf.engine().runKernel('BirqDepthwiseConv1d', { x, w, bias }, {}) as tf.Tensor3D) : tf.add(shiftedSum(x, w), bias),
    gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor3D, tf.Tensor2D];
      if (native) return tf.engine().runKernel('BirqDepthwiseConv1dGrad', { x: xs, w: ws, dy }, {}) as tf.Tensor[];
      const [B, T, C] = xs.shape;
      const K = ws.shape[0];
      const half = (K - 1) >> 1;
      const dx = shiftedSum(dy, tf.reverse(ws, 0));
      const xp = tf.pad(xs, [[0, 0], [half, K - 1 - half], [0, 0]]);
      const dy2 = tf.reshape(dy, [B * T, C]);
      const rows: tf.Tensor[] = [];
      for (let k = 0; k < K; k++) rows.push(sumRows(tf.mul(tf.reshape(tf.slice(xp, [0, k, 0], [B, T, C]), [B * T, C]), dy2) as tf.Tensor2D));
      return [dx, tf.stack(rows), sumRows(dy2 as tf.Tensor2D)];
    },
  };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
}) as any);

/** x [B, T, C], w [K, C] (K odd), bias [C] -> [B, T, C]. */
export function depthwiseConv1d(x: tf.Tensor3D, w: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor3D {
  if (w.shape[0] % 2 !== 1) throw new Error(`depthwiseConv1d: kernel ${w.shape[0]} must be odd`);
  return conv(x, w, bias ?? tf.zeros([x.shape[2]])) as tf.Tensor3D;
}
