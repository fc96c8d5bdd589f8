/**
 * Pure building blocks: every parameter passed explicitly. Shapes: B batch, T frames, D width.
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeKernel } from '../backend';
import { Rng, uniformFloats } from '../util/rng';

/** x [..., In] · W [In, Out] + b, computed as one 2-D fused matMul (the wasm fast path). */
export function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const inDim = shape[shape.length - 1];
  const x2 = tf.reshape(x, [-1, inDim]); // [..., In] -> [N, In]
  const y = tf.fused.matMul({ a: x2 as tf.Tensor2D, b: w as tf.Tensor2D, bias: b });
  return tf.reshape(y, [...shape.slice(0, -1), w.shape[1] as number]); // [N, Out] -> [..., Out]
}

/**
 * Σ over rows of [N, C] -> [C]. (A ones-row matMul looked faster in isolation but is not in a training step:
 * wasm's matMul packs its right operand, here a fresh [N, C] every call.)
 */
export function sumRows(x: tf.Tensor2D): tf.Tensor1D {
  return tf.sum(x, 0);
}

/**
 * LayerNorm over the last axis with scale g and shift b [D], with a hand-written gradient (tf.customGrad): the
 * tape keeps x̂ and 1/σ instead of every intermediate (one node instead of ~10).
 *   x̂ = (x - μ)/σ;  y = g·x̂ + b;  dx = (1/σ)(dx̂ - mean(dx̂) - x̂·mean(dx̂·x̂)),  dx̂ = dy·g
 * One native kernel each way where the backend has them; these tfjs ops otherwise (and as the tests' reference).
 */
const layerNormOp = tf.customGrad(((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  const eps = 1e-5;
  if (hasNativeKernel('BirqLayerNorm')) {
    const [y, xh, rs] = tf.engine().runKernel('BirqLayerNorm', { x, g, b }, { eps }) as tf.Tensor[];
    save([xh, rs, g]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.engine().runKernel('BirqLayerNormGrad', { xhat: saved[0], rstd: saved[1], g: saved[2], dy }, {}) as tf.Tensor[],
    };
  }
  const mean = tf.mean(x, -1, true);
  const c = tf.sub(x, mean);
  const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(c), -1, true), eps));
  const xhat = tf.mul(c, rstd);
  save([xhat, rstd, g]);
  return {
    value: tf.add(tf.mul(xhat, g), b),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xh, rs, gs] = saved;
      const D = xh.shape[xh.shape.length - 1];
      const dxhat = tf.mul(dy, gs);
      const dx = tf.mul(rs, tf.sub(tf.sub(dxhat, tf.mean(dxhat, -1, true)), tf.mul(xh, tf.mean(tf.mul(dxhat, xh), -1, true))));
      const dy2 = tf.reshape(dy, [-1, D]) as tf.Tensor2D;
      return [dx, sumRows(tf.mul(dy2, tf.reshape(xh, [-1, D])) as tf.Tensor2D), sumRows(dy2)];
    },
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
}) as any);

/** LayerNorm over the last axis with scale g and shift b [D]: [..., D] -> [..., D]. */
export function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return layerNormOp(x, g, b) as tf.Tensor;
}

/** Swish / SiLU: x · sigmoid(x). One native kernel each way where the backend has them (the tape keeps x only). */
export function swish(x: tf.Tensor): tf.Tensor {
  return hasNativeKernel('BirqSwish') ? (nativeSwish(x) as tf.Tensor) : tf.mul(x, tf.sigmoid(x));
}

const nativeSwish = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.engine().runKernel('BirqSwish', { x }, {}) as tf.Tensor,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.engine().runKernel('BirqSwishGrad', { x: saved[0], dy }, {}) as tf.Tensor],
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
}) as any);

/** Gated linear unit over the last axis: [..., 2C] -> [..., C]. */
export function glu(x: tf.Tensor): tf.Tensor {
  const [a, g] = tf.split(x, 2, -1);
  return tf.mul(a, tf.sigmoid(g));
}

/**
 * Inverted dropout with a seeded mask. `rng` is a per-forward stream (the caller derives it from the run seed and
 * step), so a resumed run draws the same masks. Identity when not training or rate is 0.
 */
export function dropout(x: tf.Tensor, rate: number, training: boolean, rng: Rng | undefined): tf.Tensor {
  if (!training || rate <= 0) return x;
  if (!rng) throw new Error('dropout: training with rate > 0 needs an rng');
  return tf.mul(x, dropoutMask(x.shape, 1 - rate, rng.seed()));
}

/**
 * The scaled keep-mask of dropout: 1/keep where util/rng's uniformFloats(n, seed) < keep, else 0. A native kernel
 * where the backend has it (the mask generation was ~15 % of a c1-small step in JS), the same numbers otherwise.
 */
export function dropoutMask(shape: number[], keep: number, seed: number): tf.Tensor {
  if (hasNativeKernel('BirqDropoutMask')) return tf.engine().runKernel('BirqDropoutMask', {}, { shape, seed: seed >>> 0, keep }) as tf.Tensor;
  const m = uniformFloats(shape.reduce((p, d) => p * d, 1), seed);
  for (let i = 0; i < m.length; i++) m[i] = m[i] < keep ? 1 / keep : 0;
  return tf.tensor(m, shape);
}

/** Sinusoidal positions [T, D] (Vaswani et al.), computed in JS. */
export function sinusoidalPositions(T: number, D: number): tf.Tensor2D {
  const v = new Float32Array(T * D);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < D; i += 2) {
      const angle = t / Math.pow(10000, i / D);
      v[t * D + i] = Math.sin(angle);
      if (i + 1 < D) v[t * D + i + 1] = Math.cos(angle);
    }
  }
  return tf.tensor2d(v, [T, D]);
}

/** Valid-frame mask [B, T] (1 = frame inside the utterance) from lengths in frames. */
export function lengthMask(lengths: ArrayLike<number>, T: number): tf.Tensor2D {
  const B = lengths.length;
  const v = new Float32Array(B * T);
  for (let b = 0; b < B; b++) v.fill(1, b * T, b * T + Math.min(T, lengths[b]));
  return tf.tensor2d(v, [B, T]);
}
