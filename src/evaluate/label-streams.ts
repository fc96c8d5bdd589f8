/**
 * Frame label streams of a pretraining run on a labeled split, beside the corpus's phone alignment, for label
 * quality (docs/method.md §8; `birq labels`, notebook 09):
 *   anchor.<b>  the BEST-RQ random-projection labels (frozen, from the input features)
 *   enhanced    BiRQ's labels: the frozen Gumbel quantizer on block k of the unmasked input (noise-free argmax;
 *               for a BEST-RQ run the same frozen quantizer on its block k, which it never trained towards)
 *   kmeans      k-means clusters of block k's output (the offline HuBERT-style teacher), fit on another split
 * Every stream is at the encoder rate (40 ms, 4 stacked frames); phones are brought to it by majority over each
 * stacked window (data/utterance.ts utterancePhoneLabels). Only real frames are kept (no padding).
 */
import * as tf from '@tensorflow/tfjs';
import { openCorpus } from '../data/corpus';
import { skipBadRequested } from '../data/usable';
import { ManifestEntry } from '../data/manifest';
import { padBatch } from '../data/batching';
import { defaultFeatureCache } from '../data/stats';
import { utteranceFeatures, utterancePhoneLabels } from '../data/utterance';
import { perUtteranceNormalize } from '../features/normalize';
import { adjustedMutualInformationParts } from '../metrics/ami';
import { streamAgreement } from '../metrics/agreement';
import { ChanceOptions, labelQualityWithChance, LabelQualityWithChance } from '../metrics/label-chance';
import { SUBSAMPLING } from '../model/config';
import { encoderLength } from '../model/conformer';
import { fitKMeans, fitKMeansAsync, kmeansAssignReads, KMeansModel } from '../quantizers/kmeans';
import { BirqError } from '../util/errors';
import { PretrainConfig } from '../train/config';
import { FeatureBatch } from '../train/feature-source';
import { resolveCorpus } from '../finetune/data';
import { assignParams, readPretrainingCheckpoint } from '../finetune/model';
import { MaskedPredictionTask } from '../tasks/masked-prediction';
import { Reads, runAsync, runSync } from '../train/reads';

export interface PretrainedRun {
  task: MaskedPredictionTask;
  config: PretrainConfig;
  file: string;
  step: number;
}

/** A pretraining run's task (encoder, heads, frozen quantizers) at its latest checkpoint. */
export function loadPretrainedRun(from: string): PretrainedRun {
  return runSync(loadReads(from));
}

/** `loadPretrainedRun` with an awaited read of the frozen matrices it checks (WebGPU). */
export function loadPretrainedRunAsync(from: string): Promise<PretrainedRun> {
  return runAsync(loadReads(from));
}

function* loadReads(from: string): Reads<PretrainedRun> {
  const { file, meta, config, arrays } = readPretrainingCheckpoint(from);
  const task = new MaskedPredictionTask(config);
  try {
    assignParams(task.params, arrays, file, 'pretraining checkpoint');
    const frozen = Object.entries(task.frozen());
    const values = yield frozen.map(([, t]) => t);
    for (const [i, [name]] of frozen.entries()) {
      const a = arrays.get(`frozen.${name}`);
      const mine = values[i];
      if (!a || a.data.length !== mine.length || a.data.some((x, i) => x !== mine[i])) throw new BirqError(`frozen matrix '${name}' differs from the one this code derives from the run's seed`, file);
    }
  } catch (e) {
    task.dispose();
    throw e;
  }
  return { task, config, file, step: meta.step };
}

export interface SplitLabels {
  ids: string[];
  /** Encoder frames kept per utterance. */
  frames: number[];
  /** Phone ids (data/segments.ts PHONE_SET, `sil` = 0) per kept frame. */
  phones: Int32Array;
  /** Label per kept frame, by stream name. */
  streams: Record<string, Int32Array>;
  /** Block-k outputs [frames, D] row-major, when asked for (k-means input). */
  layer?: { k: number; dim: number; data: Float32Array };
}

function batchOf(entries: ManifestEntry[]): FeatureBatch {
  const cache = defaultFeatureCache();
  const p = padBatch(entries.map((e) => perUtteranceNormalize(utteranceFeatures(e, cache))), SUBSAMPLING);
  return { feats: p.data, shape: [p.batch, p.frames, p.bins], lengths: p.lengths, ids: entries.map((e) => e.id) };
}

