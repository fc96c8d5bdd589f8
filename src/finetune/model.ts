/**
 * Loading a pretrained encoder from a pretraining run, and saving / loading fine-tuned CTC models.
 *
 * A pretraining checkpoint (train/checkpoint.ts) holds `param.<name>` for the encoder and its pretraining heads; only
 * the encoder's parameters are taken. A fine-tuned model is one tensor file (train/tensor-file.ts) with meta
 * `{ format: 'birq-ctc-model', vocabulary, encoder config, normalization, provenance }` and `param.<name>` for
 * the encoder and the CTC head. Every mismatch is a BirqError naming the file: another format, a checkpoint
 * from another encoder configuration (missing tensor or other shape), a truncated file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EncoderConfig } from '../model/config';
import { Conformer } from '../model/conformer';
import { ParamStore } from '../model/params';
import { Vocab, VocabKind, vocabFor } from '../decode/vocab';
import { BirqError } from '../util/errors';
import { CheckpointMeta, latestCheckpoint } from '../train/checkpoint';
import { applyConfigObject, presetConfig, PretrainConfig } from '../train/config';
import { NamedArray, readTensorFile, writeTensorFile } from '../train/tensor-file';
import { Reads, runAsync, runSync } from '../train/reads';

/**
 * A checkpoint's config over today's defaults: fields added to the config since the run was made get their
 * default values (a field that no longer exists is an error naming it).
 */
export function withDefaults(stored: unknown, file: string): PretrainConfig {
  if (!stored || typeof stored !== 'object' || !(stored as PretrainConfig).encoder) throw new BirqError('checkpoint meta has no encoder configuration', file);
  return applyConfigObject(presetConfig('smoke'), stored, `${file}: `);
}

/** A run directory (its latest checkpoint) or a checkpoint file. */
export function resolveCheckpoint(from: string): string {
  if (!fs.existsSync(from)) throw new BirqError('no such run directory or checkpoint', from);
  if (fs.statSync(from).isFile()) return from;
  const file = latestCheckpoint(path.join(from, 'checkpoints')) ?? latestCheckpoint(from);
  if (!file) throw new BirqError('run has no checkpoint yet (no checkpoints/latest.json)', from);
  return file;
}

/** readTensorFile, with the likely cause added when the header cannot be read (a file cut short). */
export function readModelFile<M>(file: string): { meta: M; arrays: Map<string, NamedArray> } {
  try {
    return readTensorFile<M>(file);
  } catch (e) {
    if (e instanceof BirqError && /header is not valid JSON/.test(e.message)) throw new BirqError(`${e.message}: the file is truncated or not a BiRQ checkpoint`);
    throw e;
  }
}

/** Copy `param.<name>` of every variable in `params` from a tensor file's arrays. */
export function assignParams(params: ParamStore, arrays: Map<string, NamedArray>, file: string, what: string): void {
  for (const [name, v] of params.vars) {
    const a = arrays.get(`param.${name}`);
    if (!a) throw new BirqError(`${what} has no tensor '${name}': it was made with another encoder configuration`, file);
    if (a.shape.join() !== v.shape.join()) throw new BirqError(`${what} has '${name}' of shape [${a.shape}], this model needs [${v.shape}]: another encoder configuration`, file);
    tf.tidy(() => v.assign(tf.tensor(a.data, a.shape, a.dtype)));
  }
}

export interface PretrainedEncoder {
  encoder: Conformer;
  config: PretrainConfig;
  file: string;
  step: number;
}

/** A pretraining run's latest checkpoint (or the given checkpoint file): header, resolved config and arrays. */
export function readPretrainingCheckpoint(from: string): { file: string; meta: CheckpointMeta; config: PretrainConfig; arrays: Map<string, NamedArray> } {
  const file = resolveCheckpoint(from);
  const { meta, arrays } = readModelFile<CheckpointMeta>(file);
  if (meta.format !== 'birq-checkpoint') throw new BirqError(`not a pretraining checkpoint (format ${JSON.stringify(meta.format)})`, file);
  return { file, meta, config: withDefaults(meta.config, file), arrays };
}

