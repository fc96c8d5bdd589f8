/**
 * Transcribe a labeled split with a CTC model and score it: WER and CER for characters, PER for phones
 * (metrics/error-rate.ts, sclite's alignment), with greedy or prefix-beam decoding (+ character LM).
 */
import * as tf from '@tensorflow/tfjs';
import { Conformer, encoderLength } from '../model/conformer';
import { greedyDecode } from '../decode/greedy';
import { CharNgramLm } from '../decode/ngram-lm';
import { prefixBeamSearch } from '../decode/prefix-beam';
import { decodeTokens, Vocab } from '../decode/vocab';
import { charErrorRate, ErrorRate, phoneErrorRate, wordErrorRate } from '../metrics/error-rate';
import { fail } from '../util/errors';
import { LabeledSource, makeNormalizer } from './data';
import { loadCtcModel } from './model';
import { ctcLogits } from '../tasks/ctc';
import { Reads, runAsync, runSync } from '../train/reads';

export interface DecodeOptions {
  decoder: 'greedy' | 'beam';
  beamWidth?: number;
  lm?: CharNgramLm;
  lmWeight?: number;
  insertionBonus?: number;
}

export interface Transcript {
  id: string;
  ref: string;
  hyp: string;
}

export interface EvalResult {
  split: string;
  vocab: Vocab['kind'];
  decoder: { kind: 'greedy' | 'beam'; beamWidth?: number; lm?: string; lmWeight?: number; insertionBonus?: number };
  utterances: number;
  wer?: ErrorRate;
  cer?: ErrorRate;
  per?: ErrorRate;
  transcripts: Transcript[];
  seconds: number;
}

/** One utterance's CTC log-posteriors [T, V] (row-major) and its reference. */
export interface Posteriors {
  id: string;
  ref: string;
  T: number;
  logProbs: Float32Array;
}

/** Run the model once over every utterance of `source` (evaluation mode, batched by length). */
export function ctcPosteriors(encoder: Conformer, vocab: Vocab, source: LabeledSource): Posteriors[] {
  return runSync(posteriorReads(encoder, vocab, source));
}

/** `ctcPosteriors` with one awaited read per batch (WebGPU; train/reads.ts). */
export function ctcPosteriorsAsync(encoder: Conformer, vocab: Vocab, source: LabeledSource): Promise<Posteriors[]> {
  return runAsync(posteriorReads(encoder, vocab, source));
}

