/**
 * Labeled utterances for CTC fine-tuning and evaluation: whole utterances (never cropped: the transcript covers
 * the whole recording), length-bucketed batches (data/batching.ts), targets in a CTC vocabulary.
 *
 * Features: log-mel from the shared feature cache, normalized like pretraining (per-utterance CMVN). References: chars use the transcript normalized by decode/text.ts (out-of-vocabulary
 * characters are an error naming the utterance); phones use the manifest's phone string (CMU-39, no silence).
 */
import { Problem } from '../data/problems';
import { describeSkipped, usableUtterances } from '../data/usable';
import { ManifestEntry } from '../data/manifest';
import { makeBatches, padBatch } from '../data/batching';
import { FeatureCache } from '../data/cache';
import { defaultFeatureCache } from '../data/stats';
import { utteranceFeatures } from '../data/utterance';
import { SUBSAMPLING } from '../model/config';
import { Features, LOGMEL_DEFAULTS } from '../features/logmel';
import { NormStats, perUtteranceNormalize } from '../features/normalize';
import { resolveCorpus } from '../util/paths';
import { normalizeText } from '../decode/text';
import { encodeTarget, Vocab } from '../decode/vocab';
import { fail } from '../util/errors';
import { FeatureBatch, FeatureSource, toFeatureBatch } from '../train/feature-source';

export interface LabeledUtterance {
  entry: ManifestEntry;
  /** The reference as text: normalized transcript (chars) or phone string (phones). */
  reference: string;
  target: number[];
}

/** Reference text and target ids of one utterance in a vocabulary. */
export function labelUtterance(e: ManifestEntry, vocab: Vocab): LabeledUtterance {
  let reference: string;
  if (vocab.kind === 'chars') {
    if (typeof e.text !== 'string') fail(`utterance ${e.id} has no transcript ("text")`, e.audio);
    reference = normalizeText(e.text, { where: `utterance ${e.id}` });
  } else {
    if (typeof e.phones !== 'string') fail(`utterance ${e.id} has no phone string ("phones"); phone targets need the built-in corpus or a manifest with phones`, e.audio);
    reference = e.phones.split(/\s+/).filter((p) => p && p !== 'sil').join(' ');
  }
  return { entry: e, reference, target: encodeTarget(vocab, reference, `utterance ${e.id}`) };
}

export interface Normalizer {
  kind: 'global' | 'utterance';
  /** Global statistics (kind 'global'), stored with fine-tuned models so evaluation normalizes the same way. */
  mean?: number[];
  std?: number[];
  apply: (f: Features) => Features;
}

/** Normalization from stored statistics (a fine-tuned model's meta), or per utterance. */
export function makeNormalizer(spec: { kind: 'global' | 'utterance'; mean?: number[]; std?: number[] }): Normalizer {
  if (spec.kind === 'utterance') return { kind: 'utterance', apply: perUtteranceNormalize };
  if (!spec.mean || !spec.std) fail('global normalization without mean and std');
  const st = new NormStats(spec.mean, spec.std, 0);
  return { kind: 'global', mean: spec.mean, std: spec.std, apply: (f) => st.apply(f) };
}

/**
 * Normalization as pretraining uses it: per-utterance CMVN, as train/corpus-source.ts feeds the encoder.
 * (A fine-tuned model stores its normalization; evaluation reuses it through makeNormalizer.)
 */
export function corpusNormalizer(): Normalizer {
  return makeNormalizer({ kind: 'utterance' });
}

/** Kept for callers of its old home; the resolver is util/paths.ts's. */
export { resolveCorpus };

export interface LabeledSourceOptions {
  corpus: string;
  split: string;
  vocab: Vocab;
  batchSize: number;
  /** Upper bound on padded input frames per batch (B · T_max). */
  maxBatchFrames: number;
  seed: number;
  cache?: FeatureCache;
  /** Default: corpusNormalizer(). */
  normalizer?: Normalizer;
}

export class LabeledSource implements FeatureSource {
  readonly description: string;
  readonly utterances: LabeledUtterance[];
  /** Problems --skip-bad went past. */
  readonly skipped: Problem[];
  readonly normalizer: Normalizer;
  private readonly cache: FeatureCache;
  private readonly lengths: number[];
  private epochs: number[][][] = [];

  constructor(readonly opts: LabeledSourceOptions) {
    this.cache = opts.cache ?? defaultFeatureCache();
    // Refuses a corpus with problems unless --skip-bad (then counted in the description, i.e. config.json).
    const u = usableUtterances(resolveCorpus(opts.corpus), { split: opts.split, cache: this.cache });
    this.skipped = u.skipped;
    this.utterances = u.rows.map((e) => labelUtterance(e, opts.vocab));
    const n = (this.normalizer = opts.normalizer ?? corpusNormalizer());
    // Frame counts from durations when known (no audio read); 10 ms hop, torchaudio center=True framing.
    this.lengths = this.utterances.map((u) => {
      const e = u.entry;
      const { sampleRate, hopLength } = LOGMEL_DEFAULTS;
      return e.numSamples && e.sampleRate === sampleRate && e.start === undefined ? Math.floor(e.numSamples / hopLength) + 1 : this.features(u).frames;
    });
    this.description = `${opts.split || '(all)'} of ${opts.corpus}: ${this.utterances.length} labeled utterances (${opts.vocab.kind}), ${n.kind} CMVN${describeSkipped(this.skipped)}`;
  }

  /** Targets by utterance id (for CtcFinetuneTask). */
  targets(): Map<string, number[]> {
    return new Map(this.utterances.map((u) => [u.entry.id, u.target]));
  }

  features(u: LabeledUtterance): Features {
    return this.normalizer.apply(utteranceFeatures(u.entry, this.cache));
  }

  /** Training batch of a step: epochs of shuffled length-bucketed batches, deterministic in (seed, step). */
  batchAt(step: number): FeatureBatch {
    let s = step;
    for (let e = 0; ; e++) {
      if (!this.epochs[e]) this.epochs[e] = makeBatches(this.lengths, { batchSize: this.opts.batchSize, maxFrames: this.opts.maxBatchFrames, seed: this.opts.seed, epoch: e });
      if (s < this.epochs[e].length) return this.batch(this.epochs[e][s]);
      s -= this.epochs[e].length;
    }
  }

  /** The first few utterances, fixed. */
  probe(): FeatureBatch {
    return this.batch(this.utterances.slice(0, Math.min(4, this.utterances.length)).map((_, i) => i));
  }

  /** Every utterance once, in length order (evaluation). */
  evalBatches(): number[][] {
    return makeBatches(this.lengths, { batchSize: this.opts.batchSize, maxFrames: this.opts.maxBatchFrames, shuffle: false });
  }

  batch(indices: number[]): FeatureBatch {
    const feats = indices.map((i) => this.features(this.utterances[i]));
    return toFeatureBatch(padBatch(feats, SUBSAMPLING), indices.map((i) => this.utterances[i].entry.id));
  }
}
