/**
 * tf.addN that works on WebGPU. tfjs-backend-webgpu 4.22 compiles AddN into one shader with a storage buffer per
 * input, and a device gets 8 per shader stage unless it asks for more (tfjs does not): with more inputs the
 * pipeline is invalid and the result silently wrong ("The number of storage buffers (67) in the Compute stage
 * exceeds the maximum per-stage limit (8)"). On webgpu we sum in chunks of 7; elsewhere this is tf.addN itself,
 * so wasm and cpu keep their exact numbers.
 */
import * as tf from '@tensorflow/tfjs';

const CHUNK = 7;

export function addN<T extends tf.Tensor>(tensors: T[]): T {
  if (tf.getBackend() !== 'webgpu' || tensors.length <= CHUNK) return tf.addN(tensors);
  return tf.tidy(() => {
    let level: tf.Tensor[] = tensors;
    while (level.length > 1) {
      const next: tf.Tensor[] = [];
      for (let i = 0; i < level.length; i += CHUNK) {
        const part = level.slice(i, i + CHUNK);
        next.push(part.length === 1 ? part[0] : tf.addN(part));
      }
      level = next;
    }
    return level[0] as T;
  });
}
