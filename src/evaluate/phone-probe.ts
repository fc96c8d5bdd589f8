/**
 * Frozen-encoder phone probe per layer: where phone information lives in an encoder (the paper's choice of k)
 * and cheap, low-variance evidence of representation quality. For each layer, a linear softmax classifier
 * (linear-probe.ts) is fit on the frame features of one labeled split and scored on another (dev), against the
 * corpus's exact phone alignments at the encoder rate (40 ms; data/utterance.ts utterancePhoneLabels: majority
 * phone over each stacked window).
 *   layer 0   the front end's input: 4 stacked normalized log-mel frames (4 x 80 = 320 dims), the same for
 *             every encoder, so the reference any layer should beat
 *   layer k   block k's output (Conformer.forward(x, { untilBlock: k }), evaluation mode), k = 1..L
 * Chance: the dev accuracy of always answering the training split's most frequent phone (majority class), and
 * optionally the same probe fit on the training labels shuffled across frames (what the probe gains from the
 * label prior alone; ~ majority).
 */
import * as tf from '@tensorflow/tfjs';
import { openCorpus } from '../data/corpus';
import { skipBadRequested } from '../data/usable';
import { ManifestEntry } from '../data/manifest';
import { padBatch } from '../data/batching';
import { PHONE_SET } from '../data/segments';
import { defaultFeatureCache } from '../data/stats';
import { FEATURE_HOP_S, utteranceFeatures, utterancePhoneLabels } from '../data/utterance';
import { Features } from '../features/logmel';
import { perUtteranceNormalize } from '../features/normalize';
import { shuffled } from '../metrics/label-chance';
import { SUBSAMPLING } from '../model/config';
import { Conformer, encoderLength } from '../model/conformer';
import { fail } from '../util/errors';
import { Rng } from '../util/rng';
import { probeAccuracyReads, fitLinearProbeReads, LinearProbeOptions, majorityAccuracy, ProbeSet } from './linear-probe';
import { Reads, runAsync, runSync } from '../train/reads';

export interface LayerFeatures {
  /** Utterances and real encoder frames used. */
  utterances: number;
  frames: number;
  /** Phone id (PHONE_SET) per frame. */
  phones: Int32Array;
  /** Per layer (0 = stacked input, k = block k): [frames, dim] row-major. */
  layers: Map<number, { dim: number; data: Float32Array }>;
}

export interface LayerFeatureOptions {
  /** Layers to collect (default 0..L). */
  layers?: number[];
  /** Feature normalization (default per-utterance CMVN, as pretraining feeds the encoder). */
  normalize?: (f: Features) => Features;
  /** Utterances per forward pass (default 8). */
  batchSize?: number;
  /** Keep at most this many frames, evenly spaced over the split (default all). */
  maxFrames?: number;
}

/** Evenly spaced indices: `keep` of 0..n-1 (all when keep >= n). */
function evenlySpaced(n: number, keep: number): Int32Array {
  if (keep >= n) return Int32Array.from({ length: n }, (_, i) => i);
  return Int32Array.from({ length: keep }, (_, i) => Math.floor((i * n) / keep));
}

/** Rows `idx` of an [n, dim] matrix. */
function rows(data: Float32Array, dim: number, idx: ArrayLike<number>): Float32Array {
  const out = new Float32Array(idx.length * dim);
  for (let r = 0; r < idx.length; r++) out.set(data.subarray(idx[r] * dim, (idx[r] + 1) * dim), r * dim);
  return out;
}

/**
 * Frame features of every layer of `encoder` over `entries` (sorted by id), with the aligned phones. With
 * `maxFrames`, every s-th frame is kept as the batches go (s from the split's duration, so a 10 h split never
 * sits in memory whole), then the rest trimmed evenly to `maxFrames`.
 */
export function layerFeatures(encoder: Conformer, entries: ManifestEntry[], opts: LayerFeatureOptions = {}): LayerFeatures {
  return runSync(layerFeatureReads(encoder, entries, opts));
}

