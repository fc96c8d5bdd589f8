/**
 * LibriSpeech layout: `<root>/<split...>/<speaker>/<chapter>/<speaker>-<chapter>-<n>.{flac,wav}` with one
 * `<speaker>-<chapter>.trans.txt` per chapter (`<utt-id> TRANSCRIPT` lines). `root` may be one split
 * (`test-clean`) or any folder above split folders; every chapter below it is read.
 * - Split: the folders between the root and `<speaker>/<chapter>` (`train-clean-100`, `dev-other`), or the
 *   root's own name when it is the split folder.
 * - Libri-light fine-tuning (`librispeech_finetuning/1h/<fold>/{clean,other}`, `9h/{clean,other}`): split
 *   `train-labeled`, subsets `train-10h` (all of it), `train-1h` (1h/), `train-10min` (1h/0/), as the built-in
 *   corpus names them, plus the folder path itself.
 * - The same utterance under two split folders (subset folders hard-linked into a pool, as the built-in corpus
 *   writes them) is one utterance in both; a second line for an id within one split is a duplicate.
 * Sidecar `<id>.json` files (the built-in corpus) are merged in, giving phone segments.
 * Every bad line is a Problem (file, line, id); the good lines load.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BirqError, fail } from '../util/errors';
import { readJson } from '../util/fs';
import { ManifestEntry } from './manifest';
import { CorpusScan, Problem, refuseProblems } from './problems';
import { firstBadUtf8 as badByte, readTextLines, splitKey } from './text-lines';

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

/** Split and subsets of a chapter folder, from the folder names above `<speaker>/<chapter>`. */
export function libriSplit(root: string, chapterDir: string): { split: string; subsets?: string[] } {
  const above = path.dirname(path.dirname(chapterDir));
  const rel = path.relative(root, above).split(path.sep).filter((c) => c && c !== '.');
  const full = path.resolve(above).split(path.sep);
  const j = full.lastIndexOf('librispeech_finetuning');
  if (j >= 0 && (full[j + 1] === '1h' || full[j + 1] === '9h')) {
    const subsets = ['train-10h'];
    if (full[j + 1] === '1h') subsets.push('train-1h');
    if (full[j + 1] === '1h' && full[j + 2] === '0') subsets.push('train-10min');
    subsets.push(full.slice(j + 1).join('/'));
    return { split: 'train-labeled', subsets };
  }
  return { split: rel.length ? rel.join('/') : path.basename(path.resolve(root)) };
}

/**
 * One trans.txt: the good lines, and a Problem for each line with no id, no transcript, an id not of the
 * file's chapter, a duplicate id or bad UTF-8. `ids` also lists the ids of bad lines (their audio is not an orphan).
 */
export function scanTransFile(file: string, problems: Problem[]): { lines: Map<string, { text: string; line: number }>; ids: Set<string> } {
  const lines = new Map<string, { text: string; line: number }>();
  const ids = new Set<string>();
  const chapter = path.basename(file).replace(/\.trans\.txt$/, '');
  const before = problems.length;
  for (const { n, text } of readTextLines(file, 'transcript file', problems) ?? []) {
    const [id, words] = splitKey(text);
    const bad = (problem: string) => problems.push({ file, line: n, id, problem });
    if (!words) { bad(`expected "<utterance-id> <transcript>", got only ${JSON.stringify(id)} (no transcript)`); ids.add(id); continue; }
    if (!id.startsWith(`${chapter}-`)) { bad(`${id}: utterance id is not of chapter ${chapter} (expected ${chapter}-NNNN)`); continue; }
    ids.add(id);
    const first = lines.get(id);
    if (first) { bad(`${id}: duplicate utterance id (first on line ${first.line}); line skipped`); continue; }
    lines.set(id, { text: words, line: n });
  }
  for (const p of problems.slice(before)) if (p.id) ids.add(p.id);
  return { lines, ids };
}

