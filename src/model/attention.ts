/**
 * Multi-head self-attention with a key padding mask: x [B, T, D] -> [B, T, D].
 * One fused projection to q|k|v; padded keys get -1e9 before the softmax so they receive no weight.
 * The core (scores, softmax, weighted values) is one native kernel where the backend has it (wasm with
 * src/backend's native kernels: strided sgemm on the q|k|v layout, the softmax kept for the gradient); the tfjs
 * formulation below is the fallback and the reference the tests hold it to.
 */
import * as tf from '@tensorflow/tfjs';
import { hasNativeKernel } from '../backend';
import { linear } from './layers';

/** Additive key bias [B, T] from a valid-frame mask [B, T] (0 valid, -1e9 padded). */
export function keyPaddingBias(mask: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(tf.sub(1, mask), -1e9);
}

export function multiHeadSelfAttention(
  x: tf.Tensor3D,
  wQkv: tf.Tensor,
  bQkv: tf.Tensor,
  wOut: tf.Tensor,
  bOut: tf.Tensor,
  heads: number,
  keyBias: tf.Tensor2D,
): tf.Tensor3D {
  const [B, T, D] = x.shape;
  const H = heads;
  const dh = D / H;
  if (hasNativeKernel('BirqAttention')) {
    const ctx = nativeAttentionCore(linear(x, wQkv, bQkv) as tf.Tensor3D, keyBias, H); // [B, T, 3D] -> [B, T, D]
    return linear(ctx, wOut, bOut) as tf.Tensor3D;
  }
  const qkv = tf.reshape(linear(x, wQkv, bQkv), [B * T, 3 * D]); // [B, T, 3D] -> [B·T, 3D]
  // No transposes and no batched matMul: wasm's BatchMatMul is 5-10x slower per FLOP for batch > 1 (no xnnpack
  // path) and 4-5-D transposes are slow, so each (b, h) is one 2-D matMul on blocks cut by tf.split (whose
  // gradient is a cheap concat; a slice's gradient would be a full-size pad).
  // tf.split into one piece breaks autodiff in tfjs 4.22 (SplitV's gradient gets a lone tensor, not a list).
  const biases = B > 1 ? tf.split(keyBias, B, 0) : [keyBias]; // B x [1, T], broadcast over queries
  const perBatch = B > 1 ? tf.split(qkv, B, 0) : [qkv]; // B x [T, 3D]
  const scale = 1 / Math.sqrt(dh);
  const out: tf.Tensor[] = [];
  for (let b = 0; b < B; b++) {
    const cols = tf.split(perBatch[b], 3 * H, 1); // q_0..q_H-1, k_0.., v_0..: 3H x [T, dh]
    const ctx: tf.Tensor[] = [];
    for (let h = 0; h < H; h++) {
      const scores = tf.add(tf.matMul(tf.mul(cols[h], scale), cols[H + h], false, true), biases[b]); // [T, T]
      ctx.push(tf.matMul(tf.softmax(scores), cols[2 * H + h])); // [T, dh]
    }
    out.push(tf.concat(ctx, 1)); // H x [T, dh] -> [T, D]
  }
  const merged = tf.reshape(tf.concat(out, 0), [B, T, D]); // B x [T, D] -> [B·T, D] -> [B, T, D]
  return linear(merged, wOut, bOut) as tf.Tensor3D;
}

/**
 * qkv [B, T, 3D], keyBias [B, T] -> [B, T, D] through the native kernels; the gradient reaches qkv only (the key
 * bias is a constant mask). One customGrad per head count, since customGrad passes tensors only.
 */
const nativeCores = new Map<number, (qkv: tf.Tensor3D, keyBias: tf.Tensor2D) => tf.Tensor3D>();

function nativeAttentionCore(qkv: tf.Tensor3D, keyBias: tf.Tensor2D, heads: number): tf.Tensor3D {
  let core = nativeCores.get(heads);
  if (!core) {
    core = tf.customGrad(((q: tf.Tensor3D, kb: tf.Tensor2D, save: tf.GradSaveFunc) => {
      const [out, probs] = tf.engine().runKernel('BirqAttention', { qkv: q, keyBias: kb }, { heads }) as tf.Tensor[];
      save([q, probs]);
      return {
        value: out,
        gradFunc: (dy: tf.Tensor3D, saved: tf.Tensor[]) => {
          const dqkv = tf.engine().runKernel('BirqAttentionGrad', { qkv: saved[0], probs: saved[1], dout: dy }, {}) as tf.Tensor;
          return [dqkv, tf.zerosLike(kb)];
        },
      };
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
    }) as any) as (qkv: tf.Tensor3D, keyBias: tf.Tensor2D) => tf.Tensor3D;
    nativeCores.set(heads, core);
  }
  return core(qkv, keyBias);
}