function* layerFeatureReads(encoder: Conformer, entries: ManifestEntry[], opts: LayerFeatureOptions): Reads<LayerFeatures> {
  const L = encoder.config.blocks;
  const layers = opts.layers ?? Array.from({ length: L + 1 }, (_, k) => k);
  for (const k of layers) if (!(Number.isInteger(k) && k >= 0 && k <= L)) fail(`layerFeatures: layer ${k} is not in 0..${L}`);
  const norm = opts.normalize ?? perUtteranceNormalize;
  const B = opts.batchSize ?? 8;
  const D = encoder.config.dim;
  const F = encoder.config.inputDim;
  const dims = new Map(layers.map((k) => [k, k === 0 ? SUBSAMPLING * F : D]));
  const cache = defaultFeatureCache();
  const sorted = [...entries].sort((a, b) => (a.id < b.id ? -1 : 1));
  // Encoder frames from the manifest's durations (an entry without one counts 0: the final trim still holds).
  const seconds = (e: ManifestEntry) => e.duration ?? (e.numSamples && e.sampleRate ? e.numSamples / e.sampleRate : 0);
  const estimate = sorted.reduce((s, e) => s + seconds(e) / (FEATURE_HOP_S * SUBSAMPLING), 0);
  const stride = opts.maxFrames ? Math.max(1, Math.floor(estimate / opts.maxFrames)) : 1;
  let seen = 0;
  const phoneParts: number[] = [];
  const parts = new Map<number, Float32Array[]>(layers.map((k) => [k, []]));
  for (let i = 0; i < sorted.length; i += B) {
    const es = sorted.slice(i, i + B);
    const p = padBatch(es.map((e) => norm(utteranceFeatures(e, cache))), SUBSAMPLING);
    const T = p.frames / SUBSAMPLING;
    // Kept frames of this batch as rows of [B·T, ·].
    const keep: number[] = [];
    es.forEach((e, b) => {
      const n = Math.min(T, encoderLength(p.lengths[b]));
      const ph = utterancePhoneLabels(e, n, SUBSAMPLING);
      for (let t = 0; t < n; t++, seen++) if (seen % stride === 0) (keep.push(b * T + t), phoneParts.push(ph[t]));
    });
    const feats = tf.tensor3d(p.data, [p.batch, p.frames, p.bins]);
    for (const k of layers) {
      // Layer 0: [B, 4T, F] row-major is [B, T, 4F], frame t's stack being the 4F values from 4tF on.
      let data = p.data;
      if (k > 0) {
        const h = encoder.forward(feats, { untilBlock: k, lengths: p.lengths }); // [B, T, D]
        data = (yield [h])[0] as Float32Array;
        h.dispose();
      }
      parts.get(k)!.push(rows(data, dims.get(k)!, keep));
    }
    feats.dispose();
  }
  const total = phoneParts.length;
  const final = evenlySpaced(total, opts.maxFrames ?? total);
  const out: LayerFeatures = { utterances: sorted.length, frames: final.length, phones: Int32Array.from(final, (i) => phoneParts[i]), layers: new Map() };
  for (const k of layers) {
    const dim = dims.get(k)!;
    const all = new Float32Array(total * dim);
    let off = 0;
    for (const x of parts.get(k)!) all.set(x, (off += x.length) - x.length);
    out.layers.set(k, { dim, data: final.length === total ? all : rows(all, dim, final) });
  }
  return out;
}

export interface LayerProbeResult {
  layer: number;
  /** 'input' (stacked log-mel) or 'block k'. */
  what: string;
  dim: number;
  /** Frame phone accuracy on the evaluation split, and on the training frames (how much the probe overfits). */
  accuracy: number;
  trainAccuracy: number;
  /** The probe fit on shuffled training labels, scored on the evaluation split (when asked for). */
  shuffledAccuracy?: number;
  iterations: number;
  loss: number;
}

export interface PhoneProbeReport {
  trainSplit: string;
  evalSplit: string;
  trainFrames: number;
  evalFrames: number;
  trainUtterances: number;
  evalUtterances: number;
  /** Chance: always the training split's most frequent phone. */
  majority: { phone: string; accuracy: number };
  layers: LayerProbeResult[];
  options: Required<Omit<LinearProbeOptions, 'classes'>> & { classes: number; maxTrainFrames: number; shuffled: boolean; seed: number };
  seconds: number;
}

