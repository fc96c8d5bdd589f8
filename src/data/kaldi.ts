/**
 * Kaldi data directory: `wav.scp` (`<recording-id> <path>`; piped commands are not supported), optional
 * `segments` (`<utt-id> <recording-id> <start-s> <end-s>`), optional `text` (`<utt-id> <words...>`) and
 * `utt2spk`. Relative paths in wav.scp resolve
 * against the current directory, as Kaldi does, then against the data directory as a fallback.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../util/errors';
import { readUtf8Text } from './librispeech';
import { ManifestEntry } from './manifest';

export function readKaldiTable(file: string, required = true): Map<string, string> | null {
  if (!fs.existsSync(file)) {
    if (required) fail('missing (a Kaldi data directory needs wav.scp)', file);
    return null;
  }
  const text = readUtf8Text(file, 'Kaldi data file');
  const m = new Map<string, string>();
  text.split('\n').forEach((line, i) => {
    const l = line.trim();
    if (!l) return;
    const sp = l.search(/\s/);
    const key = sp < 0 ? l : l.slice(0, sp);
    const val = sp < 0 ? '' : l.slice(sp).trim();
    if (m.has(key)) fail(`line ${i + 1}: duplicate key ${key}`, file);
    m.set(key, val);
  });
  return m;
}

export function readKaldiDir(dir: string): ManifestEntry[] {
  const scpFile = path.join(dir, 'wav.scp');
  const scp = readKaldiTable(scpFile)!;
  const resolve = (p: string, id: string) => {
    if (p.endsWith('|')) fail(`recording ${id}: piped wav.scp commands are not supported; convert to files first`, scpFile);
    if (path.isAbsolute(p)) return p;
    return fs.existsSync(p) ? path.resolve(p) : path.join(dir, p);
  };
  const segFile = path.join(dir, 'segments');
  const segs = readKaldiTable(segFile, false);
  const text = readKaldiTable(path.join(dir, 'text'), false);
  const spk = readKaldiTable(path.join(dir, 'utt2spk'), false);
  const out: ManifestEntry[] = [];
  if (segs) {
    for (const [utt, v] of segs) {
      const [rec, s, e] = v.split(/\s+/);
      const start = Number(s), end = Number(e);
      if (!scp.has(rec)) fail(`segment ${utt} refers to recording ${rec}, which wav.scp lacks`, segFile);
      if (!(start >= 0) || !(end > start)) fail(`segment ${utt}: bad times ${s} ${e}`, segFile);
      out.push({ id: utt, audio: resolve(scp.get(rec)!, rec), start, end, duration: end - start, text: text?.get(utt), speaker: spk?.get(utt) });
    }
  } else {
    for (const [id, p] of scp) out.push({ id, audio: resolve(p, id), text: text?.get(id), speaker: spk?.get(id) });
  }
  return out;
}
