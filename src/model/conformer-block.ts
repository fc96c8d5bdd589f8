/**
 * One Conformer block (Gulati et al. 2020; torchaudio's ConformerLayer is the speed reference):
 *   x = x + ½ FFN(x)            macaron half-step feed-forward
 *   x = x + MHSA(LN(x))
 *   x = x + Conv(x)             LN -> pointwise D->2D -> GLU -> depthwise K -> BN|LN -> swish -> pointwise
 *   x = x + ½ FFN(x)
 *   x = LN(x)
 * All tensors [B, T, D]; `mask` [B, T] marks valid frames.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { EncoderConfig } from './config';
import { depthwiseConv1d } from './depthwise-conv';
import { dropout, glu, layerNorm, linear, swish } from './layers';
import { multiHeadSelfAttention } from './attention';
import { addLinear, ParamStore } from './params';

/** Where a block reads its parameters: the ParamStore, or (checkpointed blocks) the tensors a customGrad got. */
export interface ParamSource {
  get(name: string): tf.Tensor;
}

export interface BlockContext {
  /** Valid-frame mask [B, T], 1 = inside the utterance. */
  mask: tf.Tensor2D;
  /** mask as [B, T, 1], for broadcasting over D. */
  mask3: tf.Tensor3D;
  keyBias: tf.Tensor2D;
  training: boolean;
  rng?: Rng;
  /** Holds the batch-norm running statistics (non-trainable variables). */
  state: ParamStore;
  /** Move the running statistics (false when a checkpointed block recomputes its forward). */
  updateStats: boolean;
}

export function addBlock(p: ParamStore, n: string, c: EncoderConfig, rng: Rng): void {
  const D = c.dim;
  const norm = (name: string) => {
    p.add(`${name}.g`, tf.ones([D]));
    p.add(`${name}.b`, tf.zeros([D]));
  };
  for (const f of ['ffn1', 'ffn2']) {
    norm(`${n}.${f}.ln`);
    addLinear(p, `${n}.${f}.l1`, D, c.ffnDim, rng);
    addLinear(p, `${n}.${f}.l2`, c.ffnDim, D, rng);
  }
  norm(`${n}.mhsa.ln`);
  addLinear(p, `${n}.mhsa.qkv`, D, 3 * D, rng);
  addLinear(p, `${n}.mhsa.out`, D, D, rng);
  norm(`${n}.conv.ln`);
  addLinear(p, `${n}.conv.pw1`, D, 2 * D, rng);
  const a = 1 / Math.sqrt(c.kernel); // torch Conv1d init bound for depthwise (fan_in = K)
  const dw = new Float32Array(c.kernel * D).map(() => (2 * rng.uniform() - 1) * a);
  p.add(`${n}.conv.dw.w`, tf.tensor2d(dw, [c.kernel, D]));
  p.add(`${n}.conv.dw.b`, tf.zeros([D]));
  norm(`${n}.conv.norm`);
  if (c.convNorm === 'batch') {
    p.add(`${n}.conv.norm.runMean`, tf.zeros([D]), false);
    p.add(`${n}.conv.norm.runVar`, tf.ones([D]), false);
  }
  addLinear(p, `${n}.conv.pw2`, D, D, rng);
  norm(`${n}.ln`);
}

function feedForward(p: ParamSource, n: string, x: tf.Tensor3D, c: EncoderConfig, ctx: BlockContext): tf.Tensor {
  let h = layerNorm(x, p.get(`${n}.ln.g`), p.get(`${n}.ln.b`));
  h = dropout(swish(linear(h, p.get(`${n}.l1.w`), p.get(`${n}.l1.b`))), c.dropout, ctx.training, ctx.rng);
  return dropout(linear(h, p.get(`${n}.l2.w`), p.get(`${n}.l2.b`)), c.dropout, ctx.training, ctx.rng);
}

