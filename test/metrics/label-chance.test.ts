/** Chance levels of HuBERT's label statistics: shuffled labels and the analytic E[I] / H(phone). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { labelChance, labelQualityWithChance, meanSd, shuffled } from '../../src/metrics/label-chance';
import { Rng } from '../../src/util/rng';

const draw = (n: number, k: number, seed: number) => {
  const rng = new Rng(seed);
  return Int32Array.from({ length: n }, () => rng.int(k));
};

describe('labelQualityWithChance', () => {
  it('independent labels sit at their chance level, which is far above 0 with many codes', () => {
    const phones = draw(3000, 40, 1);
    const labels = draw(3000, 2000, 2);
    const q = labelQualityWithChance(phones, labels, { seed: 3, repeats: 5 });
    assert.ok(q.pnmi > 0.3, `plug-in PNMI of independent labels is inflated: ${q.pnmi}`);
    // Observed within a few sd of the shuffled mean, and the shuffled mean near the analytic expectation.
    assert.ok(Math.abs(q.pnmi - q.chance.pnmi.mean) < 5 * q.chance.pnmi.sd + 0.005, `PNMI ${q.pnmi} vs chance ${q.chance.pnmi.mean} ± ${q.chance.pnmi.sd}`);
    assert.ok(Math.abs(q.chance.pnmi.mean - q.chance.expectedPnmi) < 0.01, `shuffled ${q.chance.pnmi.mean} vs E[I]/H ${q.chance.expectedPnmi}`);
    assert.ok(Math.abs(q.phonePurity - q.chance.phonePurity.mean) < 0.02);
    assert.ok(Math.abs(q.clusterPurity - q.chance.clusterPurity.mean) < 0.02);
    assert.ok(Math.abs(q.adjustedPnmi) < 0.02, `adjusted PNMI ${q.adjustedPnmi}`);
  });

  it('labels = phones: PNMI 1, far above chance, adjusted PNMI 1', () => {
    const phones = draw(5000, 40, 4);
    const q = labelQualityWithChance(phones, phones.map((p) => 3 * p + 1), { seed: 1 });
    assert.ok(Math.abs(q.pnmi - 1) < 1e-12 && q.phonePurity === 1 && q.clusterPurity === 1);
    // Chance PNMI of 40 x 40 labels on 5000 frames: the plug-in bias (39^2 / 2N nats) over H(phone) ~ 0.04.
    assert.ok(q.chance.pnmi.mean < 0.06 && Math.abs(q.chance.pnmi.mean - q.chance.expectedPnmi) < 0.005, `chance ${q.chance.pnmi.mean} / ${q.chance.expectedPnmi}`);
    assert.ok(Math.abs(q.adjustedPnmi - 1) < 1e-9);
  });

  it('planted partial dependence lies between chance and 1', () => {
    const phones = draw(5000, 40, 5);
    const rng = new Rng(6);
    const labels = phones.map((p) => (rng.uniform() < 0.5 ? p : 40 + rng.int(200)));
    const q = labelQualityWithChance(phones, labels, { seed: 2 });
    assert.ok(q.pnmi > q.chance.pnmi.mean + 20 * q.chance.pnmi.sd);
    assert.ok(q.adjustedPnmi > 0.2 && q.adjustedPnmi < 0.9, `${q.adjustedPnmi}`);
  });

  it('deterministic for a seed; repeats and seed are reported', () => {
    const phones = draw(800, 10, 7);
    const labels = draw(800, 50, 8);
    const a = labelChance(phones, labels, { seed: 9, repeats: 3 });
    assert.deepEqual(labelChance(phones, labels, { seed: 9, repeats: 3 }), a);
    assert.equal(a.repeats, 3);
    assert.equal(a.seed, 9);
    assert.notDeepEqual(labelChance(phones, labels, { seed: 10, repeats: 3 }).pnmi, a.pnmi);
  });

  it('helpers and bad input', () => {
    assert.deepEqual(meanSd([1, 3]), { mean: 2, sd: Math.SQRT2 });
    assert.deepEqual(meanSd([4]), { mean: 4, sd: 0 });
    const x = Int32Array.from({ length: 100 }, (_, i) => i);
    assert.deepEqual([...shuffled(x, new Rng(1))].sort((p, q) => p - q), [...x]);
    assert.throws(() => labelChance([1, 2], [1]), /2 and 1 frames/);
    assert.throws(() => labelChance([1], [1], { repeats: 0 }), /repeats/);
    assert.ok(Number.isNaN(labelQualityWithChance([2, 2, 2], [1, 2, 3]).chance.expectedPnmi));
  });
});
