/**
 * The native model kernels (depthwise conv, attention core, soft cross-entropy) against the tfjs formulation they
 * replace, which runs on cpu: values and the gradient of every input, on shapes with padding and odd sizes. Also
 * checks that the wasm side really took the native path.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasNativeKernel, initBackend } from '../../src/backend';
import { depthwiseConv1d, keyPaddingBias, layerNorm, multiHeadSelfAttention, swish } from '../../src/model';
import { softCrossEntropy } from '../../src/objectives';
import { maxAbsDiff } from '../helpers';

function randn(n: number, seed: number, scale = 1): Float32Array {
  let s = seed;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return Float32Array.from({ length: n }, () => scale * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

type Input = { shape: number[]; data: Float32Array };
const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
const input = (shape: number[], seed: number, scale = 1): Input => ({ shape, data: randn(size(shape), seed, scale) });

/** Value and the gradient of Σ value·r (r fixed random) with respect to every input, as plain arrays. */
function valueAndGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Input[]) {
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
    const y = f(...xs);
    const r = tf.tensor(randn(y.size, 99), y.shape);
    const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), r)))(xs);
    return { value: Float32Array.from(y.dataSync()), grads: grads.map((g) => Float32Array.from(g.dataSync())) };
  });
}

/** max |a - b| over the reference's largest magnitude. */
function scaled(a: Float32Array, ref: Float32Array): number {
  let m = 1e-30;
  for (const v of ref) m = Math.max(m, Math.abs(v));
  return maxAbsDiff(a, ref) / m;
}

async function compare(kernel: Parameters<typeof hasNativeKernel>[0], f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Input[], tol = 1e-5) {
  await initBackend({ force: 'cpu', quiet: true });
  assert.equal(hasNativeKernel(kernel), false);
  const want = valueAndGrads(f, inputs);
  await initBackend({ force: 'wasm', quiet: true });
  assert.ok(hasNativeKernel(kernel), `${kernel} is not registered on wasm`);
  const got = valueAndGrads(f, inputs);
  assert.ok(scaled(got.value, want.value) < tol, `value: scaled diff ${scaled(got.value, want.value)}`);
  got.grads.forEach((g, i) => assert.ok(scaled(g, want.grads[i]) < tol, `gradient of input ${i}: scaled diff ${scaled(g, want.grads[i])}`));
}

for (const [B, T, C, K] of [[2, 23, 6, 3], [3, 17, 9, 15], [1, 5, 4, 15], [2, 50, 144, 15]]) {
  test(`native depthwise conv = tfjs formulation, values and gradients: x [${B}, ${T}, ${C}], K ${K}`, async () => {
    await compare('BirqDepthwiseConv1d', (x, w, b) => depthwiseConv1d(x as tf.Tensor3D, w as tf.Tensor2D, b as tf.Tensor1D), [
      input([B, T, C], 1), input([K, C], 2), input([C], 3),
    ]);
  });
}

for (const [B, T, D, H] of [[2, 7, 8, 2], [3, 31, 24, 4], [1, 64, 144, 4]]) {
  test(`native attention = tfjs formulation, values and gradients: x [${B}, ${T}, ${D}], ${H} heads, padded keys`, async () => {
    // Utterance b is T - 3b frames long: padded keys must get no weight on either path.
    const mask = new Float32Array(B * T).map((_, i) => (i % T < T - 3 * Math.floor(i / T) ? 1 : 0));
    await compare('BirqAttention', (x, wq, bq, wo, bo) => {
      const kb = keyPaddingBias(tf.tensor2d(mask, [B, T]));
      return multiHeadSelfAttention(x as tf.Tensor3D, wq, bq, wo, bo, H, kb);
    }, [input([B, T, D], 4), input([D, 3 * D], 5, 0.3), input([3 * D], 6), input([D, D], 7, 0.3), input([D], 8)], 2e-5);
  });
}

for (const [M, V, soft] of [[5, 11, true], [37, 1000, true], [16, 8192, false]] as const) {
  test(`native soft cross-entropy = tfjs formulation, loss and both gradients: [${M}, ${V}], ${soft ? 'soft' : 'one-hot'} targets`, async () => {
    const t = soft ? input([M, V], 10, 2) : { shape: [M, V], data: new Float32Array(M * V).map((_, i) => (i % V === (Math.floor(i / V) * 7919) % V ? 1 : 0)) };
    await compare('BirqSoftXent', (logits, targets) => softCrossEntropy(logits as tf.Tensor2D, soft ? tf.softmax(targets) as tf.Tensor2D : targets as tf.Tensor2D), [input([M, V], 9, 3), t]);
  });
}

