/**
 * Pretraining configuration: typed plain data, validated at the edge (docs/conventions.md §6). Presets say what they are for;
 * `--set key=value` and `--config FILE` overrides are checked against the preset's structure: an unknown key is
 * an error naming it, a bad value an error naming key and value. Derived values (stack factor, span length in
 * frames) are computed, never stored.
 */
import { ENCODER_FRAME_MS, ENCODER_PRESETS, EncoderConfig, SUBSAMPLING } from '../model/config';
import { DEFAULT_PENALTY, PENALTY_SCHEDULES, PenaltyConfig } from '../objectives/bilevel';
import { ENHANCED_NORMS, EnhancedNorm, GUMBEL_MODES, GumbelMode } from '../quantizers/gumbel';
import { BirqError } from '../util/errors';
import { applySetting, applySettingsObject } from './overrides';
import { LR_DECAYS, LrDecay } from './schedule';

export const TASKS = ['bestrq', 'birq'] as const;
export type TaskName = (typeof TASKS)[number];

export interface PretrainConfig {
  seed: number;
  /** 'bestrq': anchor labels only (G); 'birq': anchor + enhanced labels (w1·F + w2·G). */
  task: TaskName;
  encoder: EncoderConfig;
  /** Random-projection quantizer on stacked input frames (anchor labels). */
  anchor: { codes: number; codeDim: number; books: number; normalizeInput: boolean };
  /**
   * Gumbel quantizer on block `layer`'s output (enhanced labels). `norm`: how layer-k features are normalized
   * before the projection: 'frame' (per-frame LayerNorm, our reading of the paper; collapses at c1-small) or
   * 'utterance' (each feature standardized over its utterance's frames; see quantizers/gumbel.ts) or 'whiten'
   * (standardized, projected, whitened per utterance). `whitenRidge`: 'whiten''s ridge, as a fraction of the mean
   * variance; 1e-3 whitens fully, larger values whiten partially (weak directions, mostly noise, stay weak).
   */
  enhanced: { layer: number; codes: number; codeDim: number; scale: number; tau: number; mode: GumbelMode; norm: EnhancedNorm; whitenRidge: number };
  masking: { startProb: number; spanMs: number; noiseStd: number };
  objective: PenaltyConfig;
  optim: {
    lr: number;
    warmupSteps: number;
    decay: LrDecay;
    minLrRatio: number;
    beta1: number;
    beta2: number;
    eps: number;
    weightDecay: number;
    /** Clip gradients to this global norm; 0 = off. */
    clipNorm: number;
    /** Micro-batches per update (gradient accumulation). */
    accumulate: number;
  };
  data: {
    /** 'toy': synthetic phone-like features (no corpus needed); 'corpus': a manifest from src/data. */
    source: 'toy' | 'corpus';
    /** Corpus directory or manifest (source = corpus). */
    corpus: string;
    split: string;
    batchSize: number;
    /** Input frames (10 ms) per utterance: crop length for corpora, max length for toy. */
    maxFrames: number;
    /** Utterances in the fixed probe set for label snapshots (at most; the whole split when it has fewer). */
    probeSize: number;
    /** Split the probe set comes from ('' = the training split); 'dev' makes snapshots an evaluation (issue: >= 20k frames). */
    probeSplit: string;
  };
  run: { steps: number; logEvery: number; checkpointEvery: number; snapshotEvery: number; keepCheckpoints: number };
  /** Recompute block activations in the backward pass (same numbers, far less memory, ~1 extra forward). */
  memory: { recomputeBlocks: boolean };
}

/** Allowed values of string fields, by dotted key. */
export const CHOICES: Record<string, readonly string[]> = {
  task: TASKS,
  'encoder.frontEnd': ['stack', 'conv'],
  'encoder.convNorm': ['batch', 'layer'],
  'encoder.positional': ['sinusoidal', 'none'],
  'enhanced.mode': GUMBEL_MODES,
  'enhanced.norm': ENHANCED_NORMS,
  'objective.schedule': PENALTY_SCHEDULES,
  'optim.decay': LR_DECAYS,
  'data.source': ['toy', 'corpus'],
};

