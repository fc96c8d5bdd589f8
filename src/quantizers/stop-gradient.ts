/**
 * tfjs 4.22 has no `stopGradient` (TFJS-NOTES.md "Missing"): an identity whose gradient is zero. Used by the
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
