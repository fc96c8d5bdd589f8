/**
 * A stage resumed after an interruption reports the compute of every attempt, not just the last one: the
 * interrupted attempt counts from its start to the last thing it wrote.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import { Job } from '../../src/experiments/plan';
import { prepareStage, recordStage } from '../../src/experiments/stage';
import { readRows } from '../../src/experiments/store';

test('a resumed stage records the wall time of its interrupted attempts too; a fresh start records its own', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-stage-'));
  const job: Job = { id: 'birq/seed-1/pretrain', arm: 'birq', seed: 1, stage: 'pretrain', kind: 'pretrain', dir: path.join(root, 'birq/seed-1/pretrain'), argv: ['pretrain'], deps: [], estS: 1, steps: 10, configHash: 'abc', contentKey: 'k' };
  const results = path.join(root, 'results.jsonl');
  const meta = { suite: 's', profile: 'smoke', commit: 'c', resultsFile: results };

  assert.deepEqual(prepareStage(job, results), ['pretrain']);
  // The first attempt ran 100 s (its start moved back), wrote a checkpoint and its log, and was killed.
  const startFile = path.join(job.dir, 'stage-start.json');
  const rec = JSON.parse(fs.readFileSync(startFile, 'utf8'));
  fs.writeFileSync(startFile, JSON.stringify({ ...rec, startedAt: new Date(Date.now() - 100_000).toISOString() }));
  fs.mkdirSync(path.join(job.dir, 'checkpoints'));
  fs.writeFileSync(path.join(job.dir, 'checkpoints', 'latest.json'), '{}');
  fs.writeFileSync(path.join(job.dir, 'stderr.log'), 'step 5\n');

  assert.deepEqual(prepareStage(job, results), ['pretrain', '--resume']);
  recordStage(job, { ok: true, code: 0, signal: null, wallS: 20, result: { x: 1 }, stderrTail: '' }, meta);
  const stage = JSON.parse(fs.readFileSync(path.join(job.dir, 'stage.json'), 'utf8'));
  assert.ok(Math.abs(stage.wallS - 120) < 2, `wallS ${stage.wallS}: 100 s before the interruption + 20 s after`);
  assert.equal(stage.lastAttemptWallS, 20);
  assert.ok(Math.abs(readRows(results)[0].wallS - 120) < 2);

  // A changed config starts over: nothing carried from before.
  const changed = { ...job, configHash: 'def' };
  assert.deepEqual(prepareStage(changed, results), ['pretrain']);
  recordStage(changed, { ok: true, code: 0, signal: null, wallS: 7, result: { x: 1 }, stderrTail: '' }, meta);
  assert.equal(JSON.parse(fs.readFileSync(path.join(job.dir, 'stage.json'), 'utf8')).wallS, 7);
  fs.rmSync(root, { recursive: true, force: true });
});
