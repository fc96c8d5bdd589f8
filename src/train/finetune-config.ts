/**
 * Fine-tuning configuration: typed plain data, validated at the edge; `--set key=value` overrides are checked
 * against the preset's structure (an unknown key is an error naming it).
 */
import { ENCODER_PRESETS } from '../model/config';
import { VocabKind } from '../decode/vocab';
import { BirqError } from '../util/errors';
import { applySetting } from './overrides';
import { LR_DECAYS, LrDecay } from './schedule';

export interface FinetuneConfig {
  seed: number;
  /** Pretraining run directory or checkpoint file; '' trains from a random encoder (supervised-only baseline). */
  from: string;
  /** Encoder preset of the random encoder when `from` is '' (match the pretrained runs' shape). */
  encoderPreset: string;
  vocab: VocabKind;
  data: {
    corpus: string;
    /** Labeled training split: a duration-named subset (train-10min, train-1h, train-10h) or the pool train-labeled. */
    split: string;
    /** Evaluated every run.evalEvery steps and at the end ('' = none). */
    devSplit: string;
    batchSize: number;
    /** Padded input frames per batch at most (B · T_max). */
    maxBatchFrames: number;
  };
  optim: {
    lr: number; warmupSteps: number; decay: LrDecay; minLrRatio: number; beta1: number; beta2: number; eps: number; weightDecay: number; clipNorm: number;
    /** Micro-batches per update (gradient accumulation; default 1). */
    accumulate?: number;
  };
  /** Optimizer steps training only the CTC head, encoder frozen (0 = none). */
  freezeEncoderSteps: number;
  /** checkpointEvery defaults to evalEvery, keepCheckpoints to 2 (configs written before they existed). */
  run: { steps: number; logEvery: number; evalEvery: number; checkpointEvery?: number; keepCheckpoints?: number };
}

function base(): FinetuneConfig {
  return {
    seed: 1,
    from: '',
    encoderPreset: 'c1-small',
    vocab: 'chars',
    data: { corpus: '', split: 'train-1h', devSplit: 'dev', batchSize: 8, maxBatchFrames: 8 * 1600 },
    optim: { lr: 5e-4, warmupSteps: 300, decay: 'cosine', minLrRatio: 0.05, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.01, clipNorm: 5, accumulate: 1 },
    freezeEncoderSteps: 500,
    run: { steps: 5000, logEvery: 20, evalEvery: 1000, checkpointEvery: 500, keepCheckpoints: 2 },
  };
}

export const FINETUNE_PRESETS: Record<string, { what: string; config: FinetuneConfig }> = {
  smoke: {
    what: 'CI: smoke encoder, the labeled pool of the smoke corpus (12 utterances), 40 steps, 10 head-only; runs end to end in seconds, WER stays high',
    config: {
      ...base(),
      encoderPreset: 'smoke',
      data: { corpus: '', split: 'train-labeled', devSplit: 'dev', batchSize: 4, maxBatchFrames: 4 * 1200 },
      optim: { ...base().optim, lr: 2e-3, warmupSteps: 5 },
      freezeEncoderSteps: 10,
      run: { steps: 40, logEvery: 5, evalEvery: 20, checkpointEvery: 20, keepCheckpoints: 2 },
    },
  },
  small: {
    what: 'a laptop run: c1-small encoder, train-1h, 5000 steps with 500 head-only (hours on 2 cores)',
    config: base(),
  },
};

export function finetunePreset(name: string): FinetuneConfig {
  const p = FINETUNE_PRESETS[name];
  if (!p) throw new BirqError(`unknown fine-tune preset '${name}' (choose one of ${Object.keys(FINETUNE_PRESETS).join(', ')})`);
  return structuredClone(p.config);
}

/** Allowed values of the fine-tune config's string fields, by dotted key. */
export const FINETUNE_CHOICES: Record<string, readonly string[]> = { vocab: ['chars', 'phones'], 'optim.decay': LR_DECAYS };

/** Set one dotted key from `key=value`, typed by the preset's value at that key (train/overrides.ts). */
export function applyFinetuneOverride(c: FinetuneConfig, assignment: string): FinetuneConfig {
  return applySetting(c, assignment, { choices: FINETUNE_CHOICES, kind: 'fine-tune config' });
}

export function validateFinetuneConfig(c: FinetuneConfig): FinetuneConfig {
  const err = (key: string, why: string): never => {
    throw new BirqError(`fine-tune config ${key}: ${why}`);
  };
  const posInt = (key: string, v: number) => (Number.isInteger(v) && v > 0) || err(key, `must be a positive integer, got ${v}`);
  if (!['chars', 'phones'].includes(c.vocab)) err('vocab', `must be chars or phones, got '${c.vocab}'`);
  if (!c.from && !ENCODER_PRESETS[c.encoderPreset]) err('encoderPreset', `unknown preset '${c.encoderPreset}' (known: ${Object.keys(ENCODER_PRESETS).join(', ')})`);
  if (!c.data.corpus) err('data.corpus', 'is empty: give the corpus directory or manifest');
  posInt('data.batchSize', c.data.batchSize);
  posInt('data.maxBatchFrames', c.data.maxBatchFrames);
  if (!(c.optim.lr > 0)) err('optim.lr', `must be > 0, got ${c.optim.lr}`);
  if (!LR_DECAYS.includes(c.optim.decay)) err('optim.decay', `must be one of ${LR_DECAYS.join(', ')}`);
  for (const k of ['warmupSteps', 'minLrRatio', 'weightDecay', 'clipNorm'] as const) if (!(c.optim[k] >= 0)) err(`optim.${k}`, `must be >= 0, got ${c.optim[k]}`);
  if (!(Number.isInteger(c.freezeEncoderSteps) && c.freezeEncoderSteps >= 0 && c.freezeEncoderSteps < c.run.steps)) err('freezeEncoderSteps', `must be in [0, run.steps), got ${c.freezeEncoderSteps}`);
  posInt('run.steps', c.run.steps);
  posInt('run.logEvery', c.run.logEvery);
  posInt('run.evalEvery', c.run.evalEvery);
  c.optim.accumulate ??= 1;
  c.run.checkpointEvery ??= c.run.evalEvery;
  c.run.keepCheckpoints ??= 2;
  posInt('optim.accumulate', c.optim.accumulate);
  posInt('run.checkpointEvery', c.run.checkpointEvery);
  posInt('run.keepCheckpoints', c.run.keepCheckpoints);
  return c;
}