/**
 * Batch norm over valid frames (padding excluded from the statistics). Training uses the batch statistics and
 * moves the running ones (momentum 0.1, as torch); evaluation uses the running ones.
 */
function maskedBatchNorm(p: ParamSource, n: string, x: tf.Tensor3D, ctx: BlockContext, eps = 1e-5): tf.Tensor {
  const runMean = ctx.state.get(`${n}.runMean`);
  const runVar = ctx.state.get(`${n}.runVar`);
  let mean: tf.Tensor;
  let variance: tf.Tensor;
  if (ctx.training) {
    const count = tf.maximum(tf.sum(ctx.mask), 1);
    mean = tf.div(tf.sum(tf.mul(x, ctx.mask3), [0, 1]), count); // [D]
    variance = tf.div(tf.sum(tf.mul(tf.square(tf.sub(x, mean)), ctx.mask3), [0, 1]), count);
    // Running statistics are state, not part of the graph being differentiated (population variance).
    if (ctx.updateStats) {
      const m = tf.tidy(() => tf.add(tf.mul(runMean, 0.9), tf.mul(mean, 0.1)));
      const v = tf.tidy(() => tf.add(tf.mul(runVar, 0.9), tf.mul(variance, 0.1)));
      runMean.assign(m);
      runVar.assign(v);
      tf.dispose([m, v]);
    }
  } else {
    mean = runMean;
    variance = runVar;
  }
  const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
  return tf.add(tf.mul(y, p.get(`${n}.g`)), p.get(`${n}.b`));
}

function convModule(p: ParamSource, n: string, x: tf.Tensor3D, c: EncoderConfig, ctx: BlockContext): tf.Tensor {
  let h = layerNorm(x, p.get(`${n}.ln.g`), p.get(`${n}.ln.b`));
  h = glu(linear(h, p.get(`${n}.pw1.w`), p.get(`${n}.pw1.b`))); // [B, T, 2D] -> [B, T, D]
  h = tf.mul(h, ctx.mask3); // padded frames must not leak into valid ones through the kernel
  h = depthwiseConv1d(h as tf.Tensor3D, p.get(`${n}.dw.w`) as tf.Tensor2D, p.get(`${n}.dw.b`) as tf.Tensor1D);
  h = c.convNorm === 'batch'
    ? maskedBatchNorm(p, `${n}.norm`, h as tf.Tensor3D, ctx)
    : layerNorm(h, p.get(`${n}.norm.g`), p.get(`${n}.norm.b`));
  h = linear(swish(h), p.get(`${n}.pw2.w`), p.get(`${n}.pw2.b`));
  return dropout(h, c.dropout, ctx.training, ctx.rng);
}

export function conformerBlock(p: ParamSource, n: string, x: tf.Tensor3D, c: EncoderConfig, ctx: BlockContext): tf.Tensor3D {
  let h: tf.Tensor = tf.add(x, tf.mul(feedForward(p, `${n}.ffn1`, x, c, ctx), 0.5));
  const a = multiHeadSelfAttention(
    layerNorm(h, p.get(`${n}.mhsa.ln.g`), p.get(`${n}.mhsa.ln.b`)) as tf.Tensor3D,
    p.get(`${n}.mhsa.qkv.w`), p.get(`${n}.mhsa.qkv.b`), p.get(`${n}.mhsa.out.w`), p.get(`${n}.mhsa.out.b`),
    c.heads, ctx.keyBias,
  );
  h = tf.add(h, dropout(a, c.dropout, ctx.training, ctx.rng));
  h = tf.add(h, convModule(p, `${n}.conv`, h as tf.Tensor3D, c, ctx));
  h = tf.add(h, tf.mul(feedForward(p, `${n}.ffn2`, h as tf.Tensor3D, c, ctx), 0.5));
  return layerNorm(h, p.get(`${n}.ln.g`), p.get(`${n}.ln.b`)) as tf.Tensor3D;
}
