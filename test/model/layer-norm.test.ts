import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { layerNorm } from '../../src/model';
import { finiteDifferences, maxAbsDiff } from '../helpers';

function plain(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const c = tf.sub(x, mean);
  return tf.add(tf.mul(tf.mul(c, tf.rsqrt(tf.add(tf.mean(tf.square(c), -1, true), 1e-5))), g), b);
}

test('layerNorm with hand-written gradient = autodiff of the plain formula, and finite differences (cpu)', async () => {
  await initBackend({ force: 'cpu', quiet: true });
  const x = tf.randomNormal([3, 4, 6], 0, 2, 'float32', 1);
  const g = tf.randomNormal([6], 1, 0.3, 'float32', 2);
  const b = tf.randomNormal([6], 0, 0.3, 'float32', 3);
  const dy = tf.randomNormal([3, 4, 6], 0, 1, 'float32', 4);
  assert.ok(maxAbsDiff(layerNorm(x, g, b).dataSync(), plain(x, g, b).dataSync()) < 1e-5);
  const ours = tf.grads((a, c, d) => tf.sum(tf.mul(layerNorm(a, c, d), dy)))([x, g, b]);
  const ref = tf.grads((a, c, d) => tf.sum(tf.mul(plain(a, c, d), dy)))([x, g, b]);
  ours.forEach((t, i) => assert.ok(maxAbsDiff(t.dataSync(), ref[i].dataSync()) < 1e-4, `input ${i}`));
  const f = (v: Float32Array) => tf.tidy(() => tf.sum(tf.mul(layerNorm(tf.tensor(v, [3, 4, 6]), g, b), dy)).dataSync()[0]);
  for (const p of finiteDifferences(f, x.dataSync() as Float32Array, ours[0].dataSync(), 10, 1e-2)) assert.ok(Math.abs(p.analytic - p.numeric) < 2e-2, JSON.stringify(p));
});
