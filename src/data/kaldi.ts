/**
 * Kaldi data directory: `wav.scp` (`<recording-id> <path>`; piped commands are not supported), optional
 * `segments` (`<utt-id> <recording-id> <start-s> <end-s>`), optional `text` (`<utt-id> <words...>`) and
 * `utt2spk`. Relative paths in wav.scp resolve against the current directory, as Kaldi does, then against the
 * data directory as a fallback. A Kaldi corpus (`data/` of a recipe) is one data directory per split: its
 * subfolders holding a wav.scp are read, each as the split named by the folder.
 * Each bad line (duplicate key, missing field, bad times, unknown recording, empty transcript, bad UTF-8) is a
 * Problem naming file, line and id; the other lines load.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../util/errors';
import { ManifestEntry } from './manifest';
import { CorpusScan, Problem, refuseProblems } from './problems';
import { readTextLines, splitKey } from './text-lines';

export interface KaldiRow { value: string; line: number }

/** One `<key> <value>` table; `null` when an optional file is absent. Duplicates keep the first line. */
export function scanKaldiTable(file: string, problems: Problem[], opts: { required?: boolean; needValue?: string } = {}): Map<string, KaldiRow> | null {
  if (!fs.existsSync(file)) {
    if (opts.required) fail('missing (a Kaldi data directory needs wav.scp)', file);
    return null;
  }
  const m = new Map<string, KaldiRow>();
  for (const { n, text } of readTextLines(file, 'Kaldi data file', problems) ?? []) {
    const [key, value] = splitKey(text);
    const first = m.get(key);
    if (first) problems.push({ file, line: n, id: key, problem: `duplicate key ${key} (first on line ${first.line}); line skipped` });
    else if (!value && opts.needValue) problems.push({ file, line: n, id: key, problem: `${key}: no ${opts.needValue}` });
    else m.set(key, { value, line: n });
  }
  return m;
}

/** Strict table reading (first problem is an error); kept for callers that want a plain map. */
export function readKaldiTable(file: string, required = true): Map<string, string> | null {
  const problems: Problem[] = [];
  const m = scanKaldiTable(file, problems, { required });
  if (problems.length) fail(problems[0].line ? `line ${problems[0].line}: ${problems[0].problem}` : problems[0].problem, file);
  return m && new Map([...m].map(([k, v]) => [k, v.value]));
}

/** Kaldi split folders under `dir` (each with a wav.scp), or [] when `dir` is itself a data directory. */
export function kaldiSplitDirs(dir: string): string[] {
  if (fs.existsSync(path.join(dir, 'wav.scp'))) return [];
  let names: string[] = [];
  try { names = fs.readdirSync(dir).sort(); } catch { return []; }
  return names.filter((n) => !n.startsWith('.') && fs.existsSync(path.join(dir, n, 'wav.scp'))).map((n) => path.join(dir, n));
}

export function scanKaldiDir(dir: string, split = path.basename(path.resolve(dir))): CorpusScan<ManifestEntry> {
  const subs = kaldiSplitDirs(dir);
  if (subs.length) {
    const all = subs.map((d) => scanKaldiDir(d));
    return { rows: all.flatMap((s) => s.rows), problems: all.flatMap((s) => s.problems) };
  }
  const problems: Problem[] = [];
  const scpFile = path.join(dir, 'wav.scp');
  const scp = scanKaldiTable(scpFile, problems, { required: true, needValue: 'audio path' })!;
  const audio = new Map<string, string>();
  for (const [id, { value: p, line }] of scp) {
    const f = path.isAbsolute(p) ? p : fs.existsSync(p) ? path.resolve(p) : path.join(dir, p);
    if (p.endsWith('|')) problems.push({ file: scpFile, line, id, problem: `recording ${id}: piped wav.scp commands are not supported; convert to files first` });
    else if (!fs.existsSync(f)) problems.push({ file: scpFile, line, id, problem: `recording ${id}: audio file not found: ${p}` });
    else audio.set(id, f);
  }
  const segFile = path.join(dir, 'segments');
  const segs = scanKaldiTable(segFile, problems, { needValue: 'recording and times' });
  const textFile = path.join(dir, 'text');
  const text = scanKaldiTable(textFile, problems);
  const spkFile = path.join(dir, 'utt2spk');
  const spk = scanKaldiTable(spkFile, problems, { needValue: 'speaker' });
  const utts: ManifestEntry[] = [];
  if (segs) {
    for (const [utt, { value, line }] of segs) {
      const f = value.split(/\s+/);
      const [rec, s, e] = f;
      const start = Number(s), end = Number(e);
      const bad = (problem: string) => problems.push({ file: segFile, line, id: utt, problem });
      if (f.length !== 3) bad(`segment ${utt}: expected "<utt-id> <recording-id> <start> <end>", got ${f.length + 1} fields`);
      else if (!scp.has(rec)) bad(`segment ${utt} refers to recording ${rec}, which wav.scp lacks`);
      else if (!(start >= 0) || !(end > start)) bad(`segment ${utt}: bad times ${s} ${e}`);
      else if (audio.has(rec)) utts.push({ id: utt, audio: audio.get(rec)!, recording: rec, start, end, duration: end - start });
    }
  } else for (const [id] of scp) if (audio.has(id)) utts.push({ id, audio: audio.get(id)! });
  const known = new Set(segs ? segs.keys() : scp.keys());
  const rows: ManifestEntry[] = [];
  const textless = new Set<string>();
  for (const u of known) {
    const t = text?.get(u);
    if (text && !t) problems.push({ file: textFile, id: u, problem: `utterance ${u} has no transcript` });
    else if (t && !t.value) problems.push({ file: textFile, line: t.line, id: u, problem: `${u}: empty transcript` });
    else continue;
    textless.add(u);
  }
  for (const u of utts) if (!textless.has(u.id)) rows.push({ ...u, split, text: text?.get(u.id)?.value, speaker: spk?.get(u.id)?.value });
  for (const [u, { line }] of text ?? []) if (!known.has(u)) problems.push({ file: textFile, line, id: u, problem: `transcript for ${u}, which has no audio (not in ${segs ? 'segments' : 'wav.scp'})` });
  for (const [u, { line }] of spk ?? []) if (!known.has(u)) problems.push({ file: spkFile, line, id: u, problem: `speaker for ${u}, which has no audio (not in ${segs ? 'segments' : 'wav.scp'})` });
  for (const p of problems) p.splits = [split];
  return { rows, problems };
}

/** The good utterances; refuses (listing every problem) unless `skipBad`. */
export function readKaldiDir(dir: string, opts: { skipBad?: boolean } = {}): ManifestEntry[] {
  const { rows, problems } = scanKaldiDir(dir);
  refuseProblems(dir, problems, opts.skipBad);
  return rows;
}
