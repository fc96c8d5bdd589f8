/**
 * FeatureSource over a real corpus (src/data): any manifest, Kaldi or LibriSpeech directory, e.g. the built-in
 * smoke corpus `dataRoot()/austen-smoke`. Log-mel 80 x 10 ms from src/data's feature cache, per-utterance
 * mean/variance normalized (BEST-RQ's quantizer needs normalized input), cropped to `maxFrames` at a seeded
 * offset, padded to a multiple of 4.
 *
 * Addressed by step like the toy source: the epoch's utterance order is a seeded permutation, batch `step`
 * takes the next `batchSize` utterances of it, so resume needs no iterator state.
 */
import { padBatch } from '../data/batching';
import { ManifestEntry } from '../data/manifest';
import { defaultFeatureCache } from '../data/stats';
import { utteranceFeatures } from '../data/utterance';
import { FeatureCache } from '../data/cache';
import { Problem } from '../data/problems';
import { describeSkipped, usableUtterances } from '../data/usable';
import { Features, LOGMEL_DEFAULTS } from '../features/logmel';
import { SUBSAMPLING } from '../model/config';
import { perUtteranceNormalize } from '../features/normalize';
import { BirqError } from '../util/errors';
import { resolveCorpus } from '../util/paths';
import { Rng } from '../util/rng';
import { FeatureBatch, FeatureSource, toFeatureBatch } from './feature-source';

export interface CorpusSourceOptions {
  /** Corpus path, or a bare name resolved under dataRoot() (e.g. 'austen-smoke'). */
  corpus: string;
  split: string;
  seed: number;
  batchSize: number;
  maxFrames: number;
  probeSize: number;
  /** Split of the label-snapshot probe set ('' or absent: the first utterances of `split`). */
  probeSplit?: string;
}

export class CorpusFeatureSource implements FeatureSource {
  readonly description: string;
  readonly entries: ManifestEntry[];
  /** Problems --skip-bad went past (empty without it: problems refuse the corpus). */
  readonly skipped: Problem[];
  private readonly cache: FeatureCache;
  private readonly feats = new Map<string, Features>();

  constructor(readonly opts: CorpusSourceOptions) {
    const p = resolveCorpus(opts.corpus);
    this.cache = defaultFeatureCache();
    // Refuses a corpus with problems (bad lines, undecodable audio) unless --skip-bad; then counts what it skipped.
    const u = usableUtterances(p, { split: opts.split, cache: this.cache });
    this.skipped = u.skipped;
    this.entries = u.rows.sort((a, b) => (a.id < b.id ? -1 : 1));
    if (this.entries.length < opts.batchSize)
      throw new BirqError(`corpus split '${opts.split}' has ${this.entries.length} utterances, fewer than data.batchSize ${opts.batchSize}`, p);
    this.description = `corpus ${p} split ${opts.split || '(all)'}: ${this.entries.length} utterances, batch ${opts.batchSize}, crop ${opts.maxFrames} frames${describeSkipped(this.skipped)}`;
  }

  private features(e: ManifestEntry): Features {
    let f = this.feats.get(e.id);
    if (!f) {
      f = perUtteranceNormalize(utteranceFeatures(e, this.cache));
      this.feats.set(e.id, f);
    }
    return f;
  }

  batchAt(step: number): FeatureBatch {
    const N = this.entries.length;
    const B = this.opts.batchSize;
    const picks: ManifestEntry[] = [];
    for (let i = 0; i < B; i++) {
      const k = step * B + i;
      const epoch = Math.floor(k / N);
      const order = new Rng([epoch + 1, this.opts.seed >>> 0, 0xc0, 7]).shuffle([...Array(N).keys()]);
      picks.push(this.entries[order[k % N]]);
    }
    return this.assemble(picks, new Rng([step + 1, this.opts.seed >>> 0, 0xc0, 8]), `s${step}`);
  }

  /**
   * The fixed probe set of label snapshots: the first `probeSize` utterances (by id) of `probeSplit`, uncropped
   * up to maxFrames at offset 0. A held-out split with exact alignments (dev) makes the snapshot statistics an
   * evaluation over thousands of frames rather than a look at a few training utterances.
   */
  probe(): FeatureBatch {
    const split = this.opts.probeSplit || this.opts.split;
    const pool = split === this.opts.split ? this.entries : usableUtterances(resolveCorpus(this.opts.corpus), { split, cache: this.cache }).rows.sort((a, b) => (a.id < b.id ? -1 : 1));
    if (!pool.length) throw new BirqError(`data.probeSplit '${split}' has no utterances`, resolveCorpus(this.opts.corpus));
    return this.assemble(pool.slice(0, Math.min(this.opts.probeSize, pool.length)), null, 'probe');
  }

  private assemble(picks: ManifestEntry[], rng: Rng | null, tag: string): FeatureBatch {
    const F = LOGMEL_DEFAULTS.nMels;
    const crops = picks.map((e) => {
      const f = this.features(e);
      if (f.bins !== F) throw new BirqError(`utterance ${e.id} has ${f.bins} mel bins, expected ${F}`);
      const cut = Math.min(f.frames, this.opts.maxFrames);
      const n = cut - (cut % SUBSAMPLING); // whole encoder frames
      const off = rng ? rng.int(f.frames - n + 1) : 0;
      return { data: f.data.subarray(off * F, (off + n) * F), frames: n, bins: F };
    });
    const p = padBatch(crops, SUBSAMPLING);
    if (p.frames === 0) throw new BirqError(`utterances ${picks.map((e) => e.id).join(', ')} are all shorter than one encoder frame`);
    return toFeatureBatch(p, picks.map((e) => e.id));
  }
}
