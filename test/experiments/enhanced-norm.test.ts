/**
 * The enhanced-label normalizations (quantizers/gumbel.ts, whiten.ts): whitening gives identity covariance per
 * utterance over its valid frames; each norm runs a BiRQ step whose code-usage metric counts the noise-free labels;
 * and label snapshots can be taken on a held-out split (data.probeSplit).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { lengthMask } from '../../src/model/layers';
import { whitenPerUtterance } from '../../src/quantizers/whiten';
import { applyOverride, presetConfig } from '../../src/train/config';
import { train } from '../../src/train/loop';
import { readTensorFile } from '../../src/train/tensor-file';
import { openCorpus } from '../../src/data/corpus';
import { builtinCorpus } from '../../src/data/builtin';
import { Rng } from '../../src/util/rng';

test('whitenPerUtterance: per utterance zero mean and identity covariance over valid frames; padding stays 0', () => {
  const rng = new Rng(7);
  const B = 3, T = 200, d = 6;
  const lengths = [200, 150, 90];
  // Correlated full-rank features: x = g·M + offset, g ~ N(0, I), M mixing with singular values from 1 down to
  // ~0.2 (condition number ~25 in the covariance), a different M per utterance.
  const x = new Float32Array(B * T * d);
  for (let b = 0; b < B; b++) {
    const M = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 - (0.8 * i) / (d - 1) : 0) + 0.3 * (b + 1) * rng.normal() / d));
    for (let t = 0; t < T; t++) {
      const g = Array.from({ length: d }, () => rng.normal());
      for (let k = 0; k < d; k++) x[(b * T + t) * d + k] = g.reduce((a, gi, i) => a + gi * M[i][k], 0) + 3;
    }
  }
  // With a tiny ridge the result is exactly white; the default ridge (1e-3 of the mean variance, against noise
  // directions in training) shrinks the weakest directions of this test's covariance by up to ~6 %.
  for (const [eps, tol] of [[1e-5, 0.003], [1e-3, 0.08]] as const) {
  const out = tf.tidy(() => whitenPerUtterance(tf.tensor3d(x, [B, T, d]), lengthMask(lengths, T), { eps }).arraySync()) as number[][][];
  for (let b = 0; b < B; b++) {
    const n = lengths[b];
    const rows = out[b].slice(0, n);
    for (let k = 0; k < d; k++) assert.ok(Math.abs(rows.reduce((a, r) => a + r[k], 0) / n) < 1e-4, `mean ${b},${k}`);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) {
      const c = rows.reduce((a, r) => a + r[i] * r[j], 0) / n;
      assert.ok(Math.abs(c - (i === j ? 1 : 0)) < tol, `eps ${eps}: cov ${b} [${i},${j}] = ${c}`);
    }
    for (const r of out[b].slice(n)) assert.ok(r.every((v) => v === 0), 'padding');
  }
  }
});

const smoke = () => builtinCorpus('smoke', { build: true });

for (const norm of ['frame', 'utterance', 'whiten'] as const) {
  test(`BiRQ smoke steps with enhanced.norm=${norm}: finite losses, noise-free enhanced code counts`, async () => {
    smoke();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `birq-norm-${norm}-`));
    let c = presetConfig('smoke');
    for (const s of [`enhanced.norm=${norm}`, 'run.steps=3', 'run.logEvery=1', 'run.snapshotEvery=3', 'run.checkpointEvery=3']) c = applyOverride(c, s);
    const r = await train({ config: c, runDir: dir, quiet: true });
    for (const m of r.metrics) {
      assert.ok(Number.isFinite(m.F) && Number.isFinite(m.G), JSON.stringify(m));
      assert.ok(m.codes_enhanced >= 1 && m.codes_enhanced <= c.enhanced.codes);
    }
    // The logged count is of the noise-free labels: at step 0 it equals the count a snapshot-style argmax gives,
    // which for Gumbel-noised samples would be near the number of masked rows instead.
    assert.ok(fs.existsSync(path.join(dir, 'labels', 'step-0000003.labels')));
  });
}

test('data.probeSplit: label snapshots are taken on the held-out split', async () => {
  const { dir: corpus } = smoke();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-probe-split-'));
  let c = presetConfig('smoke');
  for (const s of ['data.probeSplit=dev', 'data.probeSize=100', 'run.steps=2', 'run.snapshotEvery=2', 'run.checkpointEvery=2']) c = applyOverride(c, s);
  await train({ config: c, runDir: dir, quiet: true });
  const { meta } = readTensorFile<{ ids: string[] }>(path.join(dir, 'labels', 'step-0000002.labels'));
  const dev = openCorpus(corpus, { split: 'dev' }).map((e) => e.id).sort();
  assert.deepEqual([...meta.ids].sort(), dev, 'every dev utterance, nothing else');
});
