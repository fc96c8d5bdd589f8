/**
 * `checkCorpus(dir)`: read a whole corpus and list every problem, each naming its file (and line, utterance id,
 * byte offset where they apply), never stopping at the first: everything the readers find (bad transcript
 * lines, transcripts without audio and the reverse, duplicate ids, non-UTF-8 text), then every audio file
 * decoded: unreadable or truncated audio, unsupported encoding, empty audio, sample-rate surprises, segments past
 * the end of their recording, and for the built-in corpus a manifest disagreeing with its audio.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { audioLength } from '../audio/types';
import { decodeAudio } from '../audio/read';
import { BirqError } from '../util/errors';
import { detectCorpus, scanCorpus } from './corpus';
import { walkFiles } from './librispeech';
import { ManifestEntry } from './manifest';
import { Problem } from './problems';

export type { Problem } from './problems';
export interface CheckReport {
  kind: string;
  utterances: number;
  audioFiles: number;
  seconds: number;
  sampleRates: Record<string, number>;
  encodings: Record<string, number>;
  problems: Problem[];
}

const UNSUPPORTED = /\.(mp3|ogg|opus|m4a|aac|sph|nist|raw|pcm|aiff?|wma)$/i;

export function checkCorpus(dir: string, opts: { expectRate?: number } = {}): CheckReport {
  const expectRate = opts.expectRate ?? 16000;
  const problems: Problem[] = [];
  const report: CheckReport = { kind: '', utterances: 0, audioFiles: 0, seconds: 0, sampleRates: {}, encodings: {}, problems };
  const add = (file: string, problem: string, id?: string) => problems.push({ file, problem, ...(id ? { id } : {}) });
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
  const scan = guard(dir, () => scanCorpus(dir));
  if (!scan) return report;
  problems.push(...scan.problems);
  report.utterances = scan.rows.length;
  // Each audio file is decoded once, however many segments or manifest rows point at it.
  const seconds = new Map<string, number | undefined>();
  const checkAudio = (file: string, want?: Partial<ManifestEntry>): number | undefined => {
    if (seconds.has(file)) return seconds.get(file);
    report.audioFiles++;
    const s = guard(file, () => {
      const a = decodeAudio(fs.readFileSync(file), file);
      const n = audioLength(a);
      report.sampleRates[a.sampleRate] = (report.sampleRates[a.sampleRate] ?? 0) + 1;
      report.encodings[a.encoding] = (report.encodings[a.encoding] ?? 0) + 1;
      report.seconds += n / a.sampleRate;
      if (n === 0) add(file, 'empty audio (0 samples)', want?.id);
      if (a.sampleRate !== expectRate) add(file, `sample rate ${a.sampleRate} Hz, expected ${expectRate} Hz (it will be resampled)`, want?.id);
      if (a.channels.length > 1) add(file, `${a.channels.length} channels (will be mixed to mono)`, want?.id);
      if (want?.numSamples !== undefined && want.numSamples !== n) add(file, `holds ${n} samples, the manifest says ${want.numSamples}`, want.id);
      if (want?.sampleRate !== undefined && want.sampleRate !== a.sampleRate) add(file, `sample rate ${a.sampleRate} Hz, the manifest says ${want.sampleRate} Hz`, want.id);
      return n / a.sampleRate;
    });
    seconds.set(file, s);
    return s;
  };
  for (const r of scan.rows) {
    const dur = checkAudio(r.audio, r.start === undefined ? r : { id: r.id });
    if (r.end !== undefined && dur !== undefined && r.end > dur + 0.01)
      add(det.kind === 'kaldi' ? segmentsFile(dir, r) : r.audio, `segment ${r.id} ends at ${r.end}s, past recording ${r.recording ?? path.basename(r.audio)}'s ${dur.toFixed(2)}s`, r.id);
  }
  if (det.kind === 'librispeech') {
    const files = guard(dir, () => walkFiles(dir)) ?? [];
    // Audio without a transcript is still decoded: it is reported once for the missing line, and again if broken.
    for (const f of files) if (/\.(flac|wav)$/i.test(f)) checkAudio(f);
    // Audio in a format the readers do not take would silently be missing from training: say so.
    for (const f of files.filter((x) => UNSUPPORTED.test(x))) add(f, `unsupported audio format '${path.extname(f)}' (convert to .flac or .wav)`);
  }
  return report;
}

/** The segments file an utterance came from (the split folder's, for a folder of Kaldi data dirs). */
function segmentsFile(dir: string, r: ManifestEntry): string {
  const own = path.join(dir, 'segments');
  return fs.existsSync(own) ? own : path.join(dir, r.split ?? '', 'segments');
}
