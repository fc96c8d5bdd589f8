import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BirqError } from '../../src/util/errors';
import { initBackend } from '../../src/backend';
import { finiteDifferences, maxRelDiff, onBackend } from '../helpers';

test('initBackend picks wasm here and says why the native backends and webgpu were skipped', async () => {
  const r = await initBackend({ quiet: true });
  assert.equal(r.backend, 'wasm');
  assert.deepEqual(r.skipped.map((s) => s.backend), ['tensorflow-gpu', 'webgpu', 'tensorflow']);
  // No GPU here: no Vulkan driver at all, or only the private lavapipe, which the ladder never adds unforced.
  assert.match(r.skipped[1].why, /no Vulkan driver|no WebGPU adapter|fallback/);
  for (const s of r.skipped) assert.ok(s.why.length > 10, s.why);
  assert.ok(r.patches.some((p) => p.startsWith('BatchMatMul')));
  assert.ok(r.patches.some((p) => p.startsWith('UnsortedSegmentSum')));
  assert.ok(r.patches.some((p) => p.startsWith('Identity')));
});

test('an unknown BIRQ_BACKEND is an error that lists the choices', async () => {
  await assert.rejects(initBackend({ force: 'tpu', quiet: true }), (e: unknown) => {
    assert.ok(e instanceof BirqError);
    assert.match((e as Error).message, /tpu.*tensorflow-gpu, webgpu, tensorflow, wasm, cpu/);
    return true;
  });
});

/** Forward value and gradients of `loss(inputs)` w.r.t. every input, as plain arrays. */
function valueAndGrads(loss: (...xs: tf.Tensor[]) => tf.Scalar, inputs: { shape: number[]; data: Float32Array }[]) {
  return tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.data, i.shape));
    const g = tf.grads((...a: tf.Tensor[]) => loss(...a))(xs);
    return { value: loss(...xs).dataSync()[0], grads: g.map((t) => Float32Array.from(t.dataSync())) };
  });
}

function randn(n: number, seed: number): Float32Array {
  let s = seed;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

// Every kernel whose wasm path we changed or supplied, each in a scalar loss so autodiff exercises it.
const CASES: { name: string; inputs: { shape: number[]; data: Float32Array }[]; loss: (...xs: tf.Tensor[]) => tf.Scalar }[] = [
  {
    name: 'matMul with transposeA / transposeB (the patched BatchMatMul)',
    inputs: [{ shape: [5, 7], data: randn(35, 1) }, { shape: [6, 5], data: randn(30, 2) }],
    loss: (a, b) => tf.sum(tf.square(tf.matMul(a, b, true, true))) as tf.Scalar,
  },
  {
    name: 'batched matMul, both flags, rank 3',
    inputs: [{ shape: [2, 4, 3], data: randn(24, 3) }, { shape: [2, 5, 4], data: randn(40, 4) }],
    loss: (a, b) => tf.sum(tf.sin(tf.matMul(a, b, true, true))) as tf.Scalar,
  },
  {
    name: 'fused matMul with bias and relu (tf.fused.matMul)',
    inputs: [{ shape: [4, 6], data: randn(24, 5) }, { shape: [3, 6], data: randn(18, 6) }, { shape: [3], data: randn(3, 7) }],
    loss: (a, b, c) => tf.sum(tf.square(tf.fused.matMul({ a, b, transposeB: true, bias: c, activation: 'relu' }))) as tf.Scalar,
  },
  {
    name: 'slice, split and clone (Slice / SplitV read in place, Identity shares data)',
    inputs: [{ shape: [3, 5, 4], data: randn(60, 13) }],
    loss: (x) => {
      const [a, b] = tf.split(x, [2, 3], 1);
      const c = tf.slice(x, [1, 1, 0], [2, 3, 3]);
      return tf.add(tf.sum(tf.square(tf.clone(a))), tf.add(tf.sum(tf.sin(b)), tf.sum(tf.mul(c, c)))) as tf.Scalar;
    },
  },
  {
    name: 'gather (gradient is UnsortedSegmentSum, delegated to cpu)',
    inputs: [{ shape: [6, 3], data: randn(18, 8) }],
    loss: (x) => tf.sum(tf.square(tf.gather(x, tf.tensor1d([0, 2, 2, 5, 0], 'int32')))) as tf.Scalar,
  },
  {
    name: 'depthwise conv (both backprops delegated to cpu)',
    inputs: [{ shape: [1, 9, 1, 4], data: randn(36, 9) }, { shape: [3, 1, 4, 1], data: randn(12, 10) }],
    loss: (x, w) => tf.sum(tf.square(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same'))) as tf.Scalar,
  },
  {
    name: 'conv2d (weight gradient delegated to cpu)',
    inputs: [{ shape: [1, 6, 5, 2], data: randn(60, 11) }, { shape: [3, 3, 2, 3], data: randn(54, 12) }],
    loss: (x, w) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'valid'))) as tf.Scalar,
  },
];

for (const c of CASES) {
  test(`wasm gradient equals cpu and finite differences: ${c.name}`, async () => {
    const cpu = await onBackend('cpu', () => valueAndGrads(c.loss, c.inputs));
    const wasm = await onBackend('wasm', () => valueAndGrads(c.loss, c.inputs));
    assert.ok(Math.abs(cpu.value - wasm.value) <= 1e-4 * Math.max(1, Math.abs(cpu.value)), `value ${wasm.value} vs cpu ${cpu.value}`);
    wasm.grads.forEach((g, i) => assert.ok(maxRelDiff(g, cpu.grads[i]) < 1e-4, `input ${i}: wasm vs cpu rel diff ${maxRelDiff(g, cpu.grads[i])}`));
    // Finite differences on the wasm backend, per input.
    c.inputs.forEach((inp, i) => {
      const f = (x: Float32Array) =>
        tf.tidy(() => c.loss(...c.inputs.map((o, j) => tf.tensor(j === i ? x : o.data, o.shape))).dataSync()[0]);
      for (const p of finiteDifferences(f, inp.data, wasm.grads[i], 8, 1e-2, i + 1)) {
        const tol = 2e-2 * Math.max(1, Math.abs(p.numeric));
        assert.ok(Math.abs(p.analytic - p.numeric) <= tol, `input ${i}[${p.index}]: analytic ${p.analytic} vs numeric ${p.numeric}`);
      }
    });
  });
}

test('patched matMul leaves no tensors and no backend memory behind', async () => {
  await initBackend({ force: 'wasm', quiet: true });
  const a = tf.randomNormal([8, 5]);
  const b = tf.randomNormal([6, 8]);
  tf.tidy(() => tf.matMul(a, b, true, true)).dispose();
  const before = tf.memory();
  for (let i = 0; i < 5; i++) tf.tidy(() => tf.matMul(a, b, true, true)).dispose();
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numBytes, before.numBytes);
  assert.equal((after as { numDataBuffers?: number }).numDataBuffers, (before as { numDataBuffers?: number }).numDataBuffers);
  tf.dispose([a, b]);
});
