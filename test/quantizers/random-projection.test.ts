import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { codeUsage, GumbelQuantizer, normalizedMutualInformation, RandomProjectionQuantizer, rpqLabels } from '../../src/quantizers';

/** Like assertNoLeak, but the tensors the function returns are allowed. */
function onlyReturns<T extends tf.Tensor | tf.Tensor[]>(label: string, fn: () => T): T {
  const before = tf.memory().numTensors;
  const out = fn();
  const n = Array.isArray(out) ? out.length : 1;
  assert.equal(tf.memory().numTensors - n, before, `${label}: tensors leaked`);
  return out;
}

test('RPQ labels equal a brute-force nearest-codeword search (l2 over unit vectors)', async () => {
  await initBackend({ quiet: true });
  const q = new RandomProjectionQuantizer({ inputDim: 320, numCodes: 512, numBooks: 2, seed: 7 });
  const x = tf.randomNormal([3, 20, 320], 0, 1, 'float32', 3) as tf.Tensor3D;
  const labels = onlyReturns('labels', () => q.labels(x));
  const u = x.reshape([60, 320]).arraySync() as number[][];
  for (let b = 0; b < 2; b++) {
    const A = q.projections[b].arraySync();
    const C = q.codebooks[b].arraySync();
    const got = labels[b].dataSync();
    for (let n = 0; n < 60; n++) {
      const z = A[0].map((_, j) => u[n].reduce((s, v, i) => s + v * A[i][j], 0));
      const norm = Math.hypot(...z);
      let best = -1;
      let bestD = Infinity;
      C.forEach((c, k) => {
        const d = c.reduce((s, cj, j) => s + (z[j] / norm - cj) ** 2, 0);
        if (d < bestD) [bestD, best] = [d, k];
      });
      assert.equal(got[n], best, `book ${b} row ${n}`);
    }
  }
  tf.dispose([x, ...labels]);
  q.dispose();
});

test('RPQ: codebook rows are unit vectors, projection is Xavier-uniform bounded, seeds reproduce', async () => {
  await initBackend({ quiet: true });
  const a = new RandomProjectionQuantizer({ inputDim: 320, numCodes: 256, seed: 1 });
  const b = new RandomProjectionQuantizer({ inputDim: 320, numCodes: 256, seed: 1 });
  const c = new RandomProjectionQuantizer({ inputDim: 320, numCodes: 256, seed: 2 });
  assert.deepEqual(Array.from(a.codebooks[0].dataSync()), Array.from(b.codebooks[0].dataSync()));
  assert.deepEqual(Array.from(a.projections[0].dataSync()), Array.from(b.projections[0].dataSync()));
  assert.notDeepEqual(Array.from(a.codebooks[0].dataSync()), Array.from(c.codebooks[0].dataSync()));
  const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(a.codebooks[0]), 1)).dataSync());
  for (const n of norms) assert.ok(Math.abs(n - 1) < 1e-5);
  const bound = Math.sqrt(6 / (320 + 16));
  const p = a.projections[0].dataSync();
  assert.ok(p.every((v) => Math.abs(v) <= bound));
  assert.ok(Math.max(...p) > 0.9 * bound, 'uses the range');
  [a, b, c].forEach((q) => q.dispose());
});

test('Gumbel quantizer: seeded frozen matrices, noise-free labels are the argmax of cosine logits', async () => {
  await initBackend({ quiet: true });
  const q = new GumbelQuantizer({ dim: 32, numCodes: 64, seed: 5 });
  const q2 = new GumbelQuantizer({ dim: 32, numCodes: 64, seed: 5 });
  assert.deepEqual(Array.from(q.codebook.dataSync()), Array.from(q2.codebook.dataSync()));
  const h = tf.randomNormal([10, 32], 0, 1, 'float32', 9) as tf.Tensor2D;
  const logits = q.logits(h);
  const lmax = tf.max(tf.abs(logits)).dataSync()[0];
  assert.ok(lmax <= q.scale + 1e-4, 'logits are scale x cosine');
  assert.deepEqual(Array.from(q.labels(h).dataSync()), Array.from(tf.argMax(logits, -1).dataSync()));
  for (const mode of ['soft', 'hard-st', 'stopgrad'] as const) {
    const g = new GumbelQuantizer({ dim: 32, numCodes: 64, seed: 5, mode });
    const t = onlyReturns(mode, () => g.targets(h, 3));
    const rows = t.sum(-1).dataSync();
    for (const r of rows) assert.ok(Math.abs(r - 1) < 1e-5, `${mode} rows sum to 1`);
    if (mode !== 'soft') assert.ok(t.dataSync().every((v) => v === 0 || v === 1), `${mode} is one-hot`);
    const t2 = g.targets(h, 3);
    assert.deepEqual(Array.from(t.dataSync()), Array.from(t2.dataSync()), 'same seed, same sample');
    tf.dispose([t, t2]);
    g.dispose();
  }
  tf.dispose([h, logits]);
  q.dispose();
  q2.dispose();
});

test('usage statistics and NMI', () => {
  const u = codeUsage([0, 0, 1, 1, 2, 2, 3, 3], 8);
  assert.equal(u.used, 4);
  assert.ok(Math.abs(u.perplexity - 4) < 1e-9);
  assert.equal(codeUsage([5, 5, 5], 8).perplexity, 1);
  assert.ok(Math.abs(normalizedMutualInformation([0, 0, 1, 1], [3, 3, 7, 7]) - 1) < 1e-9, 'relabeling has NMI 1');
  assert.ok(normalizedMutualInformation([0, 1, 0, 1], [0, 0, 1, 1]) < 1e-9, 'independent streams have NMI 0');
});

test('input normalization spreads code usage (BEST-RQ collapse without it)', async () => {
  await initBackend({ quiet: true });
  const { normalizePerUtterance } = await import('../../src/quantizers');
  const q = new RandomProjectionQuantizer({ inputDim: 320, numCodes: 1024, seed: 1 });
  // Features with a large common offset, like raw log-mel energies.
  const x = tf.tidy(() => tf.add(tf.randomNormal([2, 100, 320], 0, 1, 'float32', 4), tf.randomNormal([1, 1, 320], 0, 8, 'float32', 5))) as tf.Tensor3D;
  const mask = tf.ones([2, 100]) as tf.Tensor2D;
  const raw = codeUsage(q.labels(x)[0].dataSync(), 1024);
  const normed = codeUsage(q.labels(normalizePerUtterance(x, mask))[0].dataSync(), 1024);
  assert.ok(normed.used > 3 * raw.used, `normalized ${normed.used} codes vs raw ${raw.used}`);
  tf.dispose([x, mask]);
  q.dispose();
});

test('Gumbel targets (scale and 1/τ folded into z) equal the pure gumbelTargets of the logits', async () => {
  await initBackend({ quiet: true });
  const { gumbelTargets } = await import('../../src/quantizers');
  const h = tf.randomNormal([12, 32], 0, 1, 'float32', 4) as tf.Tensor2D;
  for (const mode of ['soft', 'hard-st'] as const) {
    const g = new GumbelQuantizer({ dim: 32, numCodes: 64, seed: 2, mode, tau: 0.7, scale: 8 });
    const a = g.targets(h, 9).dataSync();
    const b = gumbelTargets(g.logits(h), mode, 0.7, 9).dataSync();
    assert.ok(a.every((v, i) => Math.abs(v - b[i]) < 1e-5), mode);
    g.dispose();
  }
  h.dispose();
});
