/**
 * The JSONL manifest: one utterance per line. The built-in corpus writes every field; a user's manifest
 * needs only `id` and `audio` (and `text` for fine-tuning). Paths are relative to the manifest's directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../util/errors';
import { CorpusScan, Problem, refuseProblems } from './problems';
import { Segment } from './segments';
import { readTextLines } from './text-lines';

export interface ManifestEntry {
  id: string;
  /** Audio path, relative to the manifest's directory (or absolute). */
  audio: string;
  /** LibriSpeech-normalized transcript (A-Z, apostrophe, space). */
  text?: string;
  speaker?: string;
  chapter?: string;
  split?: string;
  /** Nested labeled subsets this utterance also belongs to (train-1h, train-10min). */
  subsets?: string[];
  sampleRate?: number;
  numSamples?: number;
  /** Seconds. */
  duration?: number;
  /** Phones without silences, space-separated (CMU-39). */
  phones?: string;
  /** Where `phones` came from when not from the corpus itself: 'lexicon' (data/lexicon.ts, CMU dictionary). */
  phonesFrom?: 'lexicon';
  /** Phone segments in seconds, covering the whole utterance (CMU-39 + sil). */
  segments?: Segment[];
  /** Generator details (engine, voice, stretch, pitch, degradation) for the built-in corpus. */
  voice?: Record<string, unknown>;
  gender?: string;
  degrade?: Record<string, unknown> | null;
  /** For Kaldi `segments`: start/end in seconds inside `audio`. */
  start?: number;
  end?: number;
  /** For Kaldi `segments`: the recording id (wav.scp key) the segment is cut from. */
  recording?: string;
}

/** Every good line of a manifest, and a Problem (file, line, id) for each bad one. */
export function scanManifest(file: string): CorpusScan<ManifestEntry> {
  if (!fs.existsSync(file)) fail('manifest not found', file);
  const problems: Problem[] = [];
  const dir = path.dirname(file);
  const rows: ManifestEntry[] = [];
  const first = new Map<string, number>();
  for (const { n, text } of readTextLines(file, 'manifest', problems) ?? []) {
    let r: ManifestEntry;
    try {
      r = JSON.parse(text) as ManifestEntry;
    } catch (e) {
      problems.push({ file, line: n, problem: `not valid JSON (${(e as Error).message}); line skipped` });
      continue;
    }
    const id = r && typeof r === 'object' && typeof r.id === 'string' && r.id ? r.id : undefined;
    const splits = r && typeof r.split === 'string' ? [r.split, ...(Array.isArray(r.subsets) ? r.subsets : [])] : undefined;
    const bad = (problem: string) => problems.push({ file, line: n, id, splits, problem: id ? `${id}: ${problem}` : problem });
    if (!id || typeof r.audio !== 'string' || !r.audio) {
      problems.push({ file, line: n, id, splits, problem: `a manifest entry needs string fields "id" and "audio"${id ? ` (${id} has no audio)` : ''}` });
      continue;
    }
    if (first.has(id)) { bad(`duplicate utterance id (first on line ${first.get(id)}); line skipped`); continue; }
    first.set(id, n);
    if (r.text !== undefined && (typeof r.text !== 'string' || !r.text.trim())) { bad('empty transcript'); continue; }
    if (!path.isAbsolute(r.audio)) r.audio = path.join(dir, r.audio);
    if (!fs.existsSync(r.audio)) { bad(`audio file not found: ${r.audio}`); continue; }
    rows.push(r);
  }
  return { rows, problems };
}

/** The good entries; refuses (listing every problem) unless `skipBad`. */
export function readManifest(file: string, opts: { skipBad?: boolean } = {}): ManifestEntry[] {
  const { rows, problems } = scanManifest(file);
  refuseProblems(file, problems, opts.skipBad);
  return rows;
}
