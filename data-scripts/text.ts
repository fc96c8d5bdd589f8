/**
 * From novel lines to utterance texts: paragraphs → sentences → (speakable text for the synthesizer,
 * LibriSpeech-normalized transcript). LibriSpeech normalization: upper case letters, apostrophes inside
 * words, single spaces; abbreviations spelled as read (MISTER, MISSUS), hyphens and dashes become spaces.
 * Sentences with digits or unusual symbols are skipped rather than guessed at (the synthesizer's reading of
 * "1811" or "&c." would not match any transcript we could write).
 */
export interface Sentence { speak: string; transcript: string; words: number }

const ABBREV: [RegExp, string][] = [
  [/\bMrs\./g, 'Missus'], [/\bMr\./g, 'Mister'], [/\bDr\./g, 'Doctor'], [/\bSt\./g, 'Saint'], [/\bCol\./g, 'Colonel'],
];

export function paragraphs(lines: string[]): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const l of lines) {
    if (l.trim() === '') { if (cur.length) out.push(cur.join(' ')); cur = []; }
    else cur.push(l.trim());
  }
  if (cur.length) out.push(cur.join(' '));
  // Headings ("CHAPTER IV", "VOLUME I") are not read.
  return out.filter((p) => !/^(CHAPTER|VOLUME|Chapter)\b/.test(p) && p.split(' ').length > 2);
}

export function sentences(paragraph: string): string[] {
  let p = paragraph.replace(/_/g, '');
  for (const [re, s] of ABBREV) p = p.replace(re, s);
  return p.split(/(?<=[.!?]["']?)\s+(?=["']?[A-Z])/).map((s) => s.trim()).filter(Boolean);
}

/** LibriSpeech-style transcript of an English sentence. */
export function normalizeTranscript(s: string): string {
  return s
    .toUpperCase()
    .replace(/[^A-Z']+/g, ' ')
    .split(' ')
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter(Boolean)
    .join(' ');
}

/** The text handed to a synthesizer: quotes and dashes removed, shouted words lower-cased (else spelled). */
export function speakable(s: string): string {
  return s
    .replace(/["“”]/g, '')
    .replace(/--+/g, ', ')
    .replace(/\b[A-Z]{2,}\b/g, (w) => w.toLowerCase())
    .replace(/\s+/g, ' ')
    .trim();
}

/** Accept only sentences whose every character we know how to transcribe. */
export function makeSentence(raw: string): Sentence | null {
  if (/[^A-Za-z ,;:.!?'"\-()]/.test(raw)) return null;
  const speak = speakable(raw.replace(/[()]/g, ','));
  const transcript = normalizeTranscript(speak);
  const words = transcript ? transcript.split(' ').length : 0;
  if (!words) return null;
  return { speak, transcript, words };
}

export function novelSentences(lines: string[]): Sentence[] {
  const out: Sentence[] = [];
  for (const p of paragraphs(lines)) for (const s of sentences(p)) {
    const x = makeSentence(s);
    if (x) out.push(x);
  }
  return out;
}
