/**
 * checkSuite, the checks every suite notebook ends with, on a planted report: a missing stage, a missing seed, an
 * error rate that is not a rate and anchor labels at chance each fail it by name; `arms` limits it to the arms a
 * notebook ran (notebook 10 runs two of protocol-sweep's seven), and never hides a missing stage of those.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { checkSuite } from '../../src/experiments/notebook';
import { SuiteReport } from '../../src/experiments/report';
import { ResultRow } from '../../src/experiments/store';

const row = (arm: string, seed: number, stage: string, metric: string, value: number): ResultRow => ({
  suite: 's', profile: 'p', arm, seed, stage, metric, value, runDir: '', configHash: '', commit: '', wallS: 0, steps: 0, time: '',
});

/** Arms a and b planned with an eval and a labels stage for seeds 1-2; rows for a only, unless `withB`. */
function report(o: { withB?: boolean; per?: number; pnmi?: number; seeds?: number[] } = {}): SuiteReport {
  const seeds = o.seeds ?? [1, 2];
  const jobs = ['a', 'b'].flatMap((arm) => [1, 2].flatMap((seed) => ['eval-x', 'labels-dev'].map((st) => ({ id: `${arm}/seed-${seed}/${st}`, kind: 'eval', argv: [], deps: [], estS: 1, steps: 0 }))));
  const rows = (o.withB ? ['a', 'b'] : ['a']).flatMap((arm) => seeds.flatMap((seed) => [
    row(arm, seed, 'eval-x', 'per.rate', o.per ?? 0.4),
    row(arm, seed, 'labels-dev', 'streams.anchor.0.pnmi', o.pnmi ?? 0.5),
    row(arm, seed, 'labels-dev', 'streams.anchor.0.chance.pnmi.mean', 0.2),
  ]));
  const record = { suite: 's', what: '', paper: '', seeds: 2, commit: '', arms: [], jobs, profile: {} } as unknown as SuiteReport['record'];
  return { root: '', record, rows, markdown: '', figures: [{ name: 'per', caption: '', fig: { data: [], layout: {} } }], headline: ['x'], paired: [] };
}

test('checkSuite: every planned stage of every arm, unless the notebook names the arms it ran', () => {
  assert.throws(() => checkSuite(report(), { seeds: 2 }), /missing: b\/seed-1\/eval-x/);
  const passed = checkSuite(report(), { seeds: 2, arms: ['a'] });
  assert.ok(passed.some((c) => /every stage of every arm has results \(4 stages\)/.test(c)), passed.join('\n'));
  assert.ok(checkSuite(report({ withB: true }), { seeds: 2 }).length >= 5);
  // Naming an arm does not excuse its own missing seed.
  assert.throws(() => checkSuite(report({ seeds: [1] }), { seeds: 2, arms: ['a'] }), /missing: a\/seed-2\/eval-x/);
});

test('checkSuite: error rates must be rates, and anchor labels must beat their shuffled chance in every run', () => {
  assert.throws(() => checkSuite(report({ per: Number.NaN }), { seeds: 2, arms: ['a'] }), /phone error rates are finite rates/);
  assert.throws(() => checkSuite(report({ pnmi: 0.1 }), { seeds: 2, arms: ['a'] }), /PNMI > shuffled PNMI/);
});
