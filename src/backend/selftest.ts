/**
 * A tiny end-to-end training run that proves the backend trains: a 2-layer MLP fits a fixed random linear map
 * with Adam. Deterministic for a seed. Notebook 00 plots its loss curve; `birq backend --selftest` prints it.
 */
import * as tf from '@tensorflow/tfjs';

export interface TinyRunOptions {
  steps?: number;
  seed?: number;
  onStep?: (step: number, loss: number) => void;
}

export async function tinyTrainingRun(opts: TinyRunOptions = {}): Promise<{ step: number[]; loss: number[] }> {
  const steps = opts.steps ?? 100;
  const seed = opts.seed ?? 0;
  const x = tf.randomNormal([256, 16], 0, 1, 'float32', seed + 1); // [N, 16]
  const target = tf.tidy(() => tf.matMul(x, tf.randomNormal([16, 4], 0, 1, 'float32', seed + 2))); // [N, 4]
  const w1 = tf.variable(tf.randomNormal([16, 32], 0, 0.25, 'float32', seed + 3));
  const w2 = tf.variable(tf.randomNormal([32, 4], 0, 0.18, 'float32', seed + 4));
  const opt = tf.train.adam(0.01);
  const out = { step: [] as number[], loss: [] as number[] };
  for (let s = 1; s <= steps; s++) {
    const loss = opt.minimize(() => tf.losses.meanSquaredError(target, tf.matMul(tf.relu(tf.matMul(x, w1)), w2)) as tf.Scalar, true, [w1, w2])!;
    const v = (await loss.data())[0]; // the only read on WebGPU
    loss.dispose();
    out.step.push(s);
    out.loss.push(v);
    opts.onStep?.(s, v);
  }
  tf.dispose([x, target, w1, w2]);
  opt.dispose();
  return out;
}
