/**
 * Masked cross-entropy (docs/method.md §4), taken on masked stacked frames only.
 *
 * Masked rows are picked with a 0/1 selection matrix S [M, B·T] and a matMul rather than `gather`: gather's
 * gradient (UnsortedSegmentSum) is cpu-delegated and slow on wasm, S's gradient is one more matMul. Heads then run
 * on M rows only (as PyTorch's h[mask]), which also shrinks the [·, V] logits.
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeKernel } from '../backend';
import { assertShape } from '../util/errors';

/** Selection matrix [M, B·T] with one 1 per row at each masked position (row order = flat index order). */
export function selectionMatrix(mask: Uint8Array): { S: tf.Tensor2D; index: Int32Array } {
  const idx: number[] = [];
  for (let i = 0; i < mask.length; i++) if (mask[i]) idx.push(i);
  const M = idx.length;
  const v = new Float32Array(M * mask.length);
  idx.forEach((j, r) => (v[r * mask.length + j] = 1));
  return { S: tf.tensor2d(v, [M, mask.length]), index: Int32Array.from(idx) };
}

/** x [B, T, D] -> masked rows [M, D] via S [M, B·T]. */
export function selectRows(x: tf.Tensor3D, S: tf.Tensor2D): tf.Tensor2D {
  const [B, T, D] = x.shape;
  assertShape('selectRows', 'S', S.shape, [null, B * T]);
  return tf.matMul(S, tf.reshape(x, [B * T, D])); // [M, B·T] x [B·T, D] -> [M, D]
}

/**
 * Cross-entropy with a hand-written gradient: the [M, V] tensors are the step's widest (V = 8192), and tfjs's
 * autodiff of logSoftmax·targets walks ~15 elementwise passes over them; this saves log p and the targets and
 * needs 3 passes for the logits and 1 for the targets:
 *   ∂/∂logits = (p·Σ_v t - t)/M,   ∂/∂targets = -log p / M      (p = softmax(logits))
 * The targets' gradient is what carries BiRQ's soft / straight-through signal into blocks 1..k.
 * With the native kernels (wasm + src/backend/native) forward and gradient are one pass each over the rows.
 */
const crossEntropyOp = tf.customGrad(((logits: tf.Tensor2D, targets: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const M = logits.shape[0];
  if (hasNativeKernel('BirqSoftXent')) {
    const [logp, rowLoss, tsum] = tf.engine().runKernel('BirqSoftXent', { logits, targets }, {}) as tf.Tensor[];
    save([logp, targets, tsum]);
    return {
      value: tf.div(tf.sum(rowLoss), M),
      gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) =>
        tf.engine().runKernel('BirqSoftXentGrad', { logp: saved[0], targets: saved[1], tsum: saved[2], dy }, {}) as tf.Tensor[],
    };
  }
  const logp = tf.logSoftmax(logits);
  save([logp, targets]);
  return {
    value: tf.div(tf.neg(tf.sum(tf.mul(targets, logp))), M),
    gradFunc: (dy: tf.Scalar, saved: tf.Tensor[]) => {
      const [lp, t] = saved;
      const s = tf.div(dy, M);
      return [tf.mul(tf.sub(tf.mul(tf.exp(lp), tf.sum(t, -1, true)), t), s), tf.mul(lp, tf.neg(s))];
    },
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
}) as any);

/** Mean over rows of -Σ_v target·log softmax(logits): logits, targets [M, V] (targets one-hot or soft). */
export function softCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return crossEntropyOp(logits, targets) as tf.Scalar;
}

/** Cross-entropy of logits [M, V] against int labels [M]. */
export function labelCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => softCrossEntropy(logits, tf.oneHot(labels, logits.shape[1]).toFloat() as tf.Tensor2D));
}

/** Fraction of rows whose argmax equals the label (both given as JS arrays). */
export function accuracy(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (pred.length === 0) return 0;
  let c = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) c++;
  return c / pred.length;
}
