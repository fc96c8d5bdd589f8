/**
 * Report helpers that judge the rows they show: a decoder setting tuned to the edge of its grid is flagged, rows of a
 * superseded stage are left out, and the plan a report reads keeps every seed an earlier runner asked for.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import { currentRows, gridEdgeNote } from '../../src/experiments/report';
import { plannedSeeds } from '../../src/experiments/runner';
import { ResultRow } from '../../src/experiments/store';

const row = (seed: number, metric: string, value: number): ResultRow => ({
  suite: 's', profile: 'p', arm: 'a', seed, stage: 'eval-x', metric, value, runDir: '', configHash: '', commit: '', wallS: 0, steps: 0, time: '',
});

test('gridEdgeNote: counts the models tuned to either end of each grid; none inside it or on a one-point grid', () => {
  const inside = [row(1, 'tuned.lmWeight', 0.5), row(2, 'tuned.lmWeight', 0.5), row(1, 'tuned.bonus', 1), row(2, 'tuned.bonus', 1)];
  assert.equal(gridEdgeNote(inside, 'eval-x', [0.3, 0.5, 0.8], [0, 1, 2]), null);
  const edge = [row(1, 'tuned.lmWeight', 0.8), row(2, 'tuned.lmWeight', 0.5), row(1, 'tuned.bonus', 0), row(2, 'tuned.bonus', 1)];
  const note = gridEdgeNote(edge, 'eval-x', [0.3, 0.5, 0.8], [0, 1, 2])!;
  assert.match(note, /largest LM weight \(0\.8\) for 1 of 2 models/);
  assert.match(note, /smallest insertion bonus \(0\) for 1 of 2 models/);
  assert.doesNotMatch(note, /smallest LM weight|largest insertion bonus/);
  // Another stage's rows are not counted; a grid of one value has no edge to be stuck at.
  assert.equal(gridEdgeNote(edge, 'eval-y', [0.3, 0.8], [0, 1]), null);
  assert.equal(gridEdgeNote(edge, 'eval-x', [0.8], [1]), null);
});

test('currentRows: a stage the plan now runs with another configuration, or no longer has, is left out and named', () => {
  const at = (arm: string, stage: string, configHash: string): ResultRow => ({ ...row(1, 'per.rate', 0.4), arm, stage, configHash });
  const rec = { seeds: 1, arms: [{ name: 'a', what: '', pretrain: null }], jobs: [
    { id: 'a/seed-1/eval-x', kind: 'eval', argv: [], deps: [], estS: 1, steps: 0, configHash: 'new' },
    { id: 'a/seed-1/probe', kind: 'probe', argv: [], deps: [], estS: 1, steps: 0 }, // a record from before hashes: trusted
  ] };
  const seed2 = { ...at('a', 'eval-x', 'any'), seed: 2 }; // a seed past the plan's (an earlier, longer run): kept
  const { rows, stale } = currentRows(rec, [at('a', 'eval-x', 'new'), at('a', 'eval-x', 'old'), at('a', 'probe', 'any'), at('gone', 'eval-x', 'new'), at('a', 'eval-removed', 'h'), seed2]);
  assert.deepEqual(rows.map((r) => `${r.arm}/${r.seed}/${r.stage}/${r.configHash}`), ['a/1/eval-x/new', 'a/1/probe/any', 'a/2/eval-x/any']);
  assert.deepEqual(stale, ['a/seed-1/eval-removed', 'a/seed-1/eval-x', 'gone/seed-1/eval-x']);
});

test('plannedSeeds: a runner asked for fewer seeds keeps the plan an earlier one recorded', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-planned-'));
  assert.equal(plannedSeeds(root), 0, 'no suite.json yet');
  fs.writeFileSync(path.join(root, 'suite.json'), JSON.stringify({ seeds: 3 }));
  assert.equal(plannedSeeds(root), 3);
  fs.writeFileSync(path.join(root, 'suite.json'), '{"seeds": 3');
  assert.equal(plannedSeeds(root), 0, 'an unreadable record plans nothing');
  fs.rmSync(root, { recursive: true, force: true });
});
