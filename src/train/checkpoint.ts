/**
 * Checkpoints: weights (and batch-norm state), AdamW moments and step count, RNG state, the step, the resolved
 * config, and the frozen quantizer matrices (so label streams can be reproduced and checked without re-deriving
 * them), in one tensor file (tensor-file.ts, sha256 over the tensors). `latest.json` points at the newest
 * complete one; it is written after the checkpoint, both atomically, so a crash at any moment leaves a loadable
 * pair. A checkpoint that is damaged anyway (a disk error, a copy cut short) is named when resuming, and the run
 * resumes from the newest one that verifies, saying so.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BirqError } from '../util/errors';
import { readJson, removeStaleTemps, writeJsonAtomic } from '../util/fs';
import { RngState } from '../util/rng';
import { AdamW } from './adamw';
import { Task } from './task';
import { Reads, runAsync, runSync } from './reads';
import { NamedArray, readTensorFile, verifyTensorFile, writeTensorFile } from './tensor-file';

export interface CheckpointMeta {
  format: 'birq-checkpoint';
  version: 1;
  /** Optimizer updates done; training resumes at this step. */
  step: number;
  adamT: number;
  rng: { s: RngState; spare: number | null };
  config: unknown;
  task: string;
  time: string;
}

function toArray(name: string, t: tf.Tensor, data: tf.TypedArray): NamedArray {
  return { name, dtype: t.dtype === 'int32' ? 'int32' : 'float32', shape: t.shape, data: data as Float32Array };
}

type SaveMeta = Omit<CheckpointMeta, 'format' | 'version' | 'time'>;

export function saveCheckpoint(dir: string, meta: SaveMeta, task: Task, opt: AdamW, keep: number): string {
  return runSync(saveReads(dir, meta, task, opt, keep));
}

/** `saveCheckpoint` with awaited reads (WebGPU); the same file on every backend. */
export function saveCheckpointAsync(dir: string, meta: SaveMeta, task: Task, opt: AdamW, keep: number): Promise<string> {
  return runAsync(saveReads(dir, meta, task, opt, keep));
}

function* saveReads(dir: string, meta: SaveMeta, task: Task, opt: AdamW, keep: number): Reads<string> {
  const named: [string, tf.Tensor][] = [
    ...[...task.params.vars].map(([n, v]): [string, tf.Tensor] => [`param.${n}`, v]),
    ...Object.entries(opt.stateTensors()),
    ...Object.entries(task.frozen()).map(([n, t]): [string, tf.Tensor] => [`frozen.${n}`, t]),
  ];
  const data = yield named.map(([, t]) => t);
  const arrays: NamedArray[] = named.map(([n, t], i) => toArray(n, t, data[i]));
  const file = path.join(dir, `step-${String(meta.step).padStart(7, '0')}.ckpt`);
  // Temporary files of a writer killed mid-checkpoint would otherwise pile up (each the size of a checkpoint).
  removeStaleTemps(dir);
  writeTensorFile(file, { ...meta, format: 'birq-checkpoint', version: 1, time: new Date().toISOString() }, arrays);
  writeJsonAtomic(path.join(dir, 'latest.json'), { file: path.basename(file), step: meta.step });
  // Keep the newest `keep` checkpoints.
  const all = fs.readdirSync(dir).filter((f) => /^step-\d+\.ckpt$/.test(f)).sort();
  for (const f of all.slice(0, Math.max(0, all.length - keep))) fs.rmSync(path.join(dir, f), { force: true });
  return file;
}

/**
 * The checkpoint to resume from: the one latest.json names, or when that one is missing, truncated or corrupt
 * (or the pointer itself is), the newest `step-*.ckpt` that verifies. Each one passed over is reported through
 * `warn` (stderr by default) with its reason. `null` when there is none; an error when every one is damaged.
 */
export function latestCheckpoint(dir: string, warn: (msg: string) => void = (m) => process.stderr.write(`[birq] ${m}\n`)): string | null {
  const p = path.join(dir, 'latest.json');
  let named: string | null = null;
  if (fs.existsSync(p)) {
    try {
      named = path.join(dir, readJson<{ file: string }>(p, 'checkpoint pointer').file);
    } catch (e) {
      if (!(e instanceof BirqError)) throw e;
      warn(`${e.message}: looking for the newest checkpoint that verifies`);
    }
  }
  const steps = fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).filter((f) => /^step-\d+\.ckpt$/.test(f)).sort().reverse().map((f) => path.join(dir, f)) : [];
  if (!named && !steps.length) return null;
  const candidates = [...new Set([...(named ? [named] : []), ...steps])];
  const bad: string[] = [];
  for (const f of candidates) {
    const why = fs.existsSync(f) ? verifyTensorFile(f) : `${f}: missing`;
    if (!why) {
      if (bad.length) warn(`${bad.join('; ')}; resuming from the previous good checkpoint ${f}`);
      return f;
    }
    bad.push(why);
  }
  throw new BirqError(`no checkpoint verifies: ${bad.join('; ')}`, dir);
}

/**
 * Load a checkpoint into a task (weights) and optimizer (moments, t). Frozen matrices are compared with the
 * task's own (re-derived from the seed): a mismatch means the code or seed changed under the run.
 */
export function loadCheckpoint(file: string, task: Task, opt: AdamW): CheckpointMeta {
  return runSync(loadReads(file, task, opt));
}

/** `loadCheckpoint` with an awaited read of the task's frozen matrices (WebGPU). */
export function loadCheckpointAsync(file: string, task: Task, opt: AdamW): Promise<CheckpointMeta> {
  return runAsync(loadReads(file, task, opt));
}

function* loadReads(file: string, task: Task, opt: AdamW): Reads<CheckpointMeta> {
  const { meta, arrays } = readTensorFile<CheckpointMeta>(file);
  if (meta.format !== 'birq-checkpoint') throw new BirqError(`not a checkpoint (format ${String(meta.format)})`, file);
  const assign = (name: string, v: tf.Variable) => {
    const a = arrays.get(name);
    if (!a) throw new BirqError(`checkpoint has no tensor '${name}'`, file);
    if (a.shape.join() !== v.shape.join()) throw new BirqError(`tensor '${name}' has shape [${a.shape}] in the checkpoint, [${v.shape}] in the model`, file);
    tf.tidy(() => v.assign(tf.tensor(a.data, a.shape, a.dtype)));
  };
  for (const [n, v] of task.params.vars) assign(`param.${n}`, v);
  for (const [n, t] of Object.entries(opt.stateTensors())) assign(n, t as tf.Variable);
  opt.t = meta.adamT;
  const frozen = Object.entries(task.frozen());
  const values = yield frozen.map(([, t]) => t);
  for (const [i, [n]] of frozen.entries()) {
    const a = arrays.get(`frozen.${n}`);
    const mine = values[i];
    if (!a || a.data.length !== mine.length || a.data.some((x, i) => x !== mine[i]))
      throw new BirqError(`frozen matrix '${n}' differs from the one this code derives from the seed`, file);
  }
  return meta;
}
