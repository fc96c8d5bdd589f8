/**
 * LibriSpeech layout: `<root>/<speaker>/<chapter>/<speaker>-<chapter>-<n>.{flac,wav}` with one
 * `<speaker>-<chapter>.trans.txt` per chapter (`<utt-id> TRANSCRIPT` lines). `dir` may be one split
 * (e.g. `test-clean`) or any folder above split folders; every chapter below it is read.
 * Sidecar `<id>.json` files (the built-in corpus) are merged in, giving phone segments.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../util/errors';
import { readJson } from '../util/fs';
import { ManifestEntry } from './manifest';

export const AUDIO_EXT = ['.flac', '.wav'];

/** All files under `dir` (sorted, stable), skipping dot-folders (temporary build folders). */
export function walkFiles(dir: string): string[] {
  const out: string[] = [];
  const rec = (d: string) => {
    let ents: fs.Dirent[];
    try {
      ents = fs.readdirSync(d, { withFileTypes: true });
    } catch (e) {
      fail(`cannot list directory (${(e as NodeJS.ErrnoException).code ?? e})`, d);
    }
    ents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of ents) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) rec(p);
      else out.push(p);
    }
  };
  rec(dir);
  return out;
}

/** Parse one trans.txt; lines must be `<id> <TEXT>`. Bad UTF-8 is an error naming the file. */
export function readTransFile(file: string): Map<string, string> {
  const text = readUtf8Text(file, 'transcript file');
  const m = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const sp = line.indexOf(' ');
    if (sp <= 0) fail(`line ${i + 1}: expected "<utterance-id> <transcript>"`, file);
    m.set(line.slice(0, sp), line.slice(sp + 1).trim());
  });
  return m;
}

/** A text file's contents; unreadable or non-UTF-8 files are BirqErrors naming the file (and the bad byte). */
export function readUtf8Text(file: string, what: string): string {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    fail(`cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, file);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    fail(`not valid UTF-8 (at or after byte ${firstBadUtf8(buf)})`, file);
  }
}

export function firstBadUtf8(buf: Uint8Array): number {
  let lo = 0, hi = buf.length;
  const dec = (n: number) => { try { new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, n)); return true; } catch { return false; } };
  // Binary search for the shortest failing prefix (a cut inside a valid multibyte char also fails, so -3).
  while (lo < hi) { const mid = (lo + hi) >> 1; if (dec(mid)) lo = mid + 1; else hi = mid; }
  return Math.max(0, lo - 4);
}

export function readLibriSpeech(dir: string): ManifestEntry[] {
  if (!fs.existsSync(dir)) fail('corpus directory not found', dir);
  const files = walkFiles(dir);
  const audio = new Map<string, string>();
  for (const f of files) {
    const ext = path.extname(f).toLowerCase();
    if (AUDIO_EXT.includes(ext)) audio.set(path.basename(f, path.extname(f)), f);
  }
  const out: ManifestEntry[] = [];
  for (const f of files) {
    if (!f.endsWith('.trans.txt')) continue;
    for (const [id, text] of readTransFile(f)) {
      const a = audio.get(id);
      if (!a) fail(`transcript for ${id} has no audio file (${id}.flac or ${id}.wav) next to it`, f);
      const parts = id.split('-');
      const e: ManifestEntry = { id, audio: a, text, speaker: parts[0], chapter: parts[1] };
      const side = a.replace(/\.(flac|wav)$/i, '.json');
      if (fs.existsSync(side)) {
        const s = readJson<ManifestEntry>(side, 'utterance sidecar');
        Object.assign(e, { ...s, audio: a });
      }
      out.push(e);
    }
  }
  if (!out.length) fail('no LibriSpeech transcripts (*.trans.txt) found', dir);
  return out;
}
