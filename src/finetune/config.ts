/**
 * Fine-tuning configuration: typed plain data, validated at the edge; `--set key=value` overrides are checked
 * against the preset's structure (an unknown key is an error naming it).
 */
import { ENCODER_PRESETS } from '../model/config';
import { VocabKind } from '../decode/vocab';
import { BirqError } from '../util/errors';
import { checkChoice, checkRange, NumberRange } from '../util/ranges';
import { applySetting } from '../train/overrides';
import { LR_DECAYS, LrDecay } from '../train/schedule';
import { NO_SPEC_AUGMENT, SpecAugmentOptions } from '../objectives/spec-augment';

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
  /**
   * Re-initialize the top N blocks of a pretrained encoder before fine-tuning (0 = none; default 0 for configs
   * written before it existed). Pasad et al. (2021) find wav2vec 2.0's last layers specialized to the pretext task
   * and re-initialize them for low-resource fine-tuning; our probe finds the same in BEST-RQ's upper blocks.
   */
  reinitTopBlocks?: number;
  /**
   * SpecAugment masks on the training input (objectives/spec-augment.ts; none by default, and in configs written
   * before it existed).
   */
  specAugment?: SpecAugmentOptions;
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
    reinitTopBlocks: 0,
    specAugment: { ...NO_SPEC_AUGMENT },
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
export const FINETUNE_CHOICES = { vocab: ['chars', 'phones'] as VocabKind[], 'optim.decay': LR_DECAYS } satisfies Record<string, readonly string[]>;

/** Set one dotted key from `key=value`, typed by the preset's value at that key (train/overrides.ts). */
export function applyFinetuneOverride(c: FinetuneConfig, assignment: string): FinetuneConfig {
  return applySetting(c, assignment, { choices: FINETUNE_CHOICES, kind: 'fine-tune config' });
}

/**
 * Range and cross-field checks of a fine-tune config (every key named with its value and accepted range);
 * fills the defaults of keys added later (accumulate, checkpointEvery, keepCheckpoints). Returns the config.
 */
export function validateFinetuneConfig(c: FinetuneConfig): FinetuneConfig {
  const key = (k: string) => `fine-tune config ${k}`;
  const err = (k: string, why: string): never => {
    throw new BirqError(`${key(k)}: ${why}`);
  };
  const num = (k: string, v: number, r: NumberRange) => checkRange(key(k), v, r);
  const posInt: NumberRange = { integer: true, min: 1 };
  checkChoice(key('vocab'), c.vocab, FINETUNE_CHOICES.vocab);
  if (!c.from && !ENCODER_PRESETS[c.encoderPreset]) err('encoderPreset', `must be one of ${Object.keys(ENCODER_PRESETS).join(', ')}, got '${c.encoderPreset}'`);
  if (!c.data.corpus) err('data.corpus', "must name the corpus directory or manifest, got ''");
  num('seed', c.seed, { integer: true });
  num('data.batchSize', c.data.batchSize, posInt);
  num('data.maxBatchFrames', c.data.maxBatchFrames, posInt);
  num('optim.lr', c.optim.lr, { above: 0 });
  checkChoice(key('optim.decay'), c.optim.decay, LR_DECAYS);
  num('optim.warmupSteps', c.optim.warmupSteps, { integer: true, min: 0 });
  num('optim.minLrRatio', c.optim.minLrRatio, { min: 0, max: 1 });
  num('optim.beta1', c.optim.beta1, { min: 0, below: 1 });
  num('optim.beta2', c.optim.beta2, { min: 0, below: 1 });
  num('optim.eps', c.optim.eps, { above: 0 });
  num('optim.weightDecay', c.optim.weightDecay, { min: 0 });
  num('optim.clipNorm', c.optim.clipNorm, { min: 0 });
  num('run.steps', c.run.steps, posInt);
  num('freezeEncoderSteps', c.freezeEncoderSteps, { integer: true, min: 0, max: c.run.steps - 1 });
  num('run.logEvery', c.run.logEvery, posInt);
  num('run.evalEvery', c.run.evalEvery, posInt);
  c.reinitTopBlocks ??= 0;
  num('reinitTopBlocks', c.reinitTopBlocks, { integer: true, min: 0 });
  if (c.reinitTopBlocks && !c.from) err('reinitTopBlocks', `re-initializes blocks of a pretrained encoder: give --from, or leave it 0 (got ${c.reinitTopBlocks})`);
  c.specAugment ??= { ...NO_SPEC_AUGMENT };
  for (const k of ['freqMasks', 'freqWidth', 'timeMasks'] as const) num(`specAugment.${k}`, c.specAugment[k], { integer: true, min: 0 });
  num('specAugment.timeWidth', c.specAugment.timeWidth, { min: 0, max: 1 });
  c.optim.accumulate ??= 1;
  c.run.checkpointEvery ??= c.run.evalEvery;
  c.run.keepCheckpoints ??= 2;
  num('optim.accumulate', c.optim.accumulate, posInt);
  num('run.checkpointEvery', c.run.checkpointEvery, posInt);
  num('run.keepCheckpoints', c.run.keepCheckpoints, posInt);
  return c;
}
