/** Clipping by global norm (as torch.nn.utils.clip_grad_norm_): scale all gradients by min(1, max / ‖g‖). */
import * as tf from '@tensorflow/tfjs';
import { addN } from '../backend/add-n';
import { Reads, runAsync, runSync } from './reads';

/** Global l2 norm of the gradients (a JS number; one sync). */
export function globalNorm(grads: Iterable<tf.Tensor>): number {
  return runSync(globalNormReads(grads));
}

function* globalNormReads(grads: Iterable<tf.Tensor>): Reads<number> {
  const list = [...grads];
  if (list.length === 0) return 0;
  const sq = tf.tidy(() => addN(list.map((g) => tf.sum(tf.square(g)))));
  const [v] = yield [sq];
  const n = Math.sqrt(v[0]);
  sq.dispose();
  return n;
}

/** Returns new clipped gradients (the inputs are disposed when replaced) and the norm before clipping. */
export function clipByGlobalNorm(grads: Map<string, tf.Tensor>, maxNorm: number): { norm: number; clipped: boolean } {
  return runSync(clipReads(grads, maxNorm));
}

/** `clipByGlobalNorm` with an awaited read of the norm (WebGPU); the same numbers on every backend. */
export function clipByGlobalNormAsync(grads: Map<string, tf.Tensor>, maxNorm: number): Promise<{ norm: number; clipped: boolean }> {
  return runAsync(clipReads(grads, maxNorm));
}

function* clipReads(grads: Map<string, tf.Tensor>, maxNorm: number): Reads<{ norm: number; clipped: boolean }> {
  const norm = yield* globalNormReads(grads.values());
  if (!(maxNorm > 0) || !(norm > maxNorm)) return { norm, clipped: false };
  const s = maxNorm / (norm + 1e-6);
  for (const [k, g] of grads) {
    grads.set(k, tf.mul(g, s));
    g.dispose();
  }
  return { norm, clipped: true };
}
