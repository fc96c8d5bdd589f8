/**
 * AdamW (Loshchilov & Hutter 2019): Adam moments plus weight decay applied to the weights directly
 * (θ ← θ - lr·wd·θ), not through the gradient; tfjs has only coupled L2 in its Adam. Matches torch.optim.AdamW:
 *   θ ← θ(1 - lr·wd);  m ← β1 m + (1-β1) g;  v ← β2 v + (1-β2) g²;  θ ← θ - lr · m̂ / (sqrt(v̂) + ε)
 * Biases and norm gains are decayed too, as torch does by default (one parameter group).
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamWConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export class AdamW {
  /** Update count (bias correction uses it). */
  t = 0;
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();

  constructor(readonly config: AdamWConfig, readonly vars: [string, tf.Variable][]) {
    for (const [name, p] of vars) {
      this.m.set(name, tf.variable(tf.zerosLike(p), false));
      this.v.set(name, tf.variable(tf.zerosLike(p), false));
    }
  }

  /** One update with gradients by parameter name (missing name = zero gradient) and learning rate lr. */
  step(grads: Map<string, tf.Tensor>, lr: number): void {
    this.t++;
    const { beta1, beta2, eps, weightDecay } = this.config;
    const c1 = 1 - Math.pow(beta1, this.t);
    const c2 = 1 - Math.pow(beta2, this.t);
    for (const [name, p] of this.vars) {
      const g = grads.get(name);
      tf.tidy(() => {
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const gg = g ?? tf.zerosLike(p);
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(gg, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(gg), 1 - beta2)));
        const update = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
        p.assign(tf.sub(tf.mul(p, 1 - lr * weightDecay), tf.mul(update, lr)));
      });
    }
  }

  /** State tensors by name (for checkpoints). */
  stateTensors(): Record<string, tf.Tensor> {
    const out: Record<string, tf.Tensor> = {};
    for (const [n, m] of this.m) out[`adam.m.${n}`] = m;
    for (const [n, v] of this.v) out[`adam.v.${n}`] = v;
    return out;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
  }
}
