/** Our depthwise conv formulation against tf.depthwiseConv2d (cpu), its gradients, and the wasm Slice patch. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { depthwiseConv1d } from '../../src/model';
import { patchWasmSlice } from '../../src/backend';
import { finiteDifferences, maxAbsDiff } from '../helpers';

function reference(x: tf.Tensor3D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor3D {
  const [B, T, C] = x.shape;
  const K = w.shape[0];
  const y = tf.depthwiseConv2d(x.reshape([B, 1, T, C]) as tf.Tensor4D, w.reshape([1, K, C, 1]) as tf.Tensor4D, 1, 'same');
  return tf.add(y.reshape([B, T, C]), b) as tf.Tensor3D;
}

test('depthwise conv as shifted slices = tf.depthwiseConv2d (same padding), values and gradients, on cpu', async () => {
  await initBackend({ force: 'cpu', quiet: true });
  for (const K of [3, 7, 15]) {
    const x = tf.randomNormal([2, 23, 6], 0, 1, 'float32', K) as tf.Tensor3D;
    const w = tf.randomNormal([K, 6], 0, 1, 'float32', K + 1) as tf.Tensor2D;
    const b = tf.randomNormal([6], 0, 1, 'float32', K + 2) as tf.Tensor1D;
    const dy = tf.randomNormal([2, 23, 6], 0, 1, 'float32', K + 3);
    assert.ok(maxAbsDiff(depthwiseConv1d(x, w, b).dataSync(), reference(x, w, b).dataSync()) < 1e-4, `forward K=${K}`);
    const ours = tf.grads((a, c, d) => tf.sum(tf.mul(depthwiseConv1d(a as tf.Tensor3D, c as tf.Tensor2D, d as tf.Tensor1D), dy)))([x, w, b]);
    const ref = tf.grads((a, c, d) => tf.sum(tf.mul(reference(a as tf.Tensor3D, c as tf.Tensor2D, d as tf.Tensor1D), dy)))([x, w, b]);
    ours.forEach((g, i) => assert.ok(maxAbsDiff(g.dataSync(), ref[i].dataSync()) < 1e-3, `grad ${i} K=${K}`));
  }
});

test('depthwise conv gradient: finite differences', async () => {
  await initBackend({ force: 'cpu', quiet: true });
  const x = tf.randomNormal([1, 9, 3], 0, 1, 'float32', 1) as tf.Tensor3D;
  const w = tf.randomNormal([5, 3], 0, 1, 'float32', 2) as tf.Tensor2D;
  const dy = tf.randomNormal([1, 9, 3], 0, 1, 'float32', 3);
  const f = (wv: Float32Array) => tf.tidy(() => tf.sum(tf.mul(depthwiseConv1d(x, tf.tensor2d(wv, [5, 3])), dy)).dataSync()[0]);
  const g = tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(depthwiseConv1d(x, ww as tf.Tensor2D), dy)))(w).dataSync();
  for (const p of finiteDifferences(f, w.dataSync() as Float32Array, g, 10, 1e-2)) assert.ok(Math.abs(p.analytic - p.numeric) < 2e-2, JSON.stringify(p));
});

test('wasm Slice/SplitV patch gives the cpu results, and gradients through split and slice', async () => {
  const shape = [4, 5, 6];
  const v = Float32Array.from({ length: 120 }, (_, i) => Math.sin(i));
  const run = () =>
    tf.tidy(() => {
      const x = tf.tensor3d(v, shape as [number, number, number]);
      const parts = [tf.slice(x, [1, 2, 3], [2, 3, 2]), ...tf.split(x, [2, 4], 2), ...tf.split(x, 4, 0)];
      const g = tf.grad((a: tf.Tensor) => tf.add(tf.sum(tf.square(tf.slice(a, [0, 1, 0], [3, 2, 6]))), tf.sum(tf.mul(tf.split(a, 2, 2)[1], 3))))(x);
      return [...parts, g].map((t) => Array.from(t.dataSync()));
    });
  await initBackend({ force: 'cpu', quiet: true });
  const want = run();
  await initBackend({ force: 'wasm', quiet: true });
  assert.ok(patchWasmSlice());
  assert.deepEqual(run(), want);
});

test('wasm Identity patch: clones share data safely (dispose the original, assign the variable)', async () => {
  await initBackend({ force: 'wasm', quiet: true });
  assert.ok(patchWasmSlice());
  const a = tf.tensor1d([1, 2, 3]);
  const b = a.clone();
  a.dispose();
  assert.deepEqual(Array.from(b.dataSync()), [1, 2, 3]);
  const v = tf.variable(tf.tensor1d([1, 2]));
  const c = v.clone();
  v.assign(tf.tensor1d([5, 6]));
  assert.deepEqual(Array.from(c.dataSync()), [1, 2]);
  assert.deepEqual(Array.from(v.dataSync()), [5, 6]);
  tf.dispose([b, c, v]);
});