function* posteriorReads(encoder: Conformer, vocab: Vocab, source: LabeledSource): Reads<Posteriors[]> {
  const V = vocab.tokens.length;
  const out: Posteriors[] = [];
  for (const idx of source.evalBatches()) {
    const batch = source.batch(idx);
    const lp = tf.tidy(() => tf.logSoftmax(ctcLogits(encoder, tf.tensor3d(batch.feats, batch.shape), batch.lengths, false))); // [B, T, V]
    const data = (yield [lp])[0] as Float32Array;
    const T = lp.shape[1];
    lp.dispose();
    idx.forEach((u, b) => {
      const n = Math.min(T, encoderLength(batch.lengths[b]));
      const utt = source.utterances[u];
      out.push({ id: utt.entry.id, ref: utt.reference, T: n, logProbs: data.slice(b * T * V, (b * T + n) * V) });
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Decode posteriors with greedy or prefix beam search (+ LM). */
export function decodePosteriors(posts: Posteriors[], vocab: Vocab, opts: DecodeOptions): Transcript[] {
  if (opts.lm && vocab.kind !== 'chars') fail('a character LM can only decode a chars model');
  if (opts.decoder === 'greedy' && opts.lm) fail('an LM needs --decoder beam');
  const V = vocab.tokens.length;
  return posts.map((p) => {
    const ids = opts.decoder === 'greedy'
      ? greedyDecode(p.logProbs, p.T, V, vocab.blank)
      : prefixBeamSearch(p.logProbs, p.T, V, { beamWidth: opts.beamWidth, blank: vocab.blank, lm: opts.lm, tokens: vocab.tokens, lmWeight: opts.lmWeight, insertionBonus: opts.insertionBonus })[0]?.tokens ?? [];
    return { id: p.id, ref: p.ref, hyp: decodeTokens(vocab, ids) };
  });
}

/** Decode every utterance of `source`. */
export function transcribe(encoder: Conformer, vocab: Vocab, source: LabeledSource, opts: DecodeOptions): Transcript[] {
  return decodePosteriors(ctcPosteriors(encoder, vocab, source), vocab, opts);
}

/** Score transcripts: WER and CER (chars) or PER (phones). */
export function scoreTranscripts(split: string, vocab: Vocab, transcripts: Transcript[], opts: DecodeOptions, seconds = 0): EvalResult {
  const refs = transcripts.map((t) => t.ref);
  const hyps = transcripts.map((t) => t.hyp);
  const r: EvalResult = {
    split,
    vocab: vocab.kind,
    decoder: { kind: opts.decoder, ...(opts.decoder === 'beam' ? { beamWidth: opts.beamWidth ?? 16, lm: opts.lm?.info.source, lmWeight: opts.lm ? opts.lmWeight ?? 0.5 : undefined, insertionBonus: opts.insertionBonus ?? 0 } : {}) },
    utterances: transcripts.length,
    transcripts,
    seconds,
  };
  if (vocab.kind === 'chars') {
    r.wer = wordErrorRate(refs, hyps);
    r.cer = charErrorRate(refs, hyps);
  } else r.per = phoneErrorRate(refs, hyps);
  return r;
}

/** Transcribe and score. */
export function evaluateCtc(encoder: Conformer, vocab: Vocab, source: LabeledSource, opts: DecodeOptions): EvalResult {
  return runSync(evaluateReads(encoder, vocab, source, opts));
}

export function evaluateCtcAsync(encoder: Conformer, vocab: Vocab, source: LabeledSource, opts: DecodeOptions): Promise<EvalResult> {
  return runAsync(evaluateReads(encoder, vocab, source, opts));
}

function* evaluateReads(encoder: Conformer, vocab: Vocab, source: LabeledSource, opts: DecodeOptions): Reads<EvalResult> {
  const t0 = Date.now();
  const transcripts = decodePosteriors(yield* posteriorReads(encoder, vocab, source), vocab, opts);
  return scoreTranscripts(source.opts.split, vocab, transcripts, opts, (Date.now() - t0) / 1000);
}

/**
 * Evaluate a grid of decoders on posteriors computed once (tuning LM weight and insertion bonus on dev):
 * one result per option set, in the given order.
 */
export function sweepDecoders(encoder: Conformer, vocab: Vocab, source: LabeledSource, grid: DecodeOptions[]): EvalResult[] {
  return runSync(sweepReads(encoder, vocab, source, grid));
}

function* sweepReads(encoder: Conformer, vocab: Vocab, source: LabeledSource, grid: DecodeOptions[]): Reads<EvalResult[]> {
  const posts = yield* posteriorReads(encoder, vocab, source);
  return grid.map((opts) => {
    const t0 = Date.now();
    return scoreTranscripts(source.opts.split, vocab, decodePosteriors(posts, vocab, opts), opts, (Date.now() - t0) / 1000);
  });
}

/**
 * Load a fine-tuned model file and evaluate it on a split, normalizing features as the model was trained
 * (what `birq eval` runs). `corpus` defaults to the corpus the model was fine-tuned on.
 */
export function evaluateModel(file: string, opts: DecodeOptions & { split: string; corpus?: string }): EvalResult & { corpus: string } {
  return { ...evaluateModelGrid(file, { split: opts.split, corpus: opts.corpus }, [opts])[0] };
}

/** evaluateModel over a grid of decoders, the model run once. */
export function evaluateModelGrid(file: string, where: { split: string; corpus?: string }, grid: DecodeOptions[]): (EvalResult & { corpus: string })[] {
  return runSync(modelGridReads(file, where, grid));
}

/** `evaluateModelGrid` with awaited reads (what `birq eval` runs, on every backend). */
export function evaluateModelGridAsync(file: string, where: { split: string; corpus?: string }, grid: DecodeOptions[]): Promise<(EvalResult & { corpus: string })[]> {
  return runAsync(modelGridReads(file, where, grid));
}

function* modelGridReads(file: string, where: { split: string; corpus?: string }, grid: DecodeOptions[]): Reads<(EvalResult & { corpus: string })[]> {
  const model = loadCtcModel(file);
  try {
    const ft = model.meta.finetune as { data?: { corpus?: string; batchSize?: number; maxBatchFrames?: number } };
    const corpus = where.corpus ?? ft?.data?.corpus;
    if (!corpus) fail('the model does not name its corpus; give one', file);
    const source = new LabeledSource({
      corpus, split: where.split, vocab: model.vocab, batchSize: ft?.data?.batchSize ?? 8,
      maxBatchFrames: ft?.data?.maxBatchFrames ?? 12800, seed: 0, normalizer: makeNormalizer(model.meta.normalization),
    });
    const t0 = Date.now();
    const results = (yield* sweepReads(model.encoder, model.vocab, source, grid)).map((r) => ({ corpus, ...r }));
    if (results.length === 1) results[0].seconds = (Date.now() - t0) / 1000;
    return results;
  } finally {
    model.encoder.dispose();
  }
}
