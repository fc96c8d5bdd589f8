/**
 * The one training loop (nanoGPT-style, top to bottom). Variants are task objects (tasks/), not flags here.
 * Exact resume: all per-step randomness is derived from (seed, step) (random-streams.ts), batches are addressed
 * by step (feature-source.ts), and checkpoints hold weights, AdamW state and the step; so a run stopped after
 * any checkpoint and resumed logs the same losses as an uninterrupted one.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend';
import { BirqError } from '../util/errors';
import { appendJsonl, readJson, writeJsonAtomic } from '../util/fs';
import { Progress, ProgressInfo } from '../util/progress';
import { Rng } from '../util/rng';
import { AdamW } from './adamw';
import { latestCheckpoint, loadCheckpoint, saveCheckpoint } from './checkpoint';
import { clipByGlobalNorm } from './clip';
import { PretrainConfig, validateConfig } from './config';
import { FeatureSource } from './feature-source';
import { environment, runPaths, truncateMetrics } from './run-dir';
import { learningRate } from './schedule';
import { makeSource, makeTask } from './factory';
import { Task } from './tasks/task';
import { writeTensorFile } from './tensor-file';

export interface StepMetrics {
  step: number;
  lr: number;
  step_ms: number;
  grad_norm: number;
  [k: string]: number;
}

export interface TrainOptions {
  config: PretrainConfig;
  runDir: string;
  preset?: string;
  resume?: boolean;
  /** Override the data source (tests, notebooks). */
  source?: FeatureSource;
  /** Stop (after checkpointing) once this many steps are done: simulates an interruption. */
  stopAtStep?: number;
  quiet?: boolean;
  onLog?: (m: StepMetrics) => void;
  onProgress?: (p: ProgressInfo) => void;
}

export interface TrainResult {
  runDir: string;
  metrics: StepMetrics[];
  lastStep: number;
  checkpoint: string | null;
}

