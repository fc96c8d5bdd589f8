import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { Conformer, ENCODER_PRESETS, EncoderConfig, multiHeadSelfAttention } from '../../src/model';
import { maxAbsDiff } from '../helpers';

const tiny: EncoderConfig = { ...ENCODER_PRESETS.smoke.config, blocks: 3, dim: 16, heads: 2, ffnDim: 32, kernel: 5 };

test('forward: layer tap shapes, untilBlock k equals the first k blocks of the full model', async () => {
  await initBackend({ quiet: true });
  const m = new Conformer(tiny, 1);
  const x = tf.randomNormal([2, 42, 80], 0, 1, 'float32', 1) as tf.Tensor3D;
  const before = tf.memory().numTensors;
  const h3 = m.forward(x);
  assert.deepEqual(h3.shape, [2, 10, 16]);
  const h1 = m.forward(x, { untilBlock: 1 });
  const h0 = m.forward(x, { untilBlock: 0 });
  assert.deepEqual(h1.shape, [2, 10, 16]);
  assert.notDeepEqual(Array.from(h1.dataSync()), Array.from(h3.dataSync()));
  assert.equal(tf.memory().numTensors - before, 3 + 1, 'only the outputs (and one cached position table) remain');
  assert.throws(() => m.forward(x, { untilBlock: 4 }), /untilBlock 4/);
  assert.throws(() => m.forward(tf.zeros([2, 8, 40]) as tf.Tensor3D), /Conformer.forward: feats has shape \[2, 8, 40\], expected \[\?, \?, 80\]/);
  // The reference for the tap: a k-block model from the same seed draws the same front end and first k blocks
  // (parameters are drawn in order), so its full forward is "the first k blocks of the full model".
  const taps = [h0, h1, m.forward(x, { untilBlock: 2 }), h3];
  for (let k = 0; k <= 3; k++) {
    const mk = new Conformer({ ...tiny, blocks: k }, 1);
    for (const [name, v] of mk.params.vars) assert.equal(maxAbsDiff(v.dataSync(), m.params.get(name).dataSync()), 0, `${k}-block model: ${name} differs`);
    const ref = mk.forward(x);
    assert.equal(maxAbsDiff(taps[k].dataSync(), ref.dataSync()), 0, `untilBlock ${k} vs a ${k}-block model`);
    if (k > 0) assert.ok(maxAbsDiff(taps[k].dataSync(), taps[k - 1].dataSync()) > 1e-3, `block ${k} changes its input`);
    ref.dispose();
    mk.dispose();
  }
  tf.dispose([x, ...taps]);
  m.dispose();
});

test('padding does not change valid frames (eval mode), for both front ends and both conv norms', async () => {
  await initBackend({ quiet: true });
  for (const [frontEnd, convNorm] of [['stack', 'batch'], ['conv', 'layer']] as const) {
    const m = new Conformer({ ...tiny, frontEnd, convNorm }, 2);
    const x = tf.randomNormal([1, 24, 80], 0, 1, 'float32', 2) as tf.Tensor3D;
    const padded = tf.concat([x, tf.randomNormal([1, 16, 80], 0, 5, 'float32', 3)], 1) as tf.Tensor3D;
    const a = m.forward(x, { lengths: [24] });
    const b = m.forward(padded, { lengths: [24] }).slice([0, 0, 0], [1, 6, 16]);
    assert.ok(maxAbsDiff(a.dataSync(), b.dataSync()) < 1e-4, `${frontEnd}/${convNorm}`);
    m.dispose();
  }
});

test('attention with 2-D blocks matches the batched formula with a key padding mask', async () => {
  await initBackend({ force: 'cpu', quiet: true });
  const [B, T, D, H] = [2, 7, 8, 2];
  const x = tf.randomNormal([B, T, D], 0, 1, 'float32', 1) as tf.Tensor3D;
  const wq = tf.randomNormal([D, 3 * D], 0, 0.3, 'float32', 2);
  const bq = tf.randomNormal([3 * D], 0, 0.1, 'float32', 3);
  const wo = tf.randomNormal([D, D], 0, 0.3, 'float32', 4);
  const bo = tf.zeros([D]);
  const mask = tf.tensor2d([[1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 0, 0, 0]]);
  const ours = multiHeadSelfAttention(x, wq, bq, wo, bo, H, tf.mul(tf.sub(1, mask), -1e9) as tf.Tensor2D);
  const ref = tf.tidy(() => {
    const qkv = tf.add(tf.matMul(x.reshape([B * T, D]), wq), bq).reshape([B, T, 3, H, D / H]).transpose([2, 0, 3, 1, 4]);
    const [q, k, v] = tf.unstack(qkv);
    const s = tf.add(tf.div(tf.matMul(q, k, false, true), Math.sqrt(D / H)), tf.mul(tf.sub(1, mask), -1e9).reshape([B, 1, 1, T]));
    const o = tf.matMul(tf.softmax(s), v).transpose([0, 2, 1, 3]).reshape([B * T, D]);
    return tf.add(tf.matMul(o, wo), bo).reshape([B, T, D]);
  });
  assert.ok(maxAbsDiff(ours.dataSync(), ref.dataSync()) < 1e-5);
});

test('dropout is seeded: same seed same output, different seed different, eval ignores it', async () => {
  await initBackend({ quiet: true });
  const m = new Conformer({ ...tiny, dropout: 0.3 }, 3);
  const x = tf.randomNormal([2, 16, 80], 0, 1, 'float32', 4) as tf.Tensor3D;
  const a = m.forward(x, { training: true, seed: 5 }).dataSync();
  const b = m.forward(x, { training: true, seed: 5 }).dataSync();
  const c = m.forward(x, { training: true, seed: 6 }).dataSync();
  assert.deepEqual(Array.from(a), Array.from(b));
  assert.notDeepEqual(Array.from(a), Array.from(c));
  assert.throws(() => m.forward(x, { training: true }), /needs opts.seed/);
  m.dispose();
});

test('presets have the paper shapes', () => {
  const c1 = ENCODER_PRESETS['c1-small'].config;
  assert.deepEqual([c1.blocks, c1.dim, c1.heads, c1.ffnDim, c1.kernel], [5, 144, 4, 576, 15]);
  assert.equal(ENCODER_PRESETS['c2-small'].config.blocks, 10);
  assert.deepEqual([ENCODER_PRESETS.smoke.config.blocks, ENCODER_PRESETS.smoke.config.dim], [2, 64]);
});

test('a batch of one utterance trains (tf.split into one piece breaks tfjs autodiff; attention avoids it)', async () => {
  await initBackend({ quiet: true });
  const m = new Conformer({ ...tiny, dropout: 0 }, 5);
  const x = tf.randomNormal([1, 24, 80], 0, 1, 'float32', 1) as tf.Tensor3D;
  const vars = m.params.trainable().map(([, v]) => v);
  const { value, grads } = tf.variableGrads(() => tf.sum(m.forward(x, { training: true })) as tf.Scalar, vars);
  assert.ok(Number.isFinite(value.dataSync()[0]) && Object.keys(grads).length > 0);
  tf.dispose([x, value, ...Object.values(grads)]);
  m.dispose();
});
