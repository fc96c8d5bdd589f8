/**
 * BOME's update (objectives/bilevel.ts, docs/method.md §5) pinned on problems small enough to do by hand, and
 * the names the pretraining task logs for it.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend } from '../../src/backend';
import { bomeDirection } from '../../src/objectives/bilevel';
import { MaskedPredictionTask } from '../../src/tasks/masked-prediction';
import { ToyFeatureSource } from '../../src/train/feature-source';
import { tinyConfig } from '../train/tiny';

const close = (a: ArrayLike<number>, b: number[], what: string) =>
  b.forEach((x, i) => assert.ok(Math.abs(a[i] - x) < 1e-6, `${what}[${i}]: ${a[i]} vs ${x}`));

test('BOME on two quadratics: d = w1∇F + λ∇G with λ = max(η‖∇G‖² − <w1∇F, ∇G>, 0) / ‖∇G‖²', async () => {
  await initBackend({ force: 'cpu', quiet: true });
  // θ = (0, 0); F = ½‖θ − a‖², a = (−2, 0); G = ½‖θ − b‖², b = (1, −1); w1 = 0.5, η = 0.5.
  //   w1∇F = 0.5 (θ − a) = (1, 0);  ∇G = θ − b = (−1, 1);  ‖∇G‖² = 2;  <w1∇F, ∇G> = −1
  //   λ = (0.5·2 + 1) / 2 = 1;  d = (1, 0) + (−1, 1) = (0, 1);  <d, ∇G> = 1 = η‖∇G‖²
  const theta = tf.variable(tf.zeros([2]), true, 'theta');
  const a = tf.tensor1d([-2, 0]);
  const b = tf.tensor1d([1, -1]);
  const half = (x: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(tf.sub(theta, x)))) as tf.Scalar;
  const gF = tf.variableGrads(() => tf.mul(0.5, half(a)) as tf.Scalar, [theta]);
  const gG = tf.variableGrads(() => half(b), [theta]);
  const before = tf.memory().numTensors;
  const { direction, lambda } = bomeDirection(new Map([['theta', gF.grads.theta]]), new Map([['theta', gG.grads.theta]]), 0.5);
  assert.equal(tf.memory().numTensors, before + 1, 'only the direction is left');
  assert.equal(lambda, 1);
  close(direction.get('theta')!.dataSync(), [0, 1], 'd');
  // The same step as SGD at lr 0.1: θ ← θ − 0.1 d = (0, −0.1).
  theta.assign(tf.sub(theta, tf.mul(0.1, direction.get('theta')!)));
  close(theta.dataSync(), [0, -0.1], 'θ after one step');
  tf.dispose([theta, a, b, gF.value, gG.value, gF.grads.theta, gG.grads.theta, ...direction.values()]);
});

test('BOME: agreeing gradients need no push (λ = 0); a parameter only G sees gets λ∇G', async () => {
  await initBackend({ force: 'cpu', quiet: true });
  const t = (x: number[]) => tf.tensor1d(x);
  // w1∇F = (2, 0), ∇G = (1, 0): η‖∇G‖² − <> = 0.5 − 2 < 0, so λ = 0 and d = w1∇F.
  let r = bomeDirection(new Map([['p', t([2, 0])]]), new Map([['p', t([1, 0])]]), 0.5);
  assert.equal(r.lambda, 0);
  close(r.direction.get('p')!.dataSync(), [2, 0], 'd');
  // p in both, h (a head) only in G: ‖∇G‖² = 2 + 4 = 6, <> = −1, λ = (3 + 1) / 6 = 2/3;
  // d_p = (1, 0) + 2/3 (−1, 1) = (1/3, 2/3), d_h = 2/3 · 2 = 4/3.
  r = bomeDirection(new Map([['p', t([1, 0])]]), new Map([['p', t([-1, 1])], ['h', t([2])]]), 0.5);
  assert.ok(Math.abs(r.lambda - 2 / 3) < 1e-12);
  close(r.direction.get('p')!.dataSync(), [1 / 3, 2 / 3], 'd_p');
  close(r.direction.get('h')!.dataSync(), [4 / 3], 'd_h');
});

test('BiRQ with objective.schedule=bome logs λ as lambda, not as w2, and total = w1·F + λ·G', async () => {
  await initBackend({ force: 'cpu', quiet: true });
  const c = tinyConfig((c) => (c.objective.schedule = 'bome'));
  const task = new MaskedPredictionTask(c);
  const src = new ToyFeatureSource({ seed: c.seed, batchSize: 2, frames: 64, melBins: c.encoder.inputDim });
  const r = task.step(src.batchAt(0), { step: 0, micro: 0, totalSteps: 4, seed: c.seed });
  assert.ok(Number.isFinite(r.metrics.lambda) && r.metrics.lambda >= 0, `lambda ${r.metrics.lambda}`);
  assert.ok(Number.isNaN(r.metrics.w2), 'w2 is not applied under BOME');
  assert.ok(Math.abs(r.losses.total - (c.objective.w1 * r.losses.F + r.metrics.lambda * r.losses.G)) < 1e-9);
  for (const g of r.grads.values()) g.dispose();
  task.dispose();
  const plain = new MaskedPredictionTask(tinyConfig());
  const p = plain.step(src.batchAt(0), { step: 0, micro: 0, totalSteps: 4, seed: c.seed });
  assert.equal(p.metrics.w2, c.objective.w2);
  assert.equal(p.metrics.lambda, undefined);
  for (const g of p.grads.values()) g.dispose();
  plain.dispose();
});
