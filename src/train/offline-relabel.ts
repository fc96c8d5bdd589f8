/**
 * Offline HuBERT-style relabeling (Hsu et al. 2021; the paper's Table 1(c) comparison, docs/method.md §7): take a
 * pretrained teacher, cluster its block-k outputs with k-means (fit on the pretraining split), and pretrain a new
 * encoder from scratch by masked prediction of those cluster ids, computed from the teacher on the unmasked input.
 *
 * The student is BEST-RQ's task with its anchor labels replaced: `KMeansTargetTask` overrides
 * `anchorLabels`, so masking, the masked cross-entropy, the head and the metrics are exactly BEST-RQ's, and the
 * only difference between the two is where the targets come from. The student's config is the teacher's with
 * task 'bestrq' and anchor.codes = k (so `birq finetune --from` reads it like any pretraining run).
 *
 * The shared loop (loop.ts) builds its task from the config; until it accepts a task object this file runs the
 * same update (AdamW, warm-up/decay, clipping, checkpoints in the run-dir layout) in a short loop of its own,
 * without resume.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Conformer } from '../model/conformer';
import { kmeansAssign, KMeansModel, kmeansToJSON } from '../quantizers/kmeans';
import { BirqError } from '../util/errors';
import { appendJsonl, writeJsonAtomic } from '../util/fs';
import { Progress } from '../util/progress';
import { Rng } from '../util/rng';
import { AdamW } from './adamw';
import { saveCheckpoint } from './checkpoint';
import { clipByGlobalNorm } from './clip';
import { PretrainConfig, validateConfig } from './config';
import { makeSource } from './factory';
import { fitLayerKMeans, loadPretrainedRun } from './label-streams';
import { environment, runPaths } from './run-dir';
import { learningRate } from './schedule';
import { MaskedPredictionTask } from './tasks/masked-prediction';

/** BEST-RQ's masked prediction with k-means ids of a frozen teacher's block-k outputs as the targets. */
export class KMeansTargetTask extends MaskedPredictionTask {
  constructor(config: PretrainConfig, readonly teacher: Conformer, readonly layer: number, readonly kmeans: KMeansModel) {
    if (config.anchor.codes !== kmeans.k || config.anchor.books !== 1) throw new BirqError(`KMeansTargetTask: needs anchor.codes = ${kmeans.k} and anchor.books = 1`);
    if (teacher.config.dim !== kmeans.dim) throw new BirqError(`KMeansTargetTask: k-means has dim ${kmeans.dim}, the teacher's blocks ${teacher.config.dim}`);
    super(config);
  }

  /** Cluster ids [B·T] of the teacher's block-k output on the unmasked features [B, T_in, F]. */
  override anchorLabels(feats: tf.Tensor3D, encLengths: number[]): Int32Array[] {
    const h = this.teacher.forward(feats, { untilBlock: this.layer, lengths: encLengths.map((n) => 4 * n) }); // [B, T_in, F] -> [B, T, D]
    const labels = kmeansAssign(this.kmeans, h.dataSync() as Float32Array).labels;
    h.dispose();
    return [labels];
  }
}

export interface OfflineRelabelOptions {
  /** Teacher pretraining run (or checkpoint). */
  teacher: string;
  k: number;
  /** Teacher block to cluster (default: the teacher's enhanced.layer). */
  layer?: number;
  fitSplit?: string;
  maxFitFrames?: number;
  /** Edits of the student config (steps, lr, ...), applied after it is derived from the teacher's. */
  edit?: (c: PretrainConfig) => PretrainConfig;
  runDir: string;
  quiet?: boolean;
}

export interface OfflineRelabelResult {
  runDir: string;
  checkpoint: string;
  kmeansFile: string;
  lastLoss: number;
}

export async function runOfflineRelabel(o: OfflineRelabelOptions): Promise<OfflineRelabelResult> {
  const teacher = loadPretrainedRun(o.teacher);
  const tc = teacher.config;
  const layer = o.layer ?? tc.enhanced.layer;
  const paths = runPaths(o.runDir);
  if (fs.existsSync(paths.metrics) && fs.statSync(paths.metrics).size > 0) {
    teacher.task.dispose();
    throw new BirqError('run directory already has metrics; choose a new --run-dir', o.runDir);
  }
  let task: KMeansTargetTask | null = null;
  let opt: AdamW | null = null;
  try {
    if (tc.data.source !== 'corpus') throw new BirqError('the teacher was pretrained on the toy source; offline relabeling needs a corpus run', teacher.file);
    const km = fitLayerKMeans(teacher, tc.data.corpus, o.fitSplit ?? tc.data.split, { k: o.k, layer, maxFrames: o.maxFitFrames, seed: tc.seed });
    let c = structuredClone(tc); // already filled with today's defaults by loadPretrainedRun
    c.task = 'bestrq';
    c.anchor = { ...c.anchor, codes: o.k, books: 1 };
    if (o.edit) c = o.edit(c);
    validateConfig(c);
    fs.mkdirSync(paths.checkpoints, { recursive: true });
    const kmeansFile = path.join(o.runDir, 'kmeans.json');
    writeJsonAtomic(kmeansFile, kmeansToJSON(km));
    writeJsonAtomic(paths.config, {
      preset: null, config: c, environment: environment(),
      offlineRelabel: { teacher: teacher.file, teacherStep: teacher.step, teacherTask: tc.task, layer, k: o.k, fitSplit: o.fitSplit ?? tc.data.split, kmeansIterations: km.iterations, kmeansInertia: km.inertia.at(-1) },
    });
    task = new KMeansTargetTask(c, teacher.task.encoder, layer, km);
    opt = new AdamW(c.optim, task.params.trainable());
    const source = makeSource(c);
    const progress = new Progress(`relabel k=${o.k}`, c.run.steps, { quiet: o.quiet });
    let last = NaN;
    let ckpt = '';
    for (let step = 0; step < c.run.steps; step++) {
      const t0 = performance.now();
      const r = task.step(source.batchAt(step), { step, micro: 0, totalSteps: c.run.steps, seed: c.seed });
      if (!Number.isFinite(r.losses.G)) {
        for (const g of r.grads.values()) g.dispose();
        throw new BirqError(`step ${step}: loss G is ${r.losses.G}`, o.runDir);
      }
      const { norm } = clipByGlobalNorm(r.grads, c.optim.clipNorm);
      const lr = learningRate(c.optim, step, c.run.steps);
      opt.step(r.grads, lr);
      for (const g of r.grads.values()) g.dispose();
      last = r.losses.G;
      const done = step + 1;
      if (step % c.run.logEvery === 0 || done === c.run.steps) appendJsonl(paths.metrics, { step, lr, step_ms: Math.round(performance.now() - t0), grad_norm: norm, ...r.losses, ...r.metrics });
      if (done % c.run.checkpointEvery === 0 || done === c.run.steps)
        ckpt = saveCheckpoint(paths.checkpoints, { step: done, adamT: opt.t, rng: new Rng(c.seed).getState(), config: c, task: 'offline-relabel' }, task, opt, c.run.keepCheckpoints);
      progress.set(done, `G ${last.toFixed(3)} acc ${(r.metrics.acc_anchor ?? NaN).toFixed(3)}`);
    }
    progress.finish();
    return { runDir: o.runDir, checkpoint: ckpt, kmeansFile, lastLoss: last };
  } finally {
    opt?.dispose();
    // The student owns its encoder; the teacher's task owns the teacher encoder.
    task?.dispose();
    teacher.task.dispose();
  }
}
