/**
 * Corpus-level word, character and phone error rates: (S + D + I) / N summed over the corpus (not averaged per
 * utterance), with N the number of reference tokens, as sclite's "Err" column. Alignment per utterance is
 * sclite's (see edit-distance.ts).
 *  - WER: tokens are words, split on whitespace.
 *  - CER: tokens are characters of the whitespace-normalized text, the space included (one space between words),
 *    as jiwer.cer and ESPnet's char scoring count it; so a word-boundary error counts.
 *  - PER: tokens are phones (give the phone strings space-separated, silences already removed).
 * An empty corpus reference (N = 0) is not a division by zero: the rate is 0 when there are no errors and
 * +Infinity when the hypothesis inserted something (JSON writes it as null). Utterances with an empty
 * reference inside a larger corpus simply contribute their insertions.
 */
import { fail } from '../util/errors';
import { addCounts, errorCounts, ErrorCounts } from './edit-distance';

export interface ErrorRate extends ErrorCounts {
  /** (S + D + I) / N; see the note on N = 0. */
  rate: number;
  errors: number;
  /** N: reference tokens. */
  refTokens: number;
  sentences: number;
  /** Sentences with at least one error. */
  sentenceErrors: number;
}

export type Tokenizer = (s: string) => string[];
export const wordTokens: Tokenizer = (s) => s.split(/\s+/).filter(Boolean);
export const charTokens: Tokenizer = (s) => Array.from(s.split(/\s+/).filter(Boolean).join(' '));

/** Error rate over parallel lists of token sequences. */
export function errorRate(refs: readonly (readonly string[])[], hyps: readonly (readonly string[])[]): ErrorRate {
  if (refs.length !== hyps.length) fail(`errorRate: ${refs.length} references but ${hyps.length} hypotheses`);
  let total: ErrorCounts = { hits: 0, substitutions: 0, deletions: 0, insertions: 0 };
  let refTokens = 0;
  let sentenceErrors = 0;
  refs.forEach((r, i) => {
    const c = errorCounts(r, hyps[i]);
    total = addCounts(total, c);
    refTokens += r.length;
    if (c.substitutions + c.deletions + c.insertions > 0) sentenceErrors++;
  });
  const errors = total.substitutions + total.deletions + total.insertions;
  const rate = refTokens > 0 ? errors / refTokens : errors === 0 ? 0 : Infinity;
  return { ...total, rate, errors, refTokens, sentences: refs.length, sentenceErrors };
}

function textRate(refs: readonly string[], hyps: readonly string[], tok: Tokenizer): ErrorRate {
  if (refs.length !== hyps.length) fail(`errorRate: ${refs.length} references but ${hyps.length} hypotheses`);
  return errorRate(refs.map(tok), hyps.map(tok));
}

/** Corpus word error rate of transcripts. */
export const wordErrorRate = (refs: readonly string[], hyps: readonly string[]) => textRate(refs, hyps, wordTokens);
/** Corpus character error rate (space counted, see above). */
export const charErrorRate = (refs: readonly string[], hyps: readonly string[]) => textRate(refs, hyps, charTokens);
/** Corpus phone error rate of space-separated phone strings. */
export const phoneErrorRate = (refs: readonly string[], hyps: readonly string[]) => textRate(refs, hyps, wordTokens);

/** One line: "WER 12.34% (S 10, D 3, I 2 / N 121, 5 of 9 sentences wrong)". */
export function formatErrorRate(name: string, r: ErrorRate): string {
  const pct = Number.isFinite(r.rate) ? `${(100 * r.rate).toFixed(2)}%` : 'inf';
  return `${name} ${pct} (S ${r.substitutions}, D ${r.deletions}, I ${r.insertions} / N ${r.refTokens}; ${r.sentenceErrors} of ${r.sentences} sentences wrong)`;
}