for (const shape of [[3, 7], [2, 17, 144], [4, 50, 33]]) {
  test(`native layer norm = tfjs formulation, values and gradients of x, g, b: [${shape}]`, async () => {
    const D = shape[shape.length - 1];
    await compare('BirqLayerNorm', (x, g, b) => layerNorm(x, g, b), [input(shape, 20, 3), input([D], 21), input([D], 22)]);
  });
  test(`native swish = tfjs formulation, values and gradient: [${shape}]`, async () => {
    await compare('BirqSwish', (x) => swish(x), [input(shape, 23, 4)]);
  });
}

test('a whole BiRQ training step (soft targets) on wasm with native kernels = the tfjs formulation on cpu', async () => {
  const { tinyConfig } = await import('../train/tiny');
  const { MaskedPredictionTask } = await import('../../src/tasks/masked-prediction');
  const { ToyFeatureSource } = await import('../../src/train/feature-source');
  const c = tinyConfig((k) => {
    k.encoder = { ...k.encoder, dropout: 0 };
    k.enhanced.mode = 'soft';
  });
  const stepOn = async (backend: 'cpu' | 'wasm') => {
    await initBackend({ force: backend, quiet: true });
    const task = new MaskedPredictionTask(c);
    const batch = new ToyFeatureSource({ seed: 3, batchSize: 2, frames: 64 }).batchAt(0);
    const r = task.step(batch, { step: 0, micro: 0, totalSteps: 10, seed: 1 });
    const grads = Object.fromEntries([...r.grads].map(([k, g]) => [k, Float32Array.from(g.dataSync())]));
    for (const g of r.grads.values()) g.dispose();
    task.dispose();
    return { losses: r.losses, grads };
  };
  const want = await stepOn('cpu');
  const got = await stepOn('wasm');
  assert.ok(hasNativeKernel('BirqAttention'));
  for (const k of ['F', 'G'] as const) assert.ok(Math.abs(got.losses[k] - want.losses[k]) < 1e-4 * Math.abs(want.losses[k]), `${k}: ${got.losses[k]} vs ${want.losses[k]}`);
  assert.deepEqual(Object.keys(got.grads).sort(), Object.keys(want.grads).sort());
  // The depthwise bias feeds batch norm, which removes any per-channel shift: its exact gradient is 0 and both
  // sides hold rounding noise. Differences are judged against the largest gradient entry of the whole step.
  let top = 0;
  for (const g of Object.values(want.grads)) for (const v of g) top = Math.max(top, Math.abs(v));
  for (const [k, g] of Object.entries(got.grads)) {
    const d = maxAbsDiff(g, want.grads[k]);
    assert.ok(d < 1e-4 * top, `${k}: max diff ${d} (largest gradient entry ${top})`);
  }
});

test('BiRQ training steps through the native kernels leave no tensors or backend buffers behind', async () => {
  const { tinyConfig } = await import('../train/tiny');
  const { MaskedPredictionTask } = await import('../../src/tasks/masked-prediction');
  const { ToyFeatureSource } = await import('../../src/train/feature-source');
  await initBackend({ force: 'wasm', quiet: true });
  const task = new MaskedPredictionTask(tinyConfig((k) => (k.enhanced.mode = 'soft')));
  const source = new ToyFeatureSource({ seed: 3, batchSize: 2, frames: 64 });
  const step = (i: number) => {
    const r = task.step(source.batchAt(i), { step: i, micro: 0, totalSteps: 10, seed: 1 });
    for (const g of r.grads.values()) g.dispose();
  };
  step(0);
  const before = tf.memory() as tf.MemoryInfo & { numDataBuffers?: number };
  for (let i = 1; i < 4; i++) step(i);
  const after = tf.memory() as tf.MemoryInfo & { numDataBuffers?: number };
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numDataBuffers, before.numDataBuffers);
  assert.equal(after.numBytes, before.numBytes);
  task.dispose();
});