function base(encoder: EncoderConfig, layer: number): PretrainConfig {
  return {
    seed: 1,
    task: 'birq',
    encoder: { ...encoder },
    anchor: { codes: 8192, codeDim: 16, books: 1, normalizeInput: true },
    enhanced: { layer, codes: 8192, codeDim: 16, scale: 10, tau: 0.5, mode: 'soft', norm: 'frame', whitenRidge: 1e-3 },
    masking: { startProb: 0.01, spanMs: 400, noiseStd: 0.1 },
    objective: { ...DEFAULT_PENALTY },
    optim: { lr: 1e-4, warmupSteps: 1000, decay: 'cosine', minLrRatio: 0.05, beta1: 0.9, beta2: 0.98, eps: 1e-8, weightDecay: 0.01, clipNorm: 5, accumulate: 1 },
    // The built-in corpus at the 'small' profile (`birq data` builds it); any manifest/Kaldi/LibriSpeech path works.
    data: { source: 'corpus', corpus: 'austen-small', split: 'pretrain', batchSize: 8, maxFrames: 800, probeSize: 8, probeSplit: '' },
    run: { steps: 20000, logEvery: 10, checkpointEvery: 500, snapshotEvery: 1000, keepCheckpoints: 2 },
    memory: { recomputeBlocks: true },
  };
}

function merge<T>(c: T, patch: Record<string, unknown>): T {
  const out = structuredClone(c) as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) {
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? merge(out[k], v as Record<string, unknown>) : v;
  }
  return out as T;
}

const smokeBase = merge(base(ENCODER_PRESETS.smoke.config, 1), {
  anchor: { codes: 64 },
  enhanced: { codes: 64 },
  masking: { startProb: 0.05 },
  optim: { lr: 2e-3, warmupSteps: 10, clipNorm: 5 },
  data: { source: 'corpus', corpus: 'austen-smoke', split: 'pretrain', batchSize: 8, maxFrames: 400, probeSize: 4, probeSplit: '' },
  run: { steps: 80, logEvery: 5, checkpointEvery: 40, snapshotEvery: 40 },
  memory: { recomputeBlocks: false },
});

export const PRETRAIN_PRESETS: Record<string, { what: string; config: PretrainConfig }> = {
  smoke: {
    what: 'CI / notebooks: BiRQ on the built-in smoke corpus (austen-smoke, `birq data` builds it), smoke encoder, 64 codes, 80 steps (~1-2 min on one core); --set data.source=toy runs without a corpus',
    config: smokeBase,
  },
  'smoke-bestrq': {
    what: 'the smoke run as BEST-RQ (anchor labels only), the baseline for notebook 04',
    config: merge(smokeBase, { task: 'bestrq' }),
  },
  'c1-small': {
    what: "paper's 5-block ablation shape (d 144) with enhanced labels from block 4 (Table 1's best k); BiRQ, w1 0.1 / w2 2.4, AdamW 1e-4",
    config: base(ENCODER_PRESETS['c1-small'].config, 4),
  },
  'c1-small-bestrq': {
    what: 'c1-small as BEST-RQ, the baseline for the layer ablation',
    config: merge(base(ENCODER_PRESETS['c1-small'].config, 4), { task: 'bestrq' }),
  },
  'c2-small': {
    what: "paper's 10-block shape at d 144, enhanced labels from block 7",
    config: base(ENCODER_PRESETS['c2-small'].config, 7),
  },
};

export function presetConfig(name: string): PretrainConfig {
  const p = PRETRAIN_PRESETS[name];
  if (!p) throw new BirqError(`unknown preset '${name}' (choose one of ${Object.keys(PRETRAIN_PRESETS).join(', ')})`);
  return structuredClone(p.config);
}