/**
 * Labels of every utterance of a split (whole utterances, evaluation mode). `layer` also returns block k's
 * outputs; `phones: false` skips the alignment (for a split used only to fit k-means).
 */
export function splitLabels(run: PretrainedRun, corpus: string, split: string, opts: SplitLabelOptions = {}): SplitLabels {
  return runSync(splitLabelReads(run, corpus, split, opts));
}

/** `splitLabels` with awaited reads (WebGPU; what `birq labels` runs). */
export function splitLabelsAsync(run: PretrainedRun, corpus: string, split: string, opts: SplitLabelOptions = {}): Promise<SplitLabels> {
  return runAsync(splitLabelReads(run, corpus, split, opts));
}

export interface SplitLabelOptions {
  layer?: number;
  phones?: boolean;
  batchSize?: number;
  maxUtterances?: number;
}

function* splitLabelReads(run: PretrainedRun, corpus: string, split: string, opts: SplitLabelOptions): Reads<SplitLabels> {
  let entries = openCorpus(resolveCorpus(corpus), { split, skipBad: skipBadRequested() }).sort((a, b) => (a.id < b.id ? -1 : 1));
  if (opts.maxUtterances) entries = entries.slice(0, opts.maxUtterances);
  const wantPhones = opts.phones ?? true;
  const B = opts.batchSize ?? 8;
  const D = run.config.encoder.dim;
  const parts: { phones: Int32Array[]; streams: Record<string, Int32Array[]>; layer: Float32Array[] } = { phones: [], streams: {}, layer: [] };
  const out: SplitLabels = { ids: [], frames: [], phones: new Int32Array(0), streams: {} };
  for (let i = 0; i < entries.length; i += B) {
    const es = entries.slice(i, i + B);
    const batch = batchOf(es);
    // A stand-in task with only `snapshot` (tests) is read synchronously.
    const snap = typeof run.task.snapshotReads === 'function' ? yield* run.task.snapshotReads(batch) : run.task.snapshot(batch);
    const T = snap.shape[1];
    let layer: Float32Array | null = null;
    if (opts.layer) {
      const h = tf.tidy(() => run.task.encoder.forward(tf.tensor3d(batch.feats, batch.shape), { untilBlock: opts.layer, lengths: batch.lengths }));
      layer = (yield [h])[0] as Float32Array;
      h.dispose();
    }
    es.forEach((e, b) => {
      const n = Math.min(T, encoderLength(batch.lengths[b]));
      out.ids.push(e.id);
      out.frames.push(n);
      if (wantPhones) parts.phones.push(utterancePhoneLabels(e, n, SUBSAMPLING));
      for (const [name, s] of Object.entries(snap.streams)) (parts.streams[name] ??= []).push(s.slice(b * T, b * T + n));
      if (layer) parts.layer.push(layer.slice(b * T * D, (b * T + n) * D));
    });
  }
  const cat = <A extends Int32Array | Float32Array>(xs: A[], make: (n: number) => A): A => {
    const r = make(xs.reduce((s, x) => s + x.length, 0));
    let o = 0;
    for (const x of xs) r.set(x, (o += x.length) - x.length);
    return r;
  };
  out.phones = cat(parts.phones, (n) => new Int32Array(n));
  for (const [name, xs] of Object.entries(parts.streams)) out.streams[name] = cat(xs, (n) => new Int32Array(n));
  if (opts.layer) out.layer = { k: opts.layer, dim: D, data: cat(parts.layer, (n) => new Float32Array(n)) };
  return out;
}

/** k-means on block-k outputs of `fitSplit` (at most `maxFrames` frames, evenly spaced), as the offline teacher. */
export function fitLayerKMeans(run: PretrainedRun, corpus: string, fitSplit: string, opts: KMeansFitOptions): KMeansModel {
  const rows = kmeansRows(splitLabels(run, corpus, fitSplit, { layer: opts.layer, phones: false, maxUtterances: opts.maxUtterances }).layer!, fitSplit, opts);
  return fitKMeans(rows, run.config.encoder.dim, { k: opts.k, seed: opts.seed ?? 0 });
}

export async function fitLayerKMeansAsync(run: PretrainedRun, corpus: string, fitSplit: string, opts: KMeansFitOptions): Promise<KMeansModel> {
  const rows = kmeansRows((await splitLabelsAsync(run, corpus, fitSplit, { layer: opts.layer, phones: false, maxUtterances: opts.maxUtterances })).layer!, fitSplit, opts);
  return fitKMeansAsync(rows, run.config.encoder.dim, { k: opts.k, seed: opts.seed ?? 0 });
}

