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
import { LabeledSource, makeNormalizer } from './finetune-data';
import { loadCtcModel } from './finetune-model';
import { ctcLogits } from './finetune-task';

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

/** Decode every utterance of `source` (evaluation mode, batched by length). */
export function transcribe(encoder: Conformer, vocab: Vocab, source: LabeledSource, opts: DecodeOptions): Transcript[] {
  if (opts.lm && vocab.kind !== 'chars') fail('a character LM can only decode a chars model');
  if (opts.decoder === 'greedy' && opts.lm) fail('an LM needs --decoder beam');
  const V = vocab.tokens.length;
  const out: Transcript[] = [];
  for (const idx of source.evalBatches()) {
    const batch = source.batch(idx);
    const lp = tf.tidy(() => tf.logSoftmax(ctcLogits(encoder, tf.tensor3d(batch.feats, batch.shape), batch.lengths, false))); // [B, T, V]
    const data = lp.dataSync();
    const T = lp.shape[1];
    lp.dispose();
    idx.forEach((u, b) => {
      const n = Math.min(T, encoderLength(batch.lengths[b]));
      const rows = data.subarray(b * T * V, (b * T + n) * V);
      const ids = opts.decoder === 'greedy'
        ? greedyDecode(rows, n, V, vocab.blank)
        : prefixBeamSearch(rows, n, V, { beamWidth: opts.beamWidth, blank: vocab.blank, lm: opts.lm, tokens: vocab.tokens, lmWeight: opts.lmWeight, insertionBonus: opts.insertionBonus })[0]?.tokens ?? [];
      const utt = source.utterances[u];
      out.push({ id: utt.entry.id, ref: utt.reference, hyp: decodeTokens(vocab, ids) });
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Transcribe and score. */
export function evaluateCtc(encoder: Conformer, vocab: Vocab, source: LabeledSource, opts: DecodeOptions): EvalResult {
  const t0 = Date.now();
  const transcripts = transcribe(encoder, vocab, source, opts);
  const refs = transcripts.map((t) => t.ref);
  const hyps = transcripts.map((t) => t.hyp);
  const r: EvalResult = {
    split: source.opts.split,
    vocab: vocab.kind,
    decoder: { kind: opts.decoder, ...(opts.decoder === 'beam' ? { beamWidth: opts.beamWidth ?? 16, lm: opts.lm?.info.source, lmWeight: opts.lm ? opts.lmWeight ?? 0.5 : undefined, insertionBonus: opts.insertionBonus ?? 0 } : {}) },
    utterances: transcripts.length,
    transcripts,
    seconds: 0,
  };
  if (vocab.kind === 'chars') {
    r.wer = wordErrorRate(refs, hyps);
    r.cer = charErrorRate(refs, hyps);
  } else r.per = phoneErrorRate(refs, hyps);
  r.seconds = (Date.now() - t0) / 1000;
  return r;
}

/**
 * Load a fine-tuned model file and evaluate it on a split, normalizing features as the model was trained
 * (what `birq eval` runs). `corpus` defaults to the corpus the model was fine-tuned on.
 */
export function evaluateModel(file: string, opts: DecodeOptions & { split: string; corpus?: string }): EvalResult & { corpus: string } {
  const model = loadCtcModel(file);
  try {
    const ft = model.meta.finetune as { data?: { corpus?: string; batchSize?: number; maxBatchFrames?: number } };
    const corpus = opts.corpus ?? ft?.data?.corpus;
    if (!corpus) fail('the model does not name its corpus; give one', file);
    const source = new LabeledSource({
      corpus, split: opts.split, vocab: model.vocab, batchSize: ft?.data?.batchSize ?? 8,
      maxBatchFrames: ft?.data?.maxBatchFrames ?? 12800, seed: 0, normalizer: makeNormalizer(model.meta.normalization),
    });
    return { corpus, ...evaluateCtc(model.encoder, model.vocab, source, opts) };
  } finally {
    model.encoder.dispose();
  }
}