/** Parse one trans.txt strictly: any bad line is a BirqError naming file and line. */
export function readTransFile(file: string): Map<string, string> {
  const problems: Problem[] = [];
  const { lines } = scanTransFile(file, problems);
  if (problems.length) {
    const p = problems[0];
    fail(p.line ? `line ${p.line}: ${p.problem}` : p.problem, file);
  }
  return new Map([...lines].map(([id, v]) => [id, v.text]));
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
    fail(`not valid UTF-8 (byte ${firstBadUtf8(buf)})`, file);
  }
}

export function firstBadUtf8(buf: Uint8Array): number {
  return Math.max(0, badByte(buf));
}

/** Every utterance of a LibriSpeech-layout tree, and every problem found on the way. */
export function scanLibriSpeech(dir: string): CorpusScan<ManifestEntry> & { audioFiles: string[] } {
  const problems: Problem[] = [];
  if (!fs.existsSync(dir)) fail('corpus directory not found', dir);
  const files = walkFiles(dir);
  const audioFiles = files.filter((f) => AUDIO_EXT.includes(path.extname(f).toLowerCase()));
  const audioSet = new Set(audioFiles);
  const byId = new Map<string, ManifestEntry & { _line: string }>();
  const named = new Set<string>();
  const transFiles = files.filter((f) => f.endsWith('.trans.txt'));
  for (const f of transFiles) {
    const { lines, ids } = scanTransFile(f, problems);
    for (const id of ids) named.add(id);
    const where = libriSplit(dir, path.dirname(f));
    for (const [id, { text, line }] of lines) {
      const a = AUDIO_EXT.map((x) => path.join(path.dirname(f), id + x)).find((p) => audioSet.has(p));
      if (!a) { problems.push({ file: f, line, id, problem: `transcript for ${id} has no audio file (${id}.flac or ${id}.wav) next to it` }); continue; }
      const prev = byId.get(id);
      if (prev) {
        // The same utterance under another split folder: a subset of a pool (hard links), or a real duplicate.
        if (prev.split !== where.split && prev.text === text) { prev.subsets = [...new Set([...(prev.subsets ?? []), where.split, ...(where.subsets ?? [])])]; continue; }
        problems.push({ file: f, line, id, problem: `${id}: duplicate utterance id (also ${prev._line})` });
        continue;
      }
      const parts = id.split('-');
      const e: ManifestEntry & { _line: string } = { id, audio: a, text, speaker: parts[0], chapter: parts[1], ...where, _line: `${f}:${line}` };
      const side = a.replace(/\.(flac|wav)$/i, '.json');
      if (fs.existsSync(side)) {
        try {
          Object.assign(e, { ...readJson<ManifestEntry>(side, 'utterance sidecar'), audio: a });
        } catch (err) {
          if (!(err instanceof BirqError)) throw err;
          problems.push({ file: side, id, problem: err.message.slice(side.length + 2) });
        }
      }
      byId.set(id, e);
    }
  }
  if (!transFiles.length) problems.push({ file: dir, problem: 'no LibriSpeech transcripts (*.trans.txt) found' });
  for (const f of audioFiles) {
    const id = path.basename(f, path.extname(f));
    if (!named.has(id)) problems.push({ file: f, id, problem: 'audio without a transcript (no line for it in a .trans.txt)' });
  }
  for (const p of problems) {
    if (p.file === dir) continue;
    const w = libriSplit(dir, path.dirname(p.file));
    p.splits = [w.split, ...(w.subsets ?? [])];
  }
  const rows = [...byId.values()].map(({ _line, ...e }) => e);
  return { rows, problems, audioFiles };
}

/** The good utterances; refuses (listing every problem) unless `skipBad`. */
export function readLibriSpeech(dir: string, opts: { skipBad?: boolean } = {}): ManifestEntry[] {
  const { rows, problems } = scanLibriSpeech(dir);
  refuseProblems(dir, problems, opts.skipBad);
  if (!rows.length) fail('no LibriSpeech utterances found', dir);
  return rows;
}
