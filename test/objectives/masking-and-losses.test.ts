import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { applySpanMask, bomeLambda, expectedMaskedFraction, labelCrossEntropy, penaltyWeights, DEFAULT_PENALTY, selectionMatrix, selectRows, softCrossEntropy, spanMask } from '../../src/objectives';
import { Rng } from '../../src/util/rng';
import { maxAbsDiff } from '../helpers';

test('span masking: masked fraction matches 1-(1-p)^L with edge effects (Monte Carlo)', () => {
  for (const [n, p, L] of [[200, 0.01, 10], [200, 0.05, 10], [50, 0.02, 10], [400, 0.1, 5]]) {
    const rng = new Rng(n * 7 + L);
    const B = 400;
    const m = spanMask(new Array(B).fill(n), n, { startProb: p, spanFrames: L }, rng);
    const frac = m.reduce((s, v) => s + v, 0) / (B * n);
    const want = expectedMaskedFraction(n, p, L);
    assert.ok(Math.abs(frac - want) < 0.1 * want + 0.003, `n=${n} p=${p} L=${L}: got ${frac.toFixed(4)}, formula ${want.toFixed(4)}`);
    // The interior rate 1-(1-p)^L is an upper bound and close for long utterances.
    assert.ok(want <= 1 - Math.pow(1 - p, L) + Math.pow(1 - p, n) * L / n + 1e-12);
  }
  assert.ok(Math.abs(expectedMaskedFraction(100000, 0.01, 10) - (1 - 0.99 ** 10)) < 1e-3, 'long utterances reach the interior rate');
});

test('span masking: at least one span per utterance, padding never masked, spans of L frames', () => {
  const rng = new Rng(3);
  const lengths = [30, 12, 5, 0];
  const T = 30;
  for (let rep = 0; rep < 50; rep++) {
    const m = spanMask(lengths, T, { startProb: 0.001, spanFrames: 10 }, rng);
    lengths.forEach((n, b) => {
      const row = m.subarray(b * T, (b + 1) * T);
      const count = row.reduce((s, v) => s + v, 0);
      if (n > 0) assert.ok(count >= Math.min(10, n), `utterance ${b} has a span`);
      for (let t = n; t < T; t++) assert.equal(row[t], 0, 'padding is never masked');
    });
  }
});

test('applySpanMask replaces exactly the 4 input frames of each masked stacked frame by N(0, 0.1) noise', async () => {
  await initBackend({ quiet: true });
  const feats = tf.fill([1, 40, 8], 5) as tf.Tensor3D;
  const mask = new Uint8Array(10);
  mask[2] = 1;
  mask[3] = 1;
  const out = applySpanMask(feats, mask, 10, 4, 0.1, 7).dataSync();
  for (let t = 0; t < 40; t++) {
    const row = out.slice(t * 8, t * 8 + 8);
    if (t >= 8 && t < 16) assert.ok(row.every((v) => Math.abs(v) < 0.6), `frame ${t} is noise`);
    else assert.ok(row.every((v) => v === 5), `frame ${t} untouched`);
  }
});

test('selection matMul picks masked rows; CE equals the textbook value', async () => {
  await initBackend({ quiet: true });
  const x = tf.tensor3d(Float32Array.from({ length: 2 * 3 * 2 }, (_, i) => i), [2, 3, 2]);
  const mask = Uint8Array.from([0, 1, 0, 1, 0, 1]);
  const { S, index } = selectionMatrix(mask);
  assert.deepEqual(Array.from(index), [1, 3, 5]);
  assert.deepEqual(Array.from(selectRows(x, S).dataSync()), [2, 3, 6, 7, 10, 11]);
  const logits = tf.tensor2d([[1, 2, 3], [0, 0, 0]]);
  const ce = labelCrossEntropy(logits, tf.tensor1d([2, 0], 'int32')).dataSync()[0];
  const want = (-(3 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3))) + Math.log(3)) / 2;
  assert.ok(Math.abs(ce - want) < 1e-5);
  const soft = softCrossEntropy(logits, tf.tensor2d([[0.5, 0.5, 0], [1, 0, 0]])).dataSync()[0];
  const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
  assert.ok(Math.abs(soft - (0.5 * (lse - 1) + 0.5 * (lse - 2) + Math.log(3)) / 2) < 1e-5);
});

