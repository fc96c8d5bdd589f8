/**
 * A named map of tf.Variables: trainable parameters plus non-trainable state (batch-norm running statistics).
 * Names are ours ("block.0.ffn1.w1"); tfjs's own variable names stay auto-generated because tfjs registers
 * them globally and two models with the same names would clash.
 */
import * as tf from '@tensorflow/tfjs';
import { BirqError } from '../util/errors';
import { Rng } from '../util/rng';

export class ParamStore {
  readonly vars = new Map<string, tf.Variable>();
  private readonly frozenState = new Set<string>();

  add(name: string, init: tf.Tensor, trainable = true): tf.Variable {
    if (this.vars.has(name)) throw new BirqError(`ParamStore: parameter '${name}' defined twice`);
    const v = tf.variable(init, trainable);
    init.dispose();
    this.vars.set(name, v);
    if (!trainable) this.frozenState.add(name);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new BirqError(`ParamStore: no parameter '${name}'`);
    return v;
  }

  /** Trainable variables in a stable order (insertion order), as the optimizer sees them. */
  trainable(): [string, tf.Variable][] {
    return [...this.vars].filter(([n]) => !this.frozenState.has(n));
  }

  count(): number {
    return this.trainable().reduce((s, [, v]) => s + v.size, 0);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

/** PyTorch's nn.Linear default init, U(-1/sqrt(in), 1/sqrt(in)), seeded: weight [In, Out]. */
export function linearInit(inDim: number, outDim: number, rng: Rng): tf.Tensor2D {
  const a = 1 / Math.sqrt(inDim);
  const v = new Float32Array(inDim * outDim);
  for (let i = 0; i < v.length; i++) v[i] = (2 * rng.uniform() - 1) * a;
  return tf.tensor2d(v, [inDim, outDim]);
}

/** Adds weight `${name}.w` [In, Out] and bias `${name}.b` [Out]. */
export function addLinear(p: ParamStore, name: string, inDim: number, outDim: number, rng: Rng): void {
  p.add(`${name}.w`, linearInit(inDim, outDim, rng));
  p.add(`${name}.b`, tf.zeros([outDim]));
}
