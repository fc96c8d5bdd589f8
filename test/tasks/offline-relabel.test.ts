/**
 * The offline relabeling baseline end to end on the smoke corpus: teacher -> k-means on block k -> student
 * pretrained on the cluster ids -> CTC fine-tuning from the student (the paper's Table 1(c) pipeline).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { kmeansFromJSON } from '../../src/quantizers/kmeans';
import { finetunePreset } from '../../src/finetune/config';
import { runFinetune } from '../../src/finetune/finetune';
import { loadPretrainedRun } from '../../src/evaluate/label-streams';
import { KMeansTargetTask } from '../../src/tasks/kmeans-targets';
import { runOfflineRelabel } from '../../src/tasks/offline-relabel';
import { makeSource } from '../../src/train/factory';
import { readJson } from '../../src/util/fs';
import { smokePretrainRun } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-relabel-'));
let corpus = '';

describe('offline HuBERT-style relabeling', () => {
  before(async () => {
    corpus = await smokePretrainRun(path.join(tmp, 'teacher'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('targets are the k-means ids of the teacher block k, and the student run fine-tunes', async () => {
    const r = await runOfflineRelabel({
      teacher: path.join(tmp, 'teacher'), k: 8, runDir: path.join(tmp, 'student'), quiet: true,
      edit: (c) => ({ ...c, run: { ...c.run, steps: 3, logEvery: 1, checkpointEvery: 3 } }),
    });
    assert.ok(fs.existsSync(r.checkpoint) && Number.isFinite(r.lastLoss));
    const cfg = readJson<{ config: { task: string; anchor: { codes: number } }; offlineRelabel: { k: number; layer: number } }>(path.join(r.runDir, 'config.json'));
    assert.equal(cfg.config.task, 'bestrq');
    assert.equal(cfg.config.anchor.codes, 8);
    assert.equal(cfg.offlineRelabel.layer, 1);
    const metrics = fs.readFileSync(path.join(r.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(metrics.length, 3);
    assert.ok(metrics.every((m) => m.codes_anchor <= 8), 'targets come from the 8 clusters');

    // The task's targets are exactly the k-means assignment of the teacher's block-1 output.
    const teacher = loadPretrainedRun(path.join(tmp, 'teacher'));
    const km = kmeansFromJSON(readJson(r.kmeansFile));
    const task = new KMeansTargetTask({ ...teacher.config, task: 'bestrq', anchor: { ...teacher.config.anchor, codes: 8, books: 1 } }, teacher.task.encoder, 1, km);
    const batch = makeSource(teacher.config).batchAt(0);
    const feats = tf.tensor3d(batch.feats, batch.shape);
    const enc = batch.lengths.map((n) => Math.floor(n / 4));
    const [labels] = task.anchorLabels(feats, enc);
    assert.equal(labels.length, batch.shape[0] * Math.floor(batch.shape[1] / 4));
    assert.ok(Math.max(...labels) < 8 && new Set(labels).size > 1);
    // Reference: the teacher's block-1 output, each frame's nearest centroid by brute force in float64.
    const h = teacher.task.encoder.forward(feats, { untilBlock: 1, lengths: enc.map((n) => 4 * n) });
    const hv = h.dataSync();
    const D = km.dim;
    let ties = 0;
    for (let i = 0; i < labels.length; i++) {
      const d2 = Array.from({ length: km.k }, (_, j) => {
        let s = 0;
        for (let e = 0; e < D; e++) s += (hv[i * D + e] - km.centroids[j * D + e]) ** 2;
        return s;
      });
      const best = d2.indexOf(Math.min(...d2));
      if (labels[i] === best) continue;
      // A float32 matMul may flip a near tie; anything else is a wrong assignment.
      assert.ok(Math.abs(d2[labels[i]] - d2[best]) <= 1e-4 * d2[best], `frame ${i}: label ${labels[i]}, nearest centroid ${best} (${d2[labels[i]]} vs ${d2[best]})`);
      ties++;
    }
    assert.ok(ties <= labels.length / 100, `${ties} near ties of ${labels.length}`);
    h.dispose();
    feats.dispose();
    task.dispose();
    teacher.task.dispose();

    const ft = finetunePreset('smoke');
    ft.from = r.runDir;
    ft.data.corpus = corpus;
    ft.run = { steps: 2, logEvery: 1, evalEvery: 2 };
    ft.freezeEncoderSteps = 1;
    const f = await runFinetune(ft, { runDir: path.join(tmp, 'ft'), quiet: true });
    assert.ok(f.dev?.wer && f.dev.wer.refTokens > 0);
  });
});
