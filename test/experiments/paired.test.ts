/**
 * The report's paired comparisons read each evaluation stage's transcripts: the difference they bootstrap is the
 * difference of the seed means the tables show, the seeds' spread stands beside it, a missing transcript file is
 * named instead of failing the report, and a seed scored on another test set is an error that names the stage.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import { pairedComparisons, pairedFigure, pairedTable, stageLabel } from '../../src/experiments/paired';
import { ResultRow } from '../../src/experiments/store';
import { phoneErrorRate } from '../../src/metrics/error-rate';

const REFS = ['dh ah k ae t', 's ae t aa n dh ah m ae t', 'hh iy r ae n', 'ay s ao ih t', 'w iy w er hh ih r'];

function stage(root: string, arm: string, seed: number, hyps: string[], ids = REFS.map((_, i) => `u${i}`)): ResultRow {
  const runDir = path.join(root, arm, `seed-${seed}`, 'eval-train-10min-test-clean');
  fs.mkdirSync(runDir, { recursive: true });
  const transcripts = REFS.map((ref, i) => ({ id: ids[i], ref, hyp: hyps[i] }));
  fs.writeFileSync(path.join(runDir, 'eval.json'), JSON.stringify({ split: 'test-clean', transcripts }));
  const value = phoneErrorRate(REFS, hyps).rate;
  return { suite: 's', profile: 'p', arm, seed, stage: 'eval-train-10min-test-clean', metric: 'per.rate', value, runDir, configHash: '', commit: '', wallS: 0, steps: 0, time: '' };
}

test('pairedComparisons: the bootstrapped difference is that of the seed means, with the seed SE beside it', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-paired-'));
  const drop = (n: number) => REFS.map((r) => r.split(' ').slice(n).join(' '));
  const rows = [stage(root, 'base', 1, drop(2)), stage(root, 'base', 2, drop(1)), stage(root, 'arm', 1, drop(1)), stage(root, 'arm', 2, drop(0))];
  const { comparisons, missing } = pairedComparisons(rows, ['base', 'arm'], { replicates: 300 });
  assert.deepEqual(missing, []);
  assert.equal(comparisons.length, 1);
  const c = comparisons[0];
  const mean = (arm: string) => rows.filter((r) => r.arm === arm).reduce((s, r) => s + r.value, 0) / 2;
  assert.ok(Math.abs(c.test.delta - (mean('arm') - mean('base'))) < 1e-12);
  assert.ok(c.test.delta < 0 && c.test.hi < 0 && c.test.pBetter === 1, 'the arm deletes fewer phones on every utterance');
  assert.ok(c.seedSe > 0);
  assert.deepEqual(c.seeds, { base: 2, arm: 2 });
  assert.equal(c.unit, 'per');
  assert.match(pairedTable(comparisons), /\| arm − base \| eval-train-10min-test-clean \| PER \| -\d+\.\d \| ± \d+\.\d \(2 vs 2\) \| \[-\d+\.\d, -\d+\.\d\] \(5\) \| 1\.00 \| (yes|no) \|/);
  // A first arm with no evaluation (a pretraining-only pilot) is passed over: the base is the first arm scored.
  assert.equal(pairedComparisons(rows, ['pilot', 'base', 'arm'], { replicates: 10 }).comparisons[0].base, 'base');
  assert.match(pairedTable(pairedComparisons(rows.filter((r) => r.seed === 1), ['base', 'arm'], { replicates: 10 }).comparisons), /\| n\/a \(1 seed\) \|$/);

  // The figure: one bar group per stage, whiskers of twice the two standard errors combined.
  const fig = pairedFigure(comparisons);
  assert.equal(fig.data.length, 1);
  assert.deepEqual(fig.data[0].x, ['10min→clean']);
  assert.ok(Math.abs((fig.data[0].y as number[])[0] - 100 * c.test.delta) < 1e-9);
  assert.ok(Math.abs((fig.data[0].error_y as { array: number[] }).array[0] - 200 * Math.hypot(c.seedSe, c.test.se)) < 1e-9);

  // A stage whose transcripts are gone is named, and the others still compare.
  fs.rmSync(path.join(rows[3].runDir, 'eval.json'));
  const gone = pairedComparisons(rows, ['base', 'arm'], { replicates: 10 });
  assert.deepEqual(gone.missing, ['arm/seed-2/eval-train-10min-test-clean']);
  assert.equal(gone.comparisons.length, 0);

  // A seed scored on a different test set is an error naming both stages, not a silent mismatch.
  const other = stage(root, 'arm', 3, drop(0), REFS.map((_, i) => `v${i}`));
  assert.throws(() => pairedComparisons([...rows.slice(0, 3), other], ['base', 'arm']), /arm\/seed-3\/eval-train-10min-test-clean: utterance 1 is v0, arm\/seed-1\/eval-train-10min-test-clean has u0 there/);
  fs.rmSync(root, { recursive: true, force: true });
});

test('stageLabel: evaluation stages in a few characters', () => {
  assert.equal(stageLabel('eval-train-10min-test-clean'), '10min→clean');
  assert.equal(stageLabel('eval-train-1h-chars-test-other'), '1h chars→other');
});
