/**
 * CTC output vocabularies. Index 0 is always the blank.
 *  - chars: blank, space, apostrophe, A-Z (29 symbols; the LibriSpeech character set).
 *  - phones: blank, then CMU-39 in the corpus's order (src/data/segments.ts PHONE_SET without `sil`: silences
 *    are not CTC targets and not scored in PER). 40 symbols.
 */
import { BirqError } from '../util/errors';
import { PHONE_SET } from '../data/segments';

export type VocabKind = 'chars' | 'phones';

export interface Vocab {
  kind: VocabKind;
  /** tokens[0] is the blank `<b>`. */
  tokens: readonly string[];
  blank: 0;
}

export const BLANK_TOKEN = '<b>';

export function charVocab(): Vocab {
  const letters = Array.from({ length: 26 }, (_, i) => String.fromCharCode(65 + i));
  return { kind: 'chars', tokens: [BLANK_TOKEN, ' ', "'", ...letters], blank: 0 };
}

export function phoneVocab(): Vocab {
  return { kind: 'phones', tokens: [BLANK_TOKEN, ...PHONE_SET.filter((p) => p !== 'sil')], blank: 0 };
}

export function vocabFor(kind: VocabKind): Vocab {
  if (kind === 'chars') return charVocab();
  if (kind === 'phones') return phoneVocab();
  throw new BirqError(`unknown vocabulary '${kind as string}' (choose chars or phones)`);
}

/**
 * Target ids of a transcript: a normalized character string (chars) or space-separated phones (phones).
 * A symbol outside the vocabulary is a BirqError naming it (normalize first: decode/text.ts).
 */
export function encodeTarget(v: Vocab, text: string, where?: string): number[] {
  const symbols = v.kind === 'chars' ? Array.from(text) : text.split(/\s+/).filter(Boolean);
  return symbols.map((s) => {
    const i = v.tokens.indexOf(s);
    if (i <= 0) throw new BirqError(`${v.kind} target has '${s}', which is not in the vocabulary (${v.tokens.slice(1).join(' ')})`, where);
    return i;
  });
}

/** Text of a label sequence: characters joined (spaces collapsed, trimmed), or phones joined by spaces. */
export function decodeTokens(v: Vocab, ids: readonly number[]): string {
  const syms = ids.filter((i) => i !== v.blank).map((i) => v.tokens[i]);
  return v.kind === 'chars' ? syms.join('').split(' ').filter(Boolean).join(' ') : syms.join(' ');
}
