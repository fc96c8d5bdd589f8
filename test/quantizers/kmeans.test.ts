import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/backend';
import { fitKMeans, kmeansAssign, kmeansFromJSON, kmeansToJSON } from '../../src/quantizers/kmeans';
import { streamAgreement } from '../../src/metrics/agreement';
import { Rng } from '../../src/util/rng';
import { assertNoLeak } from '../helpers';

/** N rows around k planted centres in D dims; returns rows and the true cluster of each. */
function blobs(rng: Rng, N: number, D: number, k: number, spread = 0.3) {
  const centres = Array.from({ length: k * D }, () => 4 * rng.normal());
  const x = new Float32Array(N * D);
  const truth = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    truth[i] = rng.int(k);
    for (let d = 0; d < D; d++) x[i * D + d] = centres[truth[i] * D + d] + spread * rng.normal();
  }
  return { x, truth };
}

describe('k-means (offline relabeling)', () => {
  before(async () => {
    await initBackend({ quiet: true });
  });

  it('recovers planted clusters; inertia never increases; deterministic by seed', () => {
    const { x, truth } = blobs(new Rng(1), 3000, 12, 8);
    const m = assertNoLeak('fitKMeans', () => fitKMeans(x, 12, { k: 8, seed: 3 }));
    for (let i = 1; i < m.inertia.length; i++) assert.ok(m.inertia[i] <= m.inertia[i - 1] * (1 + 1e-9), `iteration ${i}`);
    const { labels } = kmeansAssign(m, x);
    const nmi = streamAgreement(truth, labels).nmi;
    assert.ok(nmi > 0.99, `NMI with the planted clusters ${nmi}`);
    const again = fitKMeans(x, 12, { k: 8, seed: 3 });
    assert.deepEqual(Array.from(again.centroids), Array.from(m.centroids));
  });

  it('iterates Lloyd to a fixed point: every centroid is the mean of its rows (overlapping clusters, default tol)', () => {
    const { x } = blobs(new Rng(5), 1500, 6, 10, 2.5);
    const D = 6;
    const m = fitKMeans(x, D, { k: 10, seed: 2, iterations: 500, tol: 1e-9 });
    assert.ok(fitKMeans(x, D, { k: 10, seed: 2 }).iterations > 3, 'the default tolerance iterates too');
    assert.ok(m.iterations > 3, `${m.iterations} iterations: Lloyd must run past its seeding on overlapping clusters`);
    assert.ok(m.inertia[m.inertia.length - 1] < 0.99 * m.inertia[0], `inertia ${m.inertia[0]} -> ${m.inertia[m.inertia.length - 1]}`);
    const { labels } = kmeansAssign(m, x);
    const sum = new Float64Array(10 * D);
    const count = new Int32Array(10);
    for (let i = 0; i < labels.length; i++) {
      count[labels[i]]++;
      for (let d = 0; d < D; d++) sum[labels[i] * D + d] += x[i * D + d];
    }
    for (let j = 0; j < 10; j++) {
      assert.ok(count[j] > 0, `cluster ${j} empty`);
      for (let d = 0; d < D; d++) assert.ok(Math.abs(m.centroids[j * D + d] - sum[j * D + d] / count[j]) < 1e-3, `centroid ${j}, dim ${d}`);
    }
  });

  it('assignment equals brute-force nearest centroid, across chunk sizes', () => {
    const rng = new Rng(2);
    const D = 5, k = 7, N = 301;
    const x = Float32Array.from({ length: N * D }, () => rng.normal());
    const m = { k, dim: D, centroids: Float32Array.from({ length: k * D }, () => rng.normal()) };
    const a = kmeansAssign(m, x, 64);
    for (let i = 0; i < N; i++) {
      let best = -1, bd = Infinity;
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let d = 0; d < D; d++) s += (x[i * D + d] - m.centroids[j * D + d]) ** 2;
        if (s < bd) [best, bd] = [j, s];
      }
      assert.equal(a.labels[i], best, `row ${i}`);
      assert.ok(Math.abs(a.dist2[i] - bd) < 1e-4 * (1 + bd), `distance of row ${i}`);
    }
    assert.deepEqual(Array.from(kmeansAssign(m, x, 1000).labels), Array.from(a.labels));
  });

  it('keeps every cluster in use when k is large, round-trips JSON, rejects bad models', () => {
    const { x } = blobs(new Rng(4), 400, 4, 3, 0.01);
    const m = fitKMeans(x, 4, { k: 20, seed: 1, iterations: 10 });
    const used = new Set(kmeansAssign(m, x).labels).size;
    assert.ok(used >= 18, `${used} of 20 clusters used`);
    const back = kmeansFromJSON(JSON.parse(JSON.stringify(kmeansToJSON(m))));
    assert.deepEqual(Array.from(back.centroids), Array.from(m.centroids));
    assert.throws(() => kmeansFromJSON({ format: 'birq-kmeans', k: 2, dim: 3, centroids: [1, 2] }, 'km.json'), /km.json: k-means model is malformed or truncated/);
    assert.throws(() => fitKMeans(x, 4, { k: 500 }), /k = 500 needs/);
  });
});