/** The encoder of a pretraining run's latest checkpoint (or of the given checkpoint file). */
export function loadPretrainedEncoder(from: string): PretrainedEncoder {
  const { file, meta, config, arrays } = readPretrainingCheckpoint(from);
  const encoder = new Conformer(config.encoder, config.seed);
  try {
    assignParams(encoder.params, arrays, file, 'pretraining checkpoint');
  } catch (e) {
    encoder.dispose();
    throw e;
  }
  return { encoder, config, file, step: meta.step };
}

/**
 * Give the top `n` blocks of an encoder the initial values of a fresh encoder of the same shape (seeded): every
 * parameter and running statistic named `block.<i>.*`, for the last n blocks i.
 */
export function reinitTopBlocks(encoder: Conformer, n: number, seed: number): void {
  const blocks = encoder.config.blocks;
  if (n > blocks) throw new BirqError(`fine-tune config reinitTopBlocks: must be at most the encoder's ${blocks} blocks, got ${n}`);
  const fresh = new Conformer(encoder.config, seed);
  try {
    for (const [name, v] of encoder.params.vars) {
      const i = /^block\.(\d+)\./.exec(name);
      if (i && Number(i[1]) >= blocks - n) v.assign(fresh.params.get(name));
    }
  } finally {
    fresh.dispose();
  }
}

export interface CtcModelMeta {
  format: 'birq-ctc-model';
  version: 1;
  vocab: VocabKind;
  tokens: string[];
  encoder: EncoderConfig;
  /** Feature normalization used in training, with the global statistics when global. */
  normalization: { kind: 'global' | 'utterance'; mean?: number[]; std?: number[] };
  /** Where the encoder came from: a pretraining checkpoint, or null for the supervised-only baseline. */
  pretrained: { checkpoint: string; step: number; task: string } | null;
  finetune: unknown;
  step: number;
  time: string;
}

export function saveCtcModel(file: string, params: ParamStore, meta: Omit<CtcModelMeta, 'format' | 'version' | 'time'>): void {
  runSync(saveReads(file, params, meta));
}

/** `saveCtcModel` with one awaited read of all parameters (WebGPU); the same file. */
export function saveCtcModelAsync(file: string, params: ParamStore, meta: Omit<CtcModelMeta, 'format' | 'version' | 'time'>): Promise<void> {
  return runAsync(saveReads(file, params, meta));
}

function* saveReads(file: string, params: ParamStore, meta: Omit<CtcModelMeta, 'format' | 'version' | 'time'>): Reads<void> {
  const vars = [...params.vars];
  const data = yield vars.map(([, v]) => v);
  const arrays: NamedArray[] = vars.map(([n, v], i) => ({ name: `param.${n}`, dtype: v.dtype === 'int32' ? 'int32' : 'float32', shape: v.shape, data: data[i] as Float32Array }));
  writeTensorFile(file, { ...meta, format: 'birq-ctc-model', version: 1, time: new Date().toISOString() }, arrays);
}

export interface CtcModel {
  encoder: Conformer;
  vocab: Vocab;
  meta: CtcModelMeta;
  file: string;
}

/** A fine-tuned model: encoder + CTC head, its vocabulary and normalization. */
export function loadCtcModel(file: string): CtcModel {
  const { meta, arrays } = readModelFile<CtcModelMeta>(file);
  if (meta.format !== 'birq-ctc-model') {
    const hint = meta.format === 'birq-checkpoint' ? ' (a pretraining checkpoint: fine-tune it first with birq finetune --from)' : '';
    throw new BirqError(`not a fine-tuned CTC model (format ${JSON.stringify(meta.format)})${hint}`, file);
  }
  if (meta.version !== 1) throw new BirqError(`CTC model version ${meta.version} is not supported`, file);
  const vocab = vocabFor(meta.vocab);
  if (vocab.tokens.join('\u0000') !== (meta.tokens ?? []).join('\u0000')) throw new BirqError(`the model's ${meta.vocab} vocabulary differs from this code's`, file);
  const encoder = new Conformer(meta.encoder, 0);
  encoder.params.add('head.ctc.w', tf.zeros([meta.encoder.dim, vocab.tokens.length]));
  encoder.params.add('head.ctc.b', tf.zeros([vocab.tokens.length]));
  try {
    assignParams(encoder.params, arrays, file, 'CTC model');
  } catch (e) {
    encoder.dispose();
    throw e;
  }
  return { encoder, vocab, meta, file };
}