export interface KMeansFitOptions {
  k: number;
  layer: number;
  maxFrames?: number;
  seed?: number;
  maxUtterances?: number;
}

/** The rows k-means is fitted on: block-k outputs, at most `maxFrames` frames, evenly spaced. */
function kmeansRows(fit: NonNullable<SplitLabels['layer']>, fitSplit: string, opts: KMeansFitOptions): Float32Array {
  const N = fit.data.length / fit.dim;
  const max = opts.maxFrames ?? 50000;
  let rows = fit.data;
  if (N > max) {
    rows = new Float32Array(max * fit.dim);
    for (let i = 0; i < max; i++) {
      const src = Math.floor((i * N) / max);
      rows.set(fit.data.subarray(src * fit.dim, (src + 1) * fit.dim), i * fit.dim);
    }
  }
  const n = rows.length / fit.dim;
  if (n < opts.k) throw new BirqError(`k-means: ${n} frames in split '${fitSplit}' are fewer than k = ${opts.k}; lower --kmeans-k`);
  return rows;
}

export interface StreamReport extends LabelQualityWithChance {
  used: number;
  perplexity: number;
}

/** How two label streams agree over the same frames. */
export interface PairAgreement {
  /** Adjusted mutual information (arithmetic; = sklearn's adjusted_mutual_info_score): the headline, 0 at chance. */
  ami: number;
  /** NMI, geometric normalization (the old figure; inflated by the code count, ~0.98 for independent 8192-code streams on 2,000 frames). */
  nmi: number;
  /** I and its expectation under shuffling, in nats. */
  mutualInfo: number;
  expectedMutualInfo: number;
}

export interface LabelsReport {
  split: string;
  frames: number;
  utterances: number;
  /** Per stream: purity / PNMI, each beside its chance level (metrics/label-chance.ts), codes used, perplexity. */
  streams: Record<string, StreamReport>;
  /** Between each pair of streams, e.g. 'anchor.0 x enhanced': AMI (headline) and NMI. */
  agreement: Record<string, PairAgreement>;
}

export function pairAgreement(a: ArrayLike<number>, b: ArrayLike<number>): PairAgreement {
  const p = adjustedMutualInformationParts(a, b);
  return { ami: p.ami, nmi: streamAgreement(a, b).nmi, mutualInfo: p.mutualInfo, expectedMutualInfo: p.expectedMutualInfo };
}

/**
 * HuBERT's purity / PNMI per stream beside their chance levels (labels shuffled across frames, `chance.repeats`
 * times, default 5, seed 0; and E[I] / H(phone)), code usage, and AMI / NMI between each pair of streams.
 */
export function labelsReport(split: string, l: SplitLabels, chance: ChanceOptions = {}): LabelsReport {
  const streams: Record<string, StreamReport> = {};
  for (const [name, s] of Object.entries(l.streams)) {
    const q = labelQualityWithChance(l.phones, s, chance);
    streams[name] = { ...q, used: new Set(s).size, perplexity: Math.exp(q.labelEntropy) };
  }
  const names = Object.keys(l.streams);
  const agreement: Record<string, PairAgreement> = {};
  for (let i = 0; i < names.length; i++)
    for (let j = i + 1; j < names.length; j++) agreement[`${names[i]} x ${names[j]}`] = pairAgreement(l.streams[names[i]], l.streams[names[j]]);
  return { split, frames: l.phones.length, utterances: l.ids.length, streams, agreement };
}

/** Add the k-means stream (assignment of the split's block-k outputs) to split labels. */
export function addKMeansStream(l: SplitLabels, km: KMeansModel): void {
  runSync(addKMeansReads(l, km));
}

export function addKMeansStreamAsync(l: SplitLabels, km: KMeansModel): Promise<void> {
  return runAsync(addKMeansReads(l, km));
}

function* addKMeansReads(l: SplitLabels, km: KMeansModel): Reads<void> {
  if (!l.layer) throw new BirqError('addKMeansStream: the split labels were computed without the layer outputs');
  if (l.layer.dim !== km.dim) throw new BirqError(`addKMeansStream: k-means has dim ${km.dim}, the layer ${l.layer.dim}`);
  l.streams.kmeans = (yield* kmeansAssignReads(km, l.layer.data)).labels;
}