/** Every dotted leaf key of a config (for help text and the "each field has an effect" test). */
export function configKeys(c: object, prefix = ''): string[] {
  return Object.entries(c).flatMap(([k, v]) =>
    v && typeof v === 'object' ? configKeys(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

/** Set one dotted key from a string (`--set optim.lr=3e-4`); the parser is train/overrides.ts, shared by every stage. */
export function applyOverride(c: PretrainConfig, assignment: string, where = ''): PretrainConfig {
  return applySetting(c, assignment, { choices: CHOICES, where });
}

/** Merge a (partial) config object, e.g. from a JSON file, with the same checks as --set. */
export function applyConfigObject(c: PretrainConfig, obj: unknown, where = ''): PretrainConfig {
  return applySettingsObject(c, obj, { choices: CHOICES, where });
}

/** Range and cross-field checks; returns the config for chaining. */
export function validateConfig(c: PretrainConfig): PretrainConfig {
  const err = (key: string, why: string) => {
    throw new BirqError(`config ${key}: ${why}`);
  };
  const posInt = (key: string, v: number) => (Number.isInteger(v) && v > 0) || err(key, `must be a positive integer, got ${v}`);
  const nonNeg = (key: string, v: number) => v >= 0 || err(key, `must be >= 0, got ${v}`);
  const e = c.encoder;
  for (const k of ['blocks', 'dim', 'heads', 'ffnDim', 'kernel', 'inputDim'] as const) posInt(`encoder.${k}`, e[k]);
  if (e.dim % e.heads) err('encoder.heads', `must divide encoder.dim ${e.dim}, got ${e.heads}`);
  if (e.kernel % 2 !== 1) err('encoder.kernel', `must be odd, got ${e.kernel}`);
  if (!(e.dropout >= 0 && e.dropout < 1)) err('encoder.dropout', `must be in [0, 1), got ${e.dropout}`);
  for (const k of ['codes', 'codeDim', 'books'] as const) posInt(`anchor.${k}`, c.anchor[k]);
  for (const k of ['codes', 'codeDim'] as const) posInt(`enhanced.${k}`, c.enhanced[k]);
  if (!(Number.isInteger(c.enhanced.layer) && c.enhanced.layer >= 1 && c.enhanced.layer <= e.blocks))
    err('enhanced.layer', `must be a block in 1..${e.blocks}, got ${c.enhanced.layer}`);
  if (!(c.enhanced.tau > 0)) err('enhanced.tau', `must be > 0, got ${c.enhanced.tau}`);
  if (!(c.enhanced.whitenRidge > 0)) err('enhanced.whitenRidge', `must be > 0 (a fraction of the mean variance), got ${c.enhanced.whitenRidge}`);
  if (!(c.enhanced.scale > 0)) err('enhanced.scale', `must be > 0, got ${c.enhanced.scale}`);
  if (!(c.masking.startProb > 0 && c.masking.startProb <= 1)) err('masking.startProb', `must be in (0, 1], got ${c.masking.startProb}`);
  if (!(c.masking.spanMs >= ENCODER_FRAME_MS)) err('masking.spanMs', `must be >= ${ENCODER_FRAME_MS} (one stacked frame), got ${c.masking.spanMs}`);
  nonNeg('masking.noiseStd', c.masking.noiseStd);
  nonNeg('objective.w1', c.objective.w1);
  nonNeg('objective.w2', c.objective.w2);
  nonNeg('objective.w2Start', c.objective.w2Start);
  nonNeg('objective.bomeEta', c.objective.bomeEta);
  if (c.task === 'birq' && c.objective.w1 === 0 && c.objective.w2 === 0) err('objective', 'w1 and w2 are both 0');
  if (!(c.optim.lr > 0)) err('optim.lr', `must be > 0, got ${c.optim.lr}`);
  if (!(Number.isInteger(c.optim.warmupSteps) && c.optim.warmupSteps >= 0)) err('optim.warmupSteps', `must be an integer >= 0, got ${c.optim.warmupSteps}`);
  if (!(c.optim.minLrRatio >= 0 && c.optim.minLrRatio <= 1)) err('optim.minLrRatio', `must be in [0, 1], got ${c.optim.minLrRatio}`);
  for (const k of ['beta1', 'beta2'] as const) if (!(c.optim[k] >= 0 && c.optim[k] < 1)) err(`optim.${k}`, `must be in [0, 1), got ${c.optim[k]}`);
  if (!(c.optim.eps > 0)) err('optim.eps', `must be > 0, got ${c.optim.eps}`);
  nonNeg('optim.weightDecay', c.optim.weightDecay);
  nonNeg('optim.clipNorm', c.optim.clipNorm);
  posInt('optim.accumulate', c.optim.accumulate);
  posInt('data.batchSize', c.data.batchSize);
  posInt('data.maxFrames', c.data.maxFrames);
  if (c.data.maxFrames % SUBSAMPLING) err('data.maxFrames', `must be a multiple of ${SUBSAMPLING} (the subsampling), got ${c.data.maxFrames}`);
  posInt('data.probeSize', c.data.probeSize);
  if (c.data.source === 'corpus' && !c.data.corpus) err('data.corpus', 'is empty but data.source is corpus');
  for (const k of ['steps', 'logEvery', 'checkpointEvery', 'keepCheckpoints'] as const) posInt(`run.${k}`, c.run[k]);
  if (!(Number.isInteger(c.run.snapshotEvery) && c.run.snapshotEvery >= 0)) err('run.snapshotEvery', `must be an integer >= 0 (0 = no snapshots), got ${c.run.snapshotEvery}`);
  if (!Number.isInteger(c.seed)) err('seed', `must be an integer, got ${c.seed}`);
  return c;
}

/** Span length in stacked frames (400 ms / 40 ms = 10), derived from spanMs. */
export function spanFrames(c: PretrainConfig): number {
  return Math.max(1, Math.round(c.masking.spanMs / ENCODER_FRAME_MS));
}
