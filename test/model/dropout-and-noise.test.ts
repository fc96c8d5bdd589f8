/** The bulk random draws of a training step: uniformFloats / normalFloats (util/rng) and dropout built on them. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend } from '../../src/backend';
import { dropout } from '../../src/model';
import { normalFloats, Rng, uniformFloats } from '../../src/util/rng';

function moments(x: Float32Array): { mean: number; variance: number } {
  let s = 0;
  for (const v of x) s += v;
  const mean = s / x.length;
  let q = 0;
  for (const v of x) q += (v - mean) ** 2;
  return { mean, variance: q / x.length };
}

test('uniformFloats: strictly inside (0, 1), mean 1/2, variance 1/12, same seed same draws, other seed other draws', () => {
  const u = uniformFloats(200000, 7);
  assert.ok(u.every((v) => v > 0 && v < 1));
  const { mean, variance } = moments(u);
  assert.ok(Math.abs(mean - 0.5) < 0.005, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < 0.002, `variance ${variance}`);
  assert.deepEqual(uniformFloats(1000, 7), u.subarray(0, 1000));
  assert.notDeepEqual(uniformFloats(1000, 8), u.subarray(0, 1000));
  // Deciles hold ~10 % each (a coarse check that the xorshift stream has no gross bias).
  const bins = new Array(10).fill(0);
  for (const v of u) bins[Math.floor(v * 10)]++;
  for (const b of bins) assert.ok(Math.abs(b / u.length - 0.1) < 0.005, `decile share ${b / u.length}`);
});

test('normalFloats: mean 0, the requested std, odd lengths, ~68 % within one std', () => {
  const x = normalFloats(100001, 3, 0.1);
  assert.equal(x.length, 100001);
  const { mean, variance } = moments(x);
  assert.ok(Math.abs(mean) < 0.002, `mean ${mean}`);
  assert.ok(Math.abs(Math.sqrt(variance) - 0.1) < 0.002, `std ${Math.sqrt(variance)}`);
  const within = x.filter((v) => Math.abs(v) < 0.1).length / x.length;
  assert.ok(Math.abs(within - 0.6827) < 0.01, `within one std ${within}`);
});

test('dropout keeps ~(1 - rate) of the entries scaled by 1/(1 - rate), reproducibly, and its gradient is the mask', async () => {
  await initBackend({ force: 'wasm', quiet: true });
  const x = tf.ones([4, 50, 64]);
  const y = dropout(x, 0.25, true, new Rng(11)).dataSync();
  const kept = y.filter((v) => v !== 0);
  assert.ok(Math.abs(kept.length / y.length - 0.75) < 0.02, `kept ${kept.length / y.length}`);
  assert.ok(kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6));
  assert.deepEqual(dropout(x, 0.25, true, new Rng(11)).dataSync(), y);
  assert.equal(dropout(x, 0.25, false, new Rng(11)), x, 'evaluation passes x through');
  const g = tf.grad((a: tf.Tensor) => tf.sum(dropout(a, 0.25, true, new Rng(11))))(x).dataSync();
  assert.deepEqual(Array.from(g), Array.from(y), 'gradient of Σ dropout(x) at x = 1 is the scaled mask');
  x.dispose();
});

// keep values on and off the float32 grid (0.1 + 1e-9 sits between two of the uniforms' possible values)
const KEEPS: [number, number][] = [[0.9, 1], [0.5, 0xffffffff], [0.75, 0], [0.1 + 1e-9, 42], [1 - 2 ** -24, 7], [Math.fround(0.3), 9]];

test('the native dropout mask (wasm) equals the JS one (cpu) bit for bit', async () => {
  const { dropoutMask } = await import('../../src/model');
  const { hasNativeKernel } = await import('../../src/backend');
  const masks: Float32Array[] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    await initBackend({ force: backend, quiet: true });
    assert.equal(hasNativeKernel('BirqDropoutMask'), backend === 'wasm');
    for (const [keep, seed] of KEEPS) {
      const m = dropoutMask([3, 37, 41], keep, seed);
      masks.push(Float32Array.from(m.dataSync()));
      m.dispose();
    }
  }
  for (let i = 0; i < KEEPS.length; i++) assert.deepEqual(masks[i + KEEPS.length], masks[i], `keep ${KEEPS[i][0]}`);
});

test('native Gumbel noise (wasm) equals the JS uniforms with the backend logs (cpu) to float rounding', async () => {
  const { gumbelNoise } = await import('../../src/quantizers/gumbel');
  const out: Float32Array[] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    await initBackend({ force: backend, quiet: true });
    const g = gumbelNoise([37, 301], 12345);
    out.push(Float32Array.from(g.dataSync()));
    g.dispose();
  }
  let worst = 0;
  for (let i = 0; i < out[0].length; i++) worst = Math.max(worst, Math.abs(out[1][i] - out[0][i]) / Math.max(1, Math.abs(out[0][i])));
  assert.ok(worst < 1e-5, `worst relative difference ${worst}`);
  const { mean } = moments(out[1]);
  assert.ok(Math.abs(mean - 0.5772) < 0.02, `Gumbel mean ${mean} (Euler-Mascheroni 0.5772)`);
});
