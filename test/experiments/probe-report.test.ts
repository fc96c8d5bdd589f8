/**
 * The report's phone-probe tables and figures, on rows planted by hand: the per-layer table with its chance level,
 * the best block per arm (the input features excluded), and the probe over pretraining, whose rows and figure
 * points must come in step order with the end of pretraining last, each a mean ± sd over the seeds that have it.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { bestLayerAccuracy, probeOverPretraining, probeTable } from '../../src/experiments/probe-report';
import { ResultRow } from '../../src/experiments/store';

const row = (arm: string, seed: number, stage: string, metric: string, value: number, steps = 0): ResultRow => ({
  suite: 's', profile: 'p', arm, seed, stage, metric, value, runDir: '', configHash: '', commit: '', wallS: 0, steps, time: '',
});

/** Arm `a` probed at steps 0 and 40 (stage order scrambled) and at its end (80); arm `b` at its end only. */
function planted(): ResultRow[] {
  const rows: ResultRow[] = [];
  for (const seed of [1, 2]) {
    rows.push(row('a', seed, 'pretrain', 'G', 5, 80), row('b', seed, 'pretrain', 'G', 5, 80));
    const acc = (step: number, layer: number) => 0.5 + 0.001 * step * layer + 0.01 * seed;
    for (const [stage, step] of [['probe-dev-at-40', 40], ['probe-dev', 80], ['probe-dev-at-0', 0]] as const) {
      for (const layer of [0, 1, 2]) rows.push(row('a', seed, stage, `layers.${layer}.accuracy`, layer ? acc(step, layer) : 0.52));
    }
    for (const layer of [0, 1, 2]) rows.push(row('b', seed, 'probe-dev', `layers.${layer}.accuracy`, layer ? 0.6 - 0.05 * layer : 0.52));
    rows.push(row('a', seed, 'probe-dev', 'majority.accuracy', 0.118), row('b', seed, 'probe-dev', 'majority.accuracy', 0.118));
  }
  return rows;
}

test('probeTable: one row per arm with every layer (mean ± sd (seeds)) and the majority-phone chance; a chance line in the figure', () => {
  const t = probeTable(planted(), 'probe-dev', ['a', 'b', 'never-ran'])!;
  const lines = t.md.split('\n');
  assert.equal(lines[0], '| arm | layer 0 | layer 1 | layer 2 | chance |');
  // a at its end (step 80), seeds 1 and 2: layer 1 = 0.58 + 0.01·seed → 59.5 ± 0.7.
  assert.equal(lines[2], '| a | 52.0 ± 0.0 (2) | 59.5 ± 0.7 (2) | 67.5 ± 0.7 (2) | 11.8 |');
  assert.equal(lines.length, 4, 'an arm without rows has no line');
  assert.deepEqual(t.fig.data.map((d) => d.name), ['a', 'b', 'chance']);
  assert.equal(probeTable(planted(), 'probe-test', ['a']), null);
});

test('bestLayerAccuracy: the best encoder block per seed, never the input features', () => {
  const best = new Map(bestLayerAccuracy(planted(), 'probe-dev').map((x) => [x.arm, x]));
  assert.equal(best.get('b')!.n, 2);
  assert.ok(Math.abs(best.get('b')!.mean - 0.55) < 1e-12, 'block 1 of b (0.55), not its input features (0.52)');
  assert.ok(Math.abs(best.get('a')!.mean - 0.675) < 1e-12);
});

test('probeOverPretraining: rows and figure points in step order, the end of pretraining last, the input features dashed', () => {
  const over = probeOverPretraining(planted(), 'probe-dev', ['a', 'b'])!;
  const rows = over.md.split('\n').slice(2);
  assert.deepEqual(rows.map((l) => l.split(' | ')[1]), ['0', '40', '80 (end)'], 'arm b, probed at its end only, has no rows here');
  assert.ok(rows.every((l) => l.startsWith('| a |') && !l.includes('–')));
  assert.match(rows[1], /\| 52\.0 ± 0\.0 \(2\) \| 55\.5 ± 0\.7 \(2\) \| 59\.5 ± 0\.7 \(2\) \|$/);
  assert.deepEqual(over.fig.data.map((d) => d.name), ['input features', 'block 1', 'block 2']);
  for (const d of over.fig.data) assert.deepEqual(d.x, [0, 40, 80]);
  const block2 = over.fig.data[2];
  assert.deepEqual((block2.y as number[]).map((y) => +y.toFixed(6)), [51.5, 59.5, 67.5]);
  assert.equal(over.fig.data[0].line?.dash, 'dash');
  assert.equal(probeOverPretraining(planted(), 'probe-dev', ['b']), null, 'no arm probed part-way: no section');
});
