/**
 * The one training loop (nanoGPT-style, top to bottom). Every stage runs through it as a task object
 * (task.ts): BEST-RQ / BiRQ pretraining, offline relabeling (a masked-prediction task with k-means
 * targets) and CTC fine-tuning. The task computes one micro-batch's losses and gradients; the loop owns
 * accumulation, clipping, the non-finite stop, AdamW and its schedule, a trainable set that may change at a step
 * (fine-tuning's head-only warm-up), logging, checkpoints and exact resume.
 *
 * Exact resume: all per-step randomness is derived from (seed, step, micro-batch) (random-streams.ts), batches are
 * addressed by step (feature-source.ts), and checkpoints hold weights, AdamW state and the step; so a run stopped
 * after any checkpoint and resumed logs the same losses as an uninterrupted one.
 *
 * Run directory (run-dir.ts), the same for every stage: config.json, metrics.jsonl, events.jsonl, checkpoints/,
 * and labels/ for stages with label snapshots.
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { gpuErrorScope, initBackend } from '../backend';
import { BirqError } from '../util/errors';
import { appendJsonl, readJson, writeJsonAtomic } from '../util/fs';
import { Progress, ProgressInfo } from '../util/progress';
import { Rng } from '../util/rng';
import { AdamW, AdamWConfig } from './adamw';
import { latestCheckpoint, loadCheckpointAsync, saveCheckpointAsync } from './checkpoint';
import { clipByGlobalNormAsync } from './clip';
import { PretrainConfig, validateConfig } from './config';
import { configDiff } from './config-diff';
import { skippedRecord } from '../data/usable';
import { FeatureSource } from './feature-source';
import { environment, runPaths, truncateMetrics } from './run-dir';
import { learningRate, LrScheduleConfig } from './schedule';
import { makeSource, makeTask } from './factory';
import { Task } from './task';
import { writeTensorFile } from './tensor-file';

export interface StepMetrics {
  step: number;
  lr: number;
  step_ms: number;
  grad_norm: number;
  [k: string]: number;
}

/** The part of every stage's config the loop reads. */
export interface LoopConfig {
  seed: number;
  optim: LrScheduleConfig & AdamWConfig & { clipNorm: number; accumulate: number };
  run: { steps: number; logEvery: number; checkpointEvery: number; keepCheckpoints: number; snapshotEvery?: number };
}

/** One stage of the pipeline as the loop runs it. */
export interface Stage {
  /** Progress-bar label. */
  label: string;
  task: Task;
  source: FeatureSource;
  /** The resolved config: written to config.json, compared on resume (only run.steps may change). */
  config: LoopConfig;
  /** Further config.json fields (preset, provenance, data description). */
  record?: Record<string, unknown>;
  /** A fresh start into a directory with metrics: refuse (pretraining) or clear it (fine-tuning reruns). */
  onExisting?: 'refuse' | 'overwrite';
  /** After update `done` (1-based): evaluation lines for metrics.jsonl, e.g. fine-tuning's dev error rates. */
  afterUpdate?(done: number): Record<string, number> | null | Promise<Record<string, number> | null>;
  progressText?(m: StepMetrics): string;
}

