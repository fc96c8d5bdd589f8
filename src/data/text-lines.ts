/**
 * Line-by-line reading of the text files corpora are made of (trans.txt, Kaldi tables, JSONL manifests). Each
 * line is decoded on its own, so one stray Latin-1 byte costs its line, not the file: the bad line becomes a
 * Problem with its line number, byte offset and (when the line starts with an ASCII id) the utterance id.
 */
import * as fs from 'node:fs';
import { Problem } from './problems';

export interface TextLine {
  /** 1-based. */
  n: number;
  text: string;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The id a line starts with, readable even when the rest of the line is not valid UTF-8. */
export function leadingId(bytes: Uint8Array): string | undefined {
  let end = 0;
  while (end < bytes.length && bytes[end] > 0x20 && bytes[end] < 0x7f) end++;
  // Only an id followed by whitespace or the end counts (not the ASCII head of a word cut by a bad byte).
  if (end === 0 || (end < bytes.length && bytes[end] !== 0x20 && bytes[end] !== 0x09 && bytes[end] !== 0x0d)) return undefined;
  return Buffer.from(bytes.subarray(0, end)).toString('latin1');
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function firstBadUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i];
    const n = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (n === 0 || i + n > b.length) return i;
    try { utf8.decode(b.subarray(i, i + n)); } catch { return i; }
    i += n;
  }
  return -1;
}

/**
 * Lines of a text file (blank lines skipped, CR of CRLF and a leading BOM removed). An unreadable file is one
 * problem and no lines; a line with bad UTF-8 is a problem and is left out.
 */
export function readTextLines(file: string, what: string, problems: Problem[]): TextLine[] | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    problems.push({ file, problem: `cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? String(e)})` });
    return undefined;
  }
  const out: TextLine[] = [];
  let start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  for (let n = 1; start < buf.length; n++) {
    let end = buf.indexOf(0x0a, start);
    if (end < 0) end = buf.length;
    const bytes = buf.subarray(start, end > start && buf[end - 1] === 0x0d ? end - 1 : end);
    try {
      const text = utf8.decode(bytes);
      if (text.trim()) out.push({ n, text });
    } catch {
      const id = leadingId(bytes);
      const at = start + Math.max(0, firstBadUtf8(bytes));
      problems.push({ file, line: n, id, byte: at, problem: `${id ? `${id}: ` : ''}not valid UTF-8 (byte ${at}); line skipped` });
    }
    start = end + 1;
  }
  return out;
}

/** Split `<key><whitespace><rest>`; rest is '' when the line holds only a key. */
export function splitKey(line: string): [string, string] {
  const l = line.trim();
  const sp = l.search(/\s/);
  return sp < 0 ? [l, ''] : [l.slice(0, sp), l.slice(sp).trim()];
}