export interface PhoneProbeOptions {
  corpus: string;
  trainSplit: string;
  evalSplit: string;
  layers?: number[];
  normalize?: (f: Features) => Features;
  /** Training frames kept, evenly spaced over the training split (default 50,000). */
  maxTrainFrames?: number;
  /** Also fit the probe on shuffled training labels (doubles the fitting time). */
  shuffled?: boolean;
  /** Seed of the shuffle (default 0). */
  seed?: number;
  l2?: number;
  iterations?: number;
  tolerance?: number;
  /** Limit utterances per split (tests). */
  maxUtterances?: number;
  onLayer?: (r: LayerProbeResult) => void;
}

/** Fit and score the phone probe on every layer of `encoder` (see the file comment). */
export function phoneProbe(encoder: Conformer, opts: PhoneProbeOptions): PhoneProbeReport {
  return runSync(probeReads(encoder, opts));
}

/** `phoneProbe` with awaited reads (WebGPU; what `birq probe` runs). */
export function phoneProbeAsync(encoder: Conformer, opts: PhoneProbeOptions): Promise<PhoneProbeReport> {
  return runAsync(probeReads(encoder, opts));
}

function* probeReads(encoder: Conformer, opts: PhoneProbeOptions): Reads<PhoneProbeReport> {
  const t0 = performance.now();
  if (opts.trainSplit === opts.evalSplit) fail(`phoneProbe: the probe must be trained on another split than the scored one (${opts.evalSplit})`);
  const open = (split: string) => {
    const es = openCorpus(opts.corpus, { split, skipBad: skipBadRequested() }); // --skip-bad: the good lines only
    return opts.maxUtterances ? [...es].sort((a, b) => (a.id < b.id ? -1 : 1)).slice(0, opts.maxUtterances) : es;
  };
  const maxTrainFrames = opts.maxTrainFrames ?? 50000;
  const common = { layers: opts.layers, normalize: opts.normalize };
  const train = yield* layerFeatureReads(encoder, open(opts.trainSplit), { ...common, maxFrames: maxTrainFrames });
  const evalF = yield* layerFeatureReads(encoder, open(opts.evalSplit), common);
  const probeOpts = { classes: PHONE_SET.length, l2: opts.l2 ?? 1e-3, iterations: opts.iterations ?? 100, tolerance: opts.tolerance ?? 1e-5 };
  const seed = opts.seed ?? 0;
  const shuffledY = opts.shuffled ? shuffled(train.phones, new Rng(seed)) : null;
  const maj = majorityAccuracy(train.phones, evalF.phones);
  const layers: LayerProbeResult[] = [];
  for (const [k, tr] of train.layers) {
    const ev = evalF.layers.get(k)!;
    const trSet: ProbeSet = { x: tr.data, dim: tr.dim, y: train.phones };
    const p = yield* fitLinearProbeReads(trSet, probeOpts);
    const r: LayerProbeResult = {
      layer: k,
      what: k === 0 ? 'input' : `block ${k}`,
      dim: tr.dim,
      accuracy: yield* probeAccuracyReads(p, { x: ev.data, dim: ev.dim, y: evalF.phones }),
      trainAccuracy: yield* probeAccuracyReads(p, trSet),
      iterations: p.iterations,
      loss: p.loss,
    };
    if (shuffledY) r.shuffledAccuracy = yield* probeAccuracyReads(yield* fitLinearProbeReads({ ...trSet, y: shuffledY }, probeOpts), { x: ev.data, dim: ev.dim, y: evalF.phones });
    layers.push(r);
    opts.onLayer?.(r);
  }
  return {
    trainSplit: opts.trainSplit,
    evalSplit: opts.evalSplit,
    trainFrames: train.frames,
    evalFrames: evalF.frames,
    trainUtterances: train.utterances,
    evalUtterances: evalF.utterances,
    majority: { phone: PHONE_SET[maj.cls] ?? String(maj.cls), accuracy: maj.accuracy },
    layers,
    options: { ...probeOpts, maxTrainFrames, shuffled: Boolean(opts.shuffled), seed },
    seconds: (performance.now() - t0) / 1000,
  };
}
