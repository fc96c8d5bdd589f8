/**
 * One entry point for any corpus: a JSONL manifest file, a directory holding `manifest.jsonl` (the built-in
 * corpus), a Kaldi data directory (`wav.scp`), or a LibriSpeech-layout directory. `split` filters a manifest
 * by split or nested subset (e.g. 'train-1h').
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readMono } from '../audio/read';
import { fail } from '../util/errors';
import { readKaldiDir } from './kaldi';
import { readLibriSpeech } from './librispeech';
import { ManifestEntry, readManifest } from './manifest';

export type CorpusKind = 'manifest' | 'kaldi' | 'librispeech';

export function detectCorpus(p: string): { kind: CorpusKind; file: string } {
  if (!fs.existsSync(p)) fail('corpus not found', p);
  if (fs.statSync(p).isFile()) return { kind: 'manifest', file: p };
  if (fs.existsSync(path.join(p, 'manifest.jsonl'))) return { kind: 'manifest', file: path.join(p, 'manifest.jsonl') };
  if (fs.existsSync(path.join(p, 'wav.scp'))) return { kind: 'kaldi', file: p };
  return { kind: 'librispeech', file: p };
}

export function openCorpus(p: string, opts: { split?: string } = {}): ManifestEntry[] {
  const { kind, file } = detectCorpus(p);
  let rows = kind === 'manifest' ? readManifest(file) : kind === 'kaldi' ? readKaldiDir(file) : readLibriSpeech(file);
  if (opts.split) {
    rows = rows.filter((r) => r.split === opts.split || r.subsets?.includes(opts.split!));
    if (!rows.length) fail(`no utterances in split '${opts.split}'`, file);
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
