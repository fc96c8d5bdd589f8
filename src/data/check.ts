/**
 * `checkCorpus(dir)`: read a whole corpus and list every problem, each naming its file, never stopping at the
 * first: unreadable or truncated audio, unsupported encoding, empty audio, sample-rate surprises (a rate
 * other than the expected one, or mixed rates), transcripts without audio, audio without transcript,
 * non-UTF-8 text, and for the built-in corpus a sidecar/manifest disagreeing with its audio.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audioLength } from '../audio/types';
import { decodeAudio } from '../audio/read';
import { BirqError } from '../util/errors';
import { detectCorpus } from './corpus';
import { readKaldiTable } from './kaldi';
import { AUDIO_EXT, readTransFile, walkFiles } from './librispeech';
import { ManifestEntry, readManifest } from './manifest';

export interface Problem { file: string; problem: string }
export interface CheckReport {
  kind: string;
  utterances: number;
  audioFiles: number;
  seconds: number;
  sampleRates: Record<string, number>;
  encodings: Record<string, number>;
  problems: Problem[];
}

export function checkCorpus(dir: string, opts: { expectRate?: number } = {}): CheckReport {
  const expectRate = opts.expectRate ?? 16000;
  const problems: Problem[] = [];
  const report: CheckReport = { kind: '', utterances: 0, audioFiles: 0, seconds: 0, sampleRates: {}, encodings: {}, problems };
  const add = (file: string, problem: string) => problems.push({ file, problem });
  const guard = <T>(file: string, f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      if (e instanceof BirqError) add(e.file ?? file, e.file ? e.message.slice(e.file.length + 2) : e.message);
      else add(file, `unexpected error: ${(e as Error).message}`);
      return undefined;
    }
  };
  const det = guard(dir, () => detectCorpus(dir));
  if (!det) return report;
  report.kind = det.kind;
  const checkAudio = (file: string, want?: Partial<ManifestEntry>): number | undefined => {
    report.audioFiles++;
    return guard(file, () => {
      const buf = fs.readFileSync(file);
      const a = decodeAudio(buf, file);
      const n = audioLength(a);
      report.sampleRates[a.sampleRate] = (report.sampleRates[a.sampleRate] ?? 0) + 1;
      report.encodings[a.encoding] = (report.encodings[a.encoding] ?? 0) + 1;
      report.seconds += n / a.sampleRate;
      if (n === 0) add(file, 'empty audio (0 samples)');
      if (a.sampleRate !== expectRate) add(file, `sample rate ${a.sampleRate} Hz, expected ${expectRate} Hz (it will be resampled)`);
      if (a.channels.length > 1) add(file, `${a.channels.length} channels (will be mixed to mono)`);
      if (want?.numSamples !== undefined && want.numSamples !== n) add(file, `holds ${n} samples, the manifest says ${want.numSamples}`);
      if (want?.sampleRate !== undefined && want.sampleRate !== a.sampleRate) add(file, `sample rate ${a.sampleRate} Hz, the manifest says ${want.sampleRate} Hz`);
      if (want?.end !== undefined && want.end > n / a.sampleRate + 0.01) add(file, `segment ${want.id} ends at ${want.end}s, past the audio's ${(n / a.sampleRate).toFixed(2)}s`);
      return n / a.sampleRate;
    });
  };

  if (det.kind === 'librispeech') {
    const files = guard(dir, () => walkFiles(dir)) ?? [];
    const audio = new Map<string, string>();
    for (const f of files) if (AUDIO_EXT.includes(path.extname(f).toLowerCase())) audio.set(path.basename(f, path.extname(f)), f);
    const seen = new Set<string>();
    for (const f of files.filter((x) => x.endsWith('.trans.txt'))) {
      const m = guard(f, () => readTransFile(f));
      if (!m) continue;
      for (const [id, text] of m) {
        seen.add(id);
        report.utterances++;
        if (!text) add(f, `${id}: empty transcript`);
        if (!audio.has(id)) add(f, `transcript for ${id} has no audio file (${id}.flac or ${id}.wav)`);
      }
    }
    if (!files.some((x) => x.endsWith('.trans.txt'))) add(dir, 'no *.trans.txt transcripts found');
    for (const [id, f] of audio) {
      if (!seen.has(id)) add(f, 'audio without a transcript (no line for it in a .trans.txt)');
      checkAudio(f);
    }
    // Audio in a format the readers do not take would silently be missing from training: say so.
    for (const f of files.filter((x) => /\.(mp3|ogg|opus|m4a|aac|sph|nist|raw|pcm|aiff?|wma)$/i.test(x)))
      add(f, `unsupported audio format '${path.extname(f)}' (convert to .flac or .wav)`);
  } else if (det.kind === 'kaldi') {
    const scp = guard(path.join(dir, 'wav.scp'), () => readKaldiTable(path.join(dir, 'wav.scp')));
    const text = guard(path.join(dir, 'text'), () => readKaldiTable(path.join(dir, 'text'), false));
    const segs = guard(path.join(dir, 'segments'), () => readKaldiTable(path.join(dir, 'segments'), false));
    if (scp) {
      const utts = segs ? [...segs.keys()] : [...scp.keys()];
      report.utterances = utts.length;
      const seconds = new Map<string, number | undefined>();
      for (const [id, p] of scp) {
        const f = path.isAbsolute(p) ? p : fs.existsSync(p) ? path.resolve(p) : path.join(dir, p);
        if (p.endsWith('|')) add(path.join(dir, 'wav.scp'), `recording ${id}: piped commands are not supported; convert to files first`);
        else if (!fs.existsSync(f)) add(path.join(dir, 'wav.scp'), `recording ${id}: audio file not found: ${p}`);
        else seconds.set(id, checkAudio(f));
      }
      for (const [utt, v] of segs ?? []) {
        const [rec, s0, e0] = v.split(/\s+/);
        const start = Number(s0), end = Number(e0), dur = seconds.get(rec);
        if (!scp.has(rec)) add(path.join(dir, 'segments'), `segment ${utt} refers to recording ${rec}, which wav.scp lacks`);
        else if (!(start >= 0 && end > start)) add(path.join(dir, 'segments'), `segment ${utt}: bad times ${s0} ${e0}`);
        else if (dur !== undefined && end > dur + 0.01) add(path.join(dir, 'segments'), `segment ${utt} ends at ${end}s, past recording ${rec}'s ${dur.toFixed(2)}s`);
      }
      if (text) {
        for (const u of utts) if (!text.has(u)) add(path.join(dir, 'text'), `utterance ${u} has no transcript`);
        const known = new Set(utts);
        for (const u of text.keys()) if (!known.has(u)) add(path.join(dir, 'text'), `transcript for ${u}, which has no audio (not in ${segs ? 'segments' : 'wav.scp'})`);
      }
    }
  } else {
    const rows = guard(det.file, () => readManifest(det.file));
    if (rows) {
      report.utterances = rows.length;
      for (const r of rows) {
        if (!fs.existsSync(r.audio)) add(det.file, `${r.id}: audio file not found: ${r.audio}`);
        else checkAudio(r.audio, r);
      }
    }
  }
  return report;
}
