/**
 * tfjs 4.22 has no `stopGradient` (docs/tfjs-wasm.md §3): an identity whose gradient is zero. Used by the
 * Gumbel quantizer's `stopgrad` and `hard-st` modes and by the objectives.
 */
import * as tf from '@tensorflow/tfjs';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const stop = tf.customGrad(((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as any);

/** Identity forward, zero gradient backward. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return stop(x) as T;
}

/**
 * Straight-through estimator: forward value `hard`, gradient as if the output were `soft`
 * (hard + soft - stopGradient(soft), written as one customGrad so no rounding error leaks into the forward).
 */
const straight = tf.customGrad(((hard: tf.Tensor, soft: tf.Tensor) => ({
  value: hard.clone(),
  gradFunc: (dy: tf.Tensor) => [tf.zerosLike(dy), dy.clone()],
})) as any);

export function straightThrough<T extends tf.Tensor>(hard: T, soft: T): T {
  return (straight as unknown as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor)(hard, soft) as T;
}

/**
 * Run `fn` off the gradient tape and return its value with a zero gradient. Unlike stopGradient(fn()), the ops
 * inside are never recorded, so autodiff does not walk back through them with zeros (for the `stopgrad` Gumbel
 * mode that was a full, useless backward pass through blocks 1..k). tfjs does not record ops that run inside a
 * customGrad's forward; the dummy input only gives the node something to hang on.
 */
export function outsideTape<T extends tf.Tensor>(fn: () => T): T {
  const op = tf.customGrad(((dummy: tf.Tensor) => ({
    value: fn(),
    gradFunc: () => tf.zerosLike(dummy),
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  })) as any);
  return tf.tidy(() => op(tf.scalar(0)) as T);
}
