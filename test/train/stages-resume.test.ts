/**
 * Every stage runs through the one loop (src/train/loop.ts): fine-tuning and offline relabeling, stopped midway
 * and resumed, log the same losses as uninterrupted runs (fine-tuning also when stopped exactly where the
 * head-only warm-up ends), and gradient accumulation reaches both stages.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { vocabFor } from '../../src/decode/vocab';
import { Conformer } from '../../src/model/conformer';
import { ENCODER_PRESETS } from '../../src/model/config';
import { presetConfig } from '../../src/train/config';
import { FinetuneConfig, finetunePreset } from '../../src/finetune/config';
import { LabeledSource } from '../../src/finetune/data';
import { runFinetune } from '../../src/finetune/finetune';
import { CtcFinetuneTask } from '../../src/tasks/ctc';
import { runOfflineRelabel } from '../../src/tasks/offline-relabel';
import { smokePretrainRun } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-stages-'));
let corpus = '';
let teacher = '';

/** metrics.jsonl without the timing column (the only thing allowed to differ). */
function metrics(dir: string): Record<string, unknown>[] {
  return fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const { step_ms: _t, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return rest;
  });
}

function ftConfig(accumulate: number): FinetuneConfig {
  const c = finetunePreset('smoke');
  c.data.corpus = corpus;
  c.data.batchSize = 3;
  c.optim.accumulate = accumulate;
  c.freezeEncoderSteps = 3;
  c.run = { steps: 6, logEvery: 1, evalEvery: 2, checkpointEvery: 2, keepCheckpoints: 2 };
  return c;
}

describe('stages in the one loop', () => {
  before(async () => {
    teacher = path.join(tmp, 'teacher');
    corpus = await smokePretrainRun(teacher);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('fine-tuning stopped midway (inside the warm-up, and at its end) and resumed logs the same as uninterrupted', async () => {
    const whole = await runFinetune(ftConfig(2), { runDir: path.join(tmp, 'ft-whole'), quiet: true });
    const expected = metrics(whole.runDir);
    assert.ok(expected.some((m) => m.head_only === 1) && expected.some((m) => m.head_only === 0));
    assert.ok(expected.some((m) => 'dev_wer' in m), 'dev evaluations are logged');
    for (const stopAt of [2, 3]) {
      const dir = path.join(tmp, `ft-stop${stopAt}`);
      const part = await runFinetune(ftConfig(2), { runDir: dir, stopAtStep: stopAt, quiet: true });
      assert.equal(part.steps, stopAt);
      assert.ok(!fs.existsSync(path.join(dir, 'model.ckpt')), 'an interrupted run saves no final model');
      const r = await runFinetune(ftConfig(2), { runDir: dir, resume: true, quiet: true });
      assert.deepEqual(metrics(dir), expected, `stopped at ${stopAt}`);
      assert.equal(r.finalLoss, whole.finalLoss);
      assert.deepEqual(r.dev?.wer, whole.dev?.wer);
      const events = fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).event);
      assert.deepEqual(events, ['start', 'stopped', 'resume', 'finished']);
    }
  });

  it('offline relabeling stopped midway and resumed logs the same as uninterrupted (k-means reloaded)', async () => {
    const edit = (accumulate: number) => (c: ReturnType<typeof presetConfig>) =>
      ({ ...c, optim: { ...c.optim, accumulate }, run: { ...c.run, steps: 4, logEvery: 1, checkpointEvery: 2 } });
    const whole = await runOfflineRelabel({ teacher, k: 8, runDir: path.join(tmp, 'rl-whole'), quiet: true, edit: edit(2) });
    const dir = path.join(tmp, 'rl-part');
    await runOfflineRelabel({ teacher, k: 8, runDir: dir, quiet: true, edit: edit(2), stopAtStep: 1 });
    const r = await runOfflineRelabel({ teacher, k: 8, runDir: dir, quiet: true, edit: edit(2), resume: true });
    assert.deepEqual(metrics(dir), metrics(whole.runDir));
    assert.equal(r.lastLoss, whole.lastLoss);
    assert.ok(fs.existsSync(path.join(dir, 'events.jsonl')) && fs.existsSync(r.checkpoint));
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    assert.equal(cfg.config.optim.accumulate, 2);
    assert.equal(cfg.offlineRelabel.k, 8);
  });

  it('accumulation reaches every stage: the logged loss is the mean over the micro-batches of one update', async () => {
    // Fine-tuning: step 0 with accumulate 2 sees batches 0 and 1 at the initial weights.
    const c = ftConfig(2);
    c.run = { ...c.run, steps: 1, logEvery: 1 };
    c.freezeEncoderSteps = 0;
    c.data.devSplit = '';
    const r = await runFinetune(c, { runDir: path.join(tmp, 'ft-acc'), quiet: true });
    const vocab = vocabFor(c.vocab);
    const src = new LabeledSource({ corpus, split: c.data.split, vocab, batchSize: c.data.batchSize, maxBatchFrames: c.data.maxBatchFrames, seed: c.seed });
    const task = new CtcFinetuneTask(new Conformer(ENCODER_PRESETS[c.encoderPreset].config, c.seed * 1000 + 21), vocab, src.targets(), { freezeEncoderSteps: c.freezeEncoderSteps, seed: c.seed });
    const losses = [0, 1].map((micro) => {
      const s = task.step(src.batchAt(micro), { step: 0, micro, totalSteps: 1, seed: c.seed });
      for (const g of s.grads.values()) g.dispose();
      return s.losses.ctc;
    });
    task.dispose();
    assert.ok(Math.abs(r.finalLoss - (losses[0] + losses[1]) / 2) < 1e-6, `${r.finalLoss} vs mean of ${losses}`);
    assert.notEqual(losses[0], losses[1]);
    // Relabeling (and pretraining, the same loop): accumulate 2 differs from 1 and is recorded.
    const one = await runOfflineRelabel({ teacher, k: 8, runDir: path.join(tmp, 'rl-acc1'), quiet: true, edit: (x) => ({ ...x, run: { ...x.run, steps: 1, logEvery: 1 } }) });
    const two = await runOfflineRelabel({ teacher, k: 8, runDir: path.join(tmp, 'rl-acc2'), quiet: true, edit: (x) => ({ ...x, optim: { ...x.optim, accumulate: 2 }, run: { ...x.run, steps: 1, logEvery: 1 } }) });
    assert.notEqual(one.lastLoss, two.lastLoss);
  });
});
