/**
 * One entry point for any corpus: a JSONL manifest file, a directory holding `manifest.jsonl` (the built-in
 * corpus), a Kaldi data directory (`wav.scp`) or a folder of them (one per split), or a LibriSpeech-layout
 * directory. `split` filters by split or nested subset (e.g. 'train-1h'); no split means all of it.
 * A corpus with problems in the part asked for is refused, listing them, unless `skipBad`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readMono } from '../audio/read';
import { fail } from '../util/errors';
import { kaldiSplitDirs, scanKaldiDir } from './kaldi';
import { lexiconPhones } from './lexicon';
import { scanLibriSpeech } from './librispeech';
import { ManifestEntry, scanManifest } from './manifest';
import { CorpusScan, Problem, problemsOfSplit, refuseProblems } from './problems';

export type CorpusKind = 'manifest' | 'kaldi' | 'librispeech';

export function detectCorpus(p: string): { kind: CorpusKind; file: string } {
  if (!fs.existsSync(p)) fail('corpus not found', p);
  if (fs.statSync(p).isFile()) return { kind: 'manifest', file: p };
  if (fs.existsSync(path.join(p, 'manifest.jsonl'))) return { kind: 'manifest', file: path.join(p, 'manifest.jsonl') };
  if (fs.existsSync(path.join(p, 'wav.scp')) || kaldiSplitDirs(p).length) return { kind: 'kaldi', file: p };
  return { kind: 'librispeech', file: p };
}

/** Every good utterance of a corpus and every problem found reading it (audio is not decoded here). */
export function scanCorpus(p: string): CorpusScan<ManifestEntry> & { kind: CorpusKind; file: string } {
  const { kind, file } = detectCorpus(p);
  const s = kind === 'manifest' ? scanManifest(file) : kind === 'kaldi' ? scanKaldiDir(file) : scanLibriSpeech(file);
  return { kind, file, rows: s.rows, problems: s.problems };
}

export function inSplit(r: ManifestEntry, split?: string): boolean {
  return !split || r.split === split || (r.subsets?.includes(split) ?? false);
}

export interface OpenOptions {
  /** A split or subset; undefined or '' means the whole corpus. */
  split?: string;
  /** Go on with the good utterances when there are problems (they are pushed to `skipped`). */
  skipBad?: boolean;
  skipped?: Problem[];
}

export function openCorpus(p: string, opts: OpenOptions = {}): ManifestEntry[] {
  const s = scanCorpus(p);
  const problems = problemsOfSplit(s.problems, opts.split || undefined);
  refuseProblems(p, problems, opts.skipBad);
  opts.skipped?.push(...problems);
  const rows = s.rows.filter((r) => inSplit(r, opts.split));
  if (!rows.length) {
    const splits = [...new Set(s.rows.flatMap((r) => [r.split ?? '', ...(r.subsets ?? [])]).filter(Boolean))].sort();
    fail(opts.split ? `no utterances in split '${opts.split}' (splits here: ${splits.join(', ') || 'none'})` : 'no utterances in the corpus', s.file);
  }
  // No phones in the corpus (a real recording has no alignment): take them from the CMU dictionary, so phone
  // fine-tuning and PER work; an utterance with a word it lacks keeps none (PER unavailable there).
  for (const r of rows) if (r.phones === undefined && r.text) {
    const ph = lexiconPhones(r.text);
    if (ph) { r.phones = ph; r.phonesFrom = 'lexicon'; }
  }
  return rows;
}

/** Mono 16 kHz samples of one utterance (cut to [start, end) for Kaldi segments). */
export function loadUtteranceAudio(e: ManifestEntry, rate = 16000): Float32Array {
  const x = readMono(e.audio, rate);
  if (e.start === undefined) return x;
  const a = Math.round(e.start * rate);
  const b = e.end === undefined ? x.length : Math.round(e.end * rate);
  if (b > x.length + rate * 0.01) fail(`segment ${e.id} ends at ${e.end}s, past the recording's ${(x.length / rate).toFixed(2)}s`, e.audio);
  return x.slice(a, Math.min(b, x.length));
}