export async function train(o: TrainOptions): Promise<TrainResult> {
  await initBackend({ quiet: o.quiet });
  const c = validateConfig(o.config);
  const paths = runPaths(o.runDir);
  prepareRunDir(paths, c, o);
  const source = o.source ?? makeSource(c);
  const task: Task = makeTask(c);
  const opt = new AdamW(c.optim, task.params.trainable());
  const rng = new Rng(c.seed);
  let start = 0;
  const resumeFrom = o.resume ? latestCheckpoint(paths.checkpoints) : null;
  if (resumeFrom) {
    const meta = loadCheckpoint(resumeFrom, task, opt);
    rng.setState(meta.rng);
    start = meta.step;
    truncateMetrics(paths.metrics, start);
  }
  appendJsonl(paths.events, { event: resumeFrom ? 'resume' : 'start', step: start, from: resumeFrom, time: new Date().toISOString() });
  const probe = task.snapshot && c.run.snapshotEvery > 0 ? source.probe() : null;
  const total = c.run.steps;
  const end = Math.min(total, o.stopAtStep ?? total);
  const progress = new Progress(`${c.task} ${c.encoder.blocks}x${c.encoder.dim}`, total, { quiet: o.quiet, onUpdate: o.onProgress });
  progress.set(start);
  const logged: StepMetrics[] = [];
  let lastCkpt = resumeFrom;

  try {
    for (let step = start; step < end; step++) {
      const t0 = performance.now();
      const lr = learningRate(c.optim, step, total);
      // Gradient accumulation: mean of the micro-batch gradients, then one update.
      const grads = new Map<string, tf.Tensor>();
      const sums: Record<string, number> = {};
      for (let micro = 0; micro < c.optim.accumulate; micro++) {
        const r = task.step(source.batchAt(step * c.optim.accumulate + micro), { step, micro, totalSteps: total, seed: c.seed });
        for (const [term, v] of Object.entries(r.losses))
          if (!Number.isFinite(v)) {
            for (const g of [...r.grads.values(), ...grads.values()]) g.dispose();
            throw new BirqError(`step ${step}: loss term ${term} is ${v}; stopped (last good checkpoint: ${lastCkpt ?? 'none'})`);
          }
        for (const [k, v] of Object.entries({ ...r.losses, ...r.metrics })) sums[k] = (sums[k] ?? 0) + v / c.optim.accumulate;
        for (const [name, g] of r.grads) {
          const prev = grads.get(name);
          grads.set(name, prev ? tf.tidy(() => tf.add(prev, g)) : g);
          if (prev) tf.dispose([prev, g]);
        }
      }
      if (c.optim.accumulate > 1) for (const [k, g] of grads) grads.set(k, tf.tidy(() => tf.div(g, c.optim.accumulate))), g.dispose();
      const { norm } = clipByGlobalNorm(grads, c.optim.clipNorm);
      if (!Number.isFinite(norm)) {
        for (const g of grads.values()) g.dispose();
        throw new BirqError(`step ${step}: gradient norm is ${norm}; stopped (last good checkpoint: ${lastCkpt ?? 'none'})`);
      }
      opt.step(grads, lr);
      for (const g of grads.values()) g.dispose();
      const m: StepMetrics = { step, lr, step_ms: Math.round(performance.now() - t0), grad_norm: norm, ...sums };

      const done = step + 1;
      if (step % c.run.logEvery === 0 || done === end) {
        appendJsonl(paths.metrics, m);
        logged.push(m);
        o.onLog?.(m);
      }
      if (probe && (done % c.run.snapshotEvery === 0 || done === total)) saveSnapshot(paths.labels, done, task, probe);
      if (done % c.run.checkpointEvery === 0 || done === end)
        lastCkpt = saveCheckpoint(paths.checkpoints, { step: done, adamT: opt.t, rng: rng.getState(), config: c, task: task.name }, task, opt, c.run.keepCheckpoints);
      progress.set(done, `F ${fmt(m.F)} G ${fmt(m.G)} acc ${fmt(m.acc_anchor)}`);
    }
    progress.finish();
    appendJsonl(paths.events, { event: end === total ? 'finished' : 'stopped', step: end, time: new Date().toISOString() });
    return { runDir: o.runDir, metrics: logged, lastStep: end, checkpoint: lastCkpt };
  } catch (e) {
    progress.finish();
    appendJsonl(paths.events, { event: 'error', message: (e as Error).message, time: new Date().toISOString() });
    throw e;
  } finally {
    opt.dispose();
    task.dispose();
  }
}

function fmt(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '-' : x.toFixed(3);
}

/** config.json: written on a fresh start; on resume the stored config must match (run.steps may grow). */
function prepareRunDir(paths: ReturnType<typeof runPaths>, c: PretrainConfig, o: TrainOptions): void {
  fs.mkdirSync(paths.checkpoints, { recursive: true });
  if (o.resume && fs.existsSync(paths.config)) {
    const stored = readJson<{ config: PretrainConfig }>(paths.config, 'run config').config;
    const a = JSON.stringify({ ...stored, run: { ...stored.run, steps: 0 } });
    const b = JSON.stringify({ ...c, run: { ...c.run, steps: 0 } });
    if (a !== b) throw new BirqError(`--resume: the config differs from the run's config.json (only run.steps may change)`, paths.config);
    return;
  }
  if (!o.resume && fs.existsSync(paths.metrics) && fs.statSync(paths.metrics).size > 0)
    throw new BirqError('run directory already has metrics; pass --resume or choose a new --run-dir', paths.root);
  writeJsonAtomic(paths.config, { preset: o.preset ?? null, config: c, environment: environment(), source: o.source?.description ?? null });
}

function saveSnapshot(dir: string, step: number, task: Task, probe: ReturnType<FeatureSource['probe']>): void {
  const s = task.snapshot!(probe);
  const arrays = Object.entries(s.streams).map(([name, data]) => ({ name, dtype: 'int32' as const, shape: s.shape, data }));
  writeTensorFile(`${dir}/step-${String(step).padStart(7, '0')}.labels`, { step, lengths: s.lengths, ids: s.ids }, arrays);
}
