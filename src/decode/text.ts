/**
 * Transcript normalization to the LibriSpeech character set: upper-case A-Z, apostrophe, single spaces.
 *
 * The rule, in order:
 *  1. Unicode NFKD, then combining marks removed (É -> E, ﬁ -> FI); Æ Œ ß become AE OE SS.
 *  2. Typographic apostrophes (’ ‘ ʼ ′ `) become '; then upper-case.
 *  3. Separators become a space: whitespace, dashes and hyphens, brackets, quotation marks, underscores and
 *     . , ; : ! ? / \ … · ¡ ¿ (Unicode Pd Ps Pe Pi Pf Pc Z plus that list).
 *  4. Apostrophes that do not sit between letters (quotation marks, 'TIS-style elisions at a word edge) are
 *     removed, as the built-in corpus's transcripts are written (data-scripts/text.ts).
 *  5. Anything else is out of vocabulary: digits, symbols and other punctuation (& $ % £ + # * § ...), letters
 *     outside A-Z. These are
 *     never guessed at (LibriSpeech spells "1811" as read, which cannot be recovered from the text). With
 *     `onUnknown: 'error'` (default) the BirqError names each such character by code point and category,
 *     e.g. `U+0026 '&' (symbol)`; with 'drop' they are removed and listed in `dropped`.
 *  6. Runs of spaces collapse to one; no leading or trailing space.
 */
import { BirqError } from '../util/errors';

export interface NormalizedText {
  text: string;
  /** Out-of-vocabulary characters removed, described by name, in order of first appearance. */
  dropped: string[];
}

/** Characters that only separate words: dashes, brackets, quotes, connectors, spaces, and . , ; : ! ? / … · */
const SEPARATOR = /[\p{Pd}\p{Ps}\p{Pe}\p{Pi}\p{Pf}\p{Pc}\p{Z}\s.,;:!?"/\\…·¡¿]/u;

const LIGATURES: Record<string, string> = { Æ: 'AE', æ: 'AE', Œ: 'OE', œ: 'OE', ß: 'SS', Ø: 'O', ø: 'O', Ł: 'L', ł: 'L' };

/** `U+0026 '&' (symbol)`: a character described by code point, glyph and category. */
export function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const cat = /\p{N}/u.test(ch) ? 'digit' : /\p{L}/u.test(ch) ? 'letter outside A-Z' : /[\p{S}\p{P}]/u.test(ch) ? 'symbol' : 'control or other';
  const glyph = /\p{C}/u.test(ch) ? '' : ` '${ch}'`;
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}${glyph} (${cat})`;
}

export function normalizeTextReport(s: string): NormalizedText {
  const base = Array.from(s.normalize('NFKD'))
    .filter((c) => !/\p{M}/u.test(c))
    .map((c) => LIGATURES[c] ?? c)
    .join('')
    .replace(/[’‘ʼ′`]/g, "'")
    .toUpperCase();
  const dropped: string[] = [];
  let out = '';
  for (const c of base) {
    if ((c >= 'A' && c <= 'Z') || c === "'") out += c;
    else if (SEPARATOR.test(c)) out += ' ';
    else {
      const d = describeChar(c);
      if (!dropped.includes(d)) dropped.push(d);
    }
  }
  const text = out
    .split(' ')
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter(Boolean)
    .join(' ');
  return { text, dropped };
}

/** Normalize one transcript (rule above). `onUnknown: 'error'` throws naming the characters; 'drop' removes them. */
export function normalizeText(s: string, opts: { onUnknown?: 'error' | 'drop'; where?: string } = {}): string {
  const r = normalizeTextReport(s);
  if (r.dropped.length && (opts.onUnknown ?? 'error') === 'error') {
    throw new BirqError(`transcript has characters outside A-Z, apostrophe and punctuation: ${r.dropped.join(', ')} in "${s.slice(0, 80)}"`, opts.where);
  }
  return r.text;
}
