/**
 * The JSONL manifest: one utterance per line. The built-in corpus writes every field; a user's manifest
 * needs only `id` and `audio` (and `text` for fine-tuning). Paths are relative to the manifest's directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../util/errors';
import { readJsonl } from '../util/fs';
import { Segment } from './segments';

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
  /** Phone segments in seconds, covering the whole utterance (CMU-39 + sil). */
  segments?: Segment[];
  /** Generator details (engine, voice, stretch, pitch, degradation) for the built-in corpus. */
  voice?: Record<string, unknown>;
  gender?: string;
  degrade?: Record<string, unknown> | null;
  /** For Kaldi `segments`: start/end in seconds inside `audio`. */
  start?: number;
  end?: number;
}

export function readManifest(file: string): ManifestEntry[] {
  if (!fs.existsSync(file)) fail('manifest not found', file);
  const rows = readJsonl<ManifestEntry>(file);
  const dir = path.dirname(file);
  rows.forEach((r, i) => {
    if (typeof r.id !== 'string' || typeof r.audio !== 'string') fail(`line ${i + 1}: a manifest entry needs string fields "id" and "audio"`, file);
    if (!path.isAbsolute(r.audio)) r.audio = path.join(dir, r.audio);
  });
  return rows;
}
