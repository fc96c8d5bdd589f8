/** The linear softmax probe: separable features are learned, random ones stay at chance, refits are identical. */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { fitLinearProbe, majorityAccuracy, probeAccuracy, ProbeSet } from '../../src/evaluate/linear-probe';
import { Rng } from '../../src/util/rng';

/** N frames of D features over C classes: class means scaled by `sep` plus unit noise (sep 0: random features). */
function planted(n: number, dim: number, classes: number, sep: number, seed: number, prior?: number[]): ProbeSet {
  const rng = new Rng(seed);
  const means = Array.from({ length: classes }, () => Array.from({ length: dim }, () => rng.normal()));
  const y = new Int32Array(n);
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let c = rng.int(classes);
    if (prior) {
      let u = rng.uniform();
      c = 0;
      while (c < classes - 1 && (u -= prior[c]) > 0) c++;
    }
    y[i] = c;
    for (let d = 0; d < dim; d++) x[i * dim + d] = 5 + 3 * (sep * means[c][d] + rng.normal()); // offset and scale: standardization undoes them
  }
  return { x, dim, y };
}
const split = (s: ProbeSet, at: number): [ProbeSet, ProbeSet] => [
  { x: s.x.slice(0, at * s.dim), dim: s.dim, y: s.y.slice(0, at) },
  { x: s.x.slice(at * s.dim), dim: s.dim, y: s.y.slice(at) },
];

describe('linear probe', () => {
  before(async () => {
    await initBackend({ quiet: true });
  });

  it('planted separable classes: ~100 % on held-out frames', () => {
    const [tr, ev] = split(planted(4000, 32, 10, 2, 1), 3000);
    const p = fitLinearProbe(tr, { classes: 10 });
    const acc = probeAccuracy(p, ev);
    assert.ok(acc > 0.99, `accuracy ${acc}`);
    assert.ok(probeAccuracy(p, tr) > 0.99);
  });

  it('random features: held-out accuracy at the majority-class chance level', () => {
    const prior = [0.4, 0.2, 0.1, 0.1, 0.1, 0.1];
    const [tr, ev] = split(planted(6000, 16, 6, 0, 2, prior), 4000);
    const p = fitLinearProbe(tr, { classes: 6 });
    const acc = probeAccuracy(p, ev);
    const maj = majorityAccuracy(tr.y, ev.y);
    assert.equal(maj.cls, 0);
    assert.ok(Math.abs(acc - maj.accuracy) < 0.03, `accuracy ${acc} vs majority ${maj.accuracy}`);
  });

  it('deterministic: the same fit twice gives the same bits; no tensors leak', () => {
    const [tr] = split(planted(1500, 20, 8, 0.7, 3), 1500);
    const before = tf.memory().numTensors;
    const a = fitLinearProbe(tr, { classes: 8, iterations: 40 });
    const b = fitLinearProbe(tr, { classes: 8, iterations: 40 });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(a.w, b.w);
    assert.deepEqual(a.b, b.b);
    assert.equal(a.loss, b.loss);
    assert.ok(a.iterations > 5 && a.loss < Math.log(8));
  });

  it('bad input', () => {
    assert.throws(() => fitLinearProbe({ x: new Float32Array(6), dim: 3, y: Int32Array.from([0, 5]) }, { classes: 3 }), /label 5 at frame 1 is outside 0..2/);
    assert.throws(() => fitLinearProbe({ x: new Float32Array(5), dim: 3, y: Int32Array.from([0, 1]) }, { classes: 3 }), /5 feature values are not 2 frames x 3/);
    assert.throws(() => majorityAccuracy([], [1]), /no frames/);
  });
});
