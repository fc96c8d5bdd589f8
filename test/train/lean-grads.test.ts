import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { Conformer } from '../../src/model';
import { leanVariableGrads } from '../../src/train/lean-grads';
import { tinyConfig } from './tiny';

test('leanVariableGrads = tf.variableGrads (same values and gradients), frees its tape, leaks nothing', async () => {
  await initBackend({ quiet: true });
  const enc = new Conformer({ ...tinyConfig().encoder, dropout: 0 }, 4);
  const x = tf.randomNormal([2, 32, 80], 0, 1, 'float32', 5) as tf.Tensor3D;
  const w = tf.randomNormal([2, 8, 16], 0, 1, 'float32', 6);
  const vars = enc.params.trainable().map(([, v]) => v);
  const f = () => tf.sum(tf.mul(enc.forward(x, { lengths: [32, 20] }), w)) as tf.Scalar;
  const ref = tf.variableGrads(f, vars);
  const before = tf.memory().numTensors;
  const ours = leanVariableGrads(f, vars);
  assert.equal(tf.memory().numTensors - before, 1 + Object.keys(ours.grads).length, 'only the value and the gradients remain');
  assert.equal(ours.value.dataSync()[0], ref.value.dataSync()[0]);
  assert.deepEqual(Object.keys(ours.grads).sort(), Object.keys(ref.grads).sort());
  for (const [k, g] of Object.entries(ref.grads)) assert.deepEqual(Array.from(ours.grads[k].dataSync()), Array.from(g.dataSync()), k);
  tf.dispose([ref.value, ours.value, ...Object.values(ref.grads), ...Object.values(ours.grads), x, w]);
  enc.dispose();
});