export interface LoopOptions {
  runDir: string;
  resume?: boolean;
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

export async function runStage(s: Stage, o: LoopOptions): Promise<TrainResult> {
  const { task, source, config: c } = s;
  const paths = runPaths(o.runDir);
  prepareRunDir(paths, s, Boolean(o.resume));
  const trainableAt = (step: number) => task.trainableAt?.(step) ?? task.params.trainable();
  // The trainable set changes at this step (head-only warm-up ends): a fresh AdamW takes over there.
  const switchesAt = (step: number) => step > 0 && names(trainableAt(step)) !== names(trainableAt(step - 1));
  const rng = new Rng(c.seed);
  let start = 0;
  const resumeFrom = o.resume ? latestCheckpoint(paths.checkpoints) : null;
  let opt: AdamW;
  if (resumeFrom) {
    const meta = readCheckpointStep(resumeFrom);
    // Resuming exactly at the switch: the checkpoint's moments belong to the old set; the new AdamW starts fresh.
    const fresh = switchesAt(meta);
    opt = new AdamW(c.optim, fresh ? [] : trainableAt(meta));
    const m = await loadCheckpointAsync(resumeFrom, task, opt);
    if (fresh) (opt.dispose(), (opt = new AdamW(c.optim, trainableAt(meta))));
    rng.setState(m.rng);
    start = m.step;
    truncateMetrics(paths.metrics, start);
  } else opt = new AdamW(c.optim, trainableAt(0));
  appendJsonl(paths.events, { event: resumeFrom ? 'resume' : 'start', step: start, from: resumeFrom, skipped: source.skipped?.length ?? 0, time: new Date().toISOString() });
  const probe = task.snapshot && (c.run.snapshotEvery ?? 0) > 0 ? source.probe() : null;
  const total = c.run.steps;
  const end = Math.min(total, o.stopAtStep ?? total);
  const progress = new Progress(s.label, total, { quiet: o.quiet, onUpdate: o.onProgress });
  progress.set(start);
  const logged: StepMetrics[] = [];
  let lastCkpt = resumeFrom;
  const stop = (why: string) => new BirqError(`step ${why}; stopped (last good checkpoint: ${lastCkpt ?? 'none'})`, o.runDir);

  try {
    for (let step = start; step < end; step++) {
      if (step > start && switchesAt(step)) (opt.dispose(), (opt = new AdamW(c.optim, trainableAt(step))));
      const t0 = performance.now();
      const gpuErrors = gpuErrorScope(); // WebGPU reports some failures only here, never by throwing
      const lr = learningRate(c.optim, step, total);
      // Gradient accumulation: mean of the micro-batch gradients, then one update.
      const grads = new Map<string, tf.Tensor>();
      const sums: Record<string, number> = {};
      for (let micro = 0; micro < c.optim.accumulate; micro++) {
        // Reads are awaited (one wait per read point, train/reads.ts), so the same loop runs on WebGPU.
        const batch = source.batchAt(step * c.optim.accumulate + micro);
        const info = { step, micro, totalSteps: total, seed: c.seed };
        const r = task.stepAsync ? await task.stepAsync(batch, info) : task.step(batch, info);
        for (const [term, v] of Object.entries(r.losses))
          if (!Number.isFinite(v)) {
            tf.dispose([...r.grads.values(), ...grads.values()]);
            throw stop(`${step}: loss term ${term} is ${v}`);
          }
        for (const [k, v] of Object.entries({ ...r.losses, ...r.metrics })) sums[k] = (sums[k] ?? 0) + v / c.optim.accumulate;
        for (const [name, g] of r.grads) {
          const prev = grads.get(name);
          grads.set(name, prev ? tf.tidy(() => tf.add(prev, g)) : g);
          if (prev) tf.dispose([prev, g]);
        }
      }
      if (c.optim.accumulate > 1) for (const [k, g] of grads) grads.set(k, tf.tidy(() => tf.div(g, c.optim.accumulate))), g.dispose();
      const { norm } = await clipByGlobalNormAsync(grads, c.optim.clipNorm);
      await gpuErrors.close().catch((e) => (tf.dispose([...grads.values()]), Promise.reject(stop(`${step}: ${(e as Error).message}`))));
      if (!Number.isFinite(norm)) {
        tf.dispose([...grads.values()]);
        throw stop(`${step}: gradient norm is ${norm}`);
      }
      opt.step(grads, lr);
      tf.dispose([...grads.values()]);
      const m: StepMetrics = { step, lr, step_ms: Math.round(performance.now() - t0), grad_norm: norm, ...sums };

      const done = step + 1;
      if (step % c.run.logEvery === 0 || done === end) {
        appendJsonl(paths.metrics, m);
        logged.push(m);
        o.onLog?.(m);
      }
      const evaluation = await s.afterUpdate?.(done);
      if (evaluation) appendJsonl(paths.metrics, { step: done, ...evaluation });
      if (probe && (done % c.run.snapshotEvery! === 0 || done === total)) await saveSnapshot(paths.labels, done, task, probe);
      if (done % c.run.checkpointEvery === 0 || done === end)
        lastCkpt = await saveCheckpointAsync(paths.checkpoints, { step: done, adamT: opt.t, rng: rng.getState(), config: c, task: task.name }, task, opt, c.run.keepCheckpoints);
      progress.set(done, (s.progressText ?? maskedPredictionText)(m));
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
  }
}

export interface TrainOptions extends LoopOptions {
  config: PretrainConfig;
  preset?: string;
  /** Override the data source (tests, notebooks). */
  source?: FeatureSource;
  /** Override the task built from the config (offline relabeling's k-means targets). */
  task?: Task;
  /** Further config.json fields. */
  record?: Record<string, unknown>;
}

/** Pretraining (and any stage configured by a PretrainConfig): the config's task and source through runStage. */
export async function train(o: TrainOptions): Promise<TrainResult> {
  await initBackend({ quiet: o.quiet });
  const c = validateConfig(o.config);
  const source = o.source ?? makeSource(c);
  const task = o.task ?? makeTask(c);
  try {
    return await runStage({
      label: `${c.task} ${c.encoder.blocks}x${c.encoder.dim}`, task, source, config: c,
      record: { preset: o.preset ?? null, ...o.record },
    }, o);
  } finally {
    task.dispose();
  }
}

function maskedPredictionText(m: StepMetrics): string {
  return `F ${fmt(m.F)} G ${fmt(m.G)} acc ${fmt(m.acc_anchor)}`;
}

function fmt(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? '-' : x.toFixed(3);
}

function names(vars: [string, tf.Variable][]): string {
  return vars.map(([n]) => n).join('\n');
}

function readCheckpointStep(file: string): number {
  return readJson<{ step: number }>(file.replace(/[^/]+$/, 'latest.json'), 'checkpoint pointer').step;
}

/** config.json: written on a fresh start; on resume the stored config must match (run.steps may grow). */
function prepareRunDir(paths: ReturnType<typeof runPaths>, s: Stage, resume: boolean): void {
  if (resume && fs.existsSync(paths.config)) {
    const stored = readJson<{ config: LoopConfig }>(paths.config, 'run config').config;
    const { changed, added } = configDiff(stored, s.config);
    const blocking = changed.filter((k) => k !== 'run.steps');
    if (blocking.length) {
      throw new BirqError(`--resume: the config differs from the run's config.json in ${blocking.join(', ')} (only run.steps may change)`, paths.config);
    }
    // Options added to the code after this run began: the stored config predates them, and their defaults keep
    // the old behaviour. Say which were taken, so a reader of events.jsonl sees it.
    if (added.length) {
      appendJsonl(paths.events, { event: 'config-keys-added', keys: added, time: new Date().toISOString() });
      process.stderr.write(`[birq] resume: config.json predates ${added.join(', ')}; using the current values\n`);
    }
    fs.mkdirSync(paths.checkpoints, { recursive: true });
    return;
  }
  const used = fs.existsSync(paths.metrics) && fs.statSync(paths.metrics).size > 0;
  if (used && s.onExisting !== 'overwrite') throw new BirqError('run directory already has metrics; pass --resume or choose a new --run-dir', paths.root);
  if (used) for (const p of [paths.metrics, paths.events, paths.checkpoints, paths.labels]) fs.rmSync(p, { recursive: true, force: true });
  fs.mkdirSync(paths.checkpoints, { recursive: true });
  // Every stage records its data: the source's description and what --skip-bad skipped to build it (count 0: nothing).
  const data = { source: s.source.description, skipped: skippedRecord(s.source.skipped ?? []) };
  writeJsonAtomic(paths.config, { ...data, ...s.record, config: s.config, environment: environment() });
}

async function saveSnapshot(dir: string, step: number, task: Task, probe: ReturnType<FeatureSource['probe']>): Promise<void> {
  const s = task.snapshotAsync ? await task.snapshotAsync(probe) : task.snapshot!(probe);
  const arrays = Object.entries(s.streams).map(([name, data]) => ({ name, dtype: 'int32' as const, shape: s.shape, data }));
  writeTensorFile(`${dir}/step-${String(step).padStart(7, '0')}.labels`, { step, lengths: s.lengths, ids: s.ids }, arrays);
}
