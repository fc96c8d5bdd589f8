/**
 * Activation checkpointing for one Conformer block (Chen et al. 2016, "Training deep nets with sublinear memory
 * cost"): the forward runs inside a tf.customGrad, so tfjs records one tape node that saves only the block's
 * input; the backward recomputes the block forward with a tape and differentiates it. Costs one extra block
 * forward, saves all of the block's activations (the c1-small BiRQ step: 9 blocks of tape otherwise).
 * Same numbers as the plain block: same ops, same dropout seed, running statistics moved once.
 * Needs the lean backward (src/train/lean-grads.ts): tfjs's own variableGrads cannot nest a tape in a backward.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { EncoderConfig } from './config';
import { BlockContext, conformerBlock, ParamSource } from './conformer-block';
import { ParamStore } from './params';

export function checkpointedBlock(p: ParamStore, n: string, x: tf.Tensor3D, c: EncoderConfig, ctx: BlockContext, dropoutSeed: number): tf.Tensor3D {
  const names = p.trainable().filter(([name]) => name.startsWith(`${n}.`)).map(([name]) => name);
  const params = names.map((name) => p.get(name));
  const view = (ts: tf.Tensor[]): ParamSource => {
    const m = new Map(names.map((name, i) => [name, ts[i]]));
    return { get: (name) => m.get(name) ?? p.get(name) };
  };
  const k = names.length;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const op = tf.customGrad(((...args: any[]) => {
    const inputs = args.slice(0, 1 + k) as tf.Tensor[];
    const save = args[1 + k] as tf.GradSaveFunc;
    save([inputs[0], ctx.mask, ctx.mask3, ctx.keyBias]);
    const value = conformerBlock(view(inputs.slice(1)), n, inputs[0] as tf.Tensor3D, c, { ...ctx, rng: new Rng(dropoutSeed) });
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, mask, mask3, keyBias] = saved;
        const inner: BlockContext = { ...ctx, mask: mask as tf.Tensor2D, mask3: mask3 as tf.Tensor3D, keyBias: keyBias as tf.Tensor2D, rng: new Rng(dropoutSeed), updateStats: false };
        const f = (...ts: tf.Tensor[]) => conformerBlock(view(ts.slice(1)), n, ts[0] as tf.Tensor3D, c, inner);
        const grads = tf.grads(f)([xs, ...params], dy);
        return grads.map((g, i) => g ?? tf.zerosLike(i === 0 ? xs : params[i - 1]));
      },
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
  }) as any);
  return op(x, ...params) as tf.Tensor3D;
}