test('penalty weights: constant, increasing ramp, BOME lambda', () => {
  assert.deepEqual(penaltyWeights(DEFAULT_PENALTY, 5, 10), { w1: 0.1, w2: 2.4 });
  const inc = { ...DEFAULT_PENALTY, schedule: 'increasing' as const, w2Start: 0.4 };
  assert.equal(penaltyWeights(inc, 0, 11).w2, 0.4);
  assert.ok(Math.abs(penaltyWeights(inc, 5, 11).w2 - 1.4) < 1e-12);
  assert.equal(penaltyWeights(inc, 10, 11).w2, 2.4);
  assert.equal(bomeLambda(-1, 1, 0.5), 1.5, 'opposed gradients raise lambda');
  assert.equal(bomeLambda(10, 1, 0.5), 0, 'aligned gradients need no penalty push');
  assert.equal(bomeLambda(0, 0, 0.5), 0);
});

test('straight-through and stop-gradient: custom gradients match their definitions (finite differences of the soft path)', async () => {
  await initBackend({ force: 'cpu', quiet: true });
  const { stopGradient, straightThrough } = await import('../../src/quantizers');
  const x = tf.tensor1d([0.3, -1.2, 2.0]);
  const w = tf.tensor1d([1.5, -0.5, 2.0]);
  const g0 = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(stopGradient(tf.square(a)), w)))(x).dataSync();
  assert.ok(Array.from(g0).every((v) => v === 0), 'stopGradient passes no gradient');
  // straightThrough(hard(a), soft(a)) has the value of hard and the gradient of soft = softmax(a).
  const st = (a: tf.Tensor) => {
    const soft = tf.softmax(a as tf.Tensor1D);
    return tf.sum(tf.mul(straightThrough(tf.oneHot(tf.argMax(soft), 3).toFloat().reshape([3]), soft), w));
  };
  assert.ok(Math.abs(st(x).dataSync()[0] - 2.0) < 1e-6, 'forward is the one-hot value');
  const g = tf.grad(st)(x).dataSync();
  const soft = (v: number[]) => tf.tidy(() => tf.sum(tf.mul(tf.softmax(tf.tensor1d(v)), w)).dataSync()[0]);
  const xv = Array.from(x.dataSync());
  for (let i = 0; i < 3; i++) {
    const e = 1e-2;
    const p = [...xv];
    const m = [...xv];
    p[i] += e;
    m[i] -= e;
    assert.ok(Math.abs(g[i] - (soft(p) - soft(m)) / (2 * e)) < 1e-3, `coordinate ${i}`);
  }
  // And the closed form of the soft path's gradient, in float64: d/da_i Σ_j softmax(a)_j w_j = s_i (w_i - s·w).
  const ex = xv.map((v) => Math.exp(v - Math.max(...xv)));
  const s = ex.map((v) => v / ex.reduce((a, b) => a + b, 0));
  const sw = s.reduce((acc, si, j) => acc + si * w.dataSync()[j], 0);
  const closed = s.map((si, i) => si * (w.dataSync()[i] - sw));
  assert.ok(maxAbsDiff(g, closed) < 1e-6, `gradient ${Array.from(g)} vs closed form ${closed}`);
  assert.ok(closed.some((v) => Math.abs(v) > 0.05), 'the case has a gradient that is not near zero');
});

test('cross-entropy gradient (hand-written) = autodiff of the textbook formula, for logits and soft targets (cpu)', async () => {
  await initBackend({ force: 'cpu', quiet: true });
  const logits = tf.randomNormal([5, 7], 0, 2, 'float32', 1) as tf.Tensor2D;
  const targets = tf.softmax(tf.randomNormal([5, 7], 0, 1, 'float32', 2)) as tf.Tensor2D;
  const plain = (l: tf.Tensor, t: tf.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(t, tf.logSoftmax(l as tf.Tensor2D)), -1)));
  assert.ok(Math.abs(softCrossEntropy(logits, targets).dataSync()[0] - plain(logits, targets).dataSync()[0]) < 1e-5);
  const ours = tf.grads((l, t) => softCrossEntropy(l as tf.Tensor2D, t as tf.Tensor2D))([logits, targets]);
  const ref = tf.grads((l, t) => plain(l, t) as tf.Scalar)([logits, targets]);
  ours.forEach((g, i) => assert.ok(maxAbsDiff(g.dataSync(), ref[i].dataSync()) < 1e-5, `input ${i}`));
});
