/**
 * Phone strings from a pronunciation lexicon, for corpora without alignments (a user's LibriSpeech copy): Debian's
 * CMU dictionary in festival's form (`festlex-cmu`, /usr/share/festival/dicts/cmu/cmudict-0.4.out, lines like
 * `("dashwood" nil (((d ae) 1) ((sh w uh d) 1)))`), first pronunciation of each word, mapped to CMU-39 as the
 * built-in corpus's phones are (ax → ah, axr → er). An utterance with a word the lexicon lacks gets no phones,
 * so PER on it is reported as unavailable rather than scored against a guess.
 */
import * as fs from 'node:fs';
import { PHONE_SET } from './segments';

export const CMU_LEXICON = '/usr/share/festival/dicts/cmu/cmudict-0.4.out';
const MAP: Record<string, string> = { ax: 'ah', axr: 'er', dx: 't', el: 'l', em: 'm', en: 'n', nx: 'n', hv: 'hh', ix: 'ih' };
const KNOWN = new Set<string>(PHONE_SET);

let cached: Map<string, string> | null | undefined;

/** word (upper case) → CMU-39 phones; null when the lexicon is not installed. */
export function cmuLexicon(file = CMU_LEXICON): Map<string, string> | null {
  if (cached !== undefined && file === CMU_LEXICON) return cached;
  let text: string;
  try { text = fs.readFileSync(file, 'latin1'); } catch { return (cached = null); }
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const w = /^\("([^"]+)" \S+ \((.*)\)\)\s*$/.exec(line);
    if (!w) continue;
    const word = w[1].toUpperCase();
    if (m.has(word)) continue;
    const phones = w[2].replace(/[()]/g, ' ').split(/\s+/).filter((p) => p && !/^\d$/.test(p)).map((p) => MAP[p] ?? p);
    if (phones.every((p) => KNOWN.has(p))) m.set(word, phones.join(' '));
  }
  if (file === CMU_LEXICON) cached = m;
  return m;
}

/** The phone string of a transcript, or undefined when a word is missing (or there is no lexicon). */
export function lexiconPhones(text: string, lex = cmuLexicon()): string | undefined {
  if (!lex) return undefined;
  const out: string[] = [];
  for (const w of text.toUpperCase().split(/\s+/).filter(Boolean)) {
    const p = lex.get(w) ?? lex.get(w.replace(/'/g, ''));
    if (!p) return undefined;
    out.push(p);
  }
  return out.join(' ');
}
