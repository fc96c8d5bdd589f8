/**
 * Synthesize one batch (consecutive utterances of one speaker) and write each finished utterance as
 * `<rel>.wav` (or .flac) then `<rel>.json` (the sidecar: transcript, phones, segments, voice), both atomically. The
 * sidecar is the completion mark: an utterance with a sidecar is never redone, so a killed build resumes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeWav } from '../src/audio';
import { ManifestEntry } from '../src/data/manifest';
import { phoneString } from '../src/data/segments';
import { writeFileAtomic, writeJsonAtomic } from '../src/util/fs';
import { Rng } from '../src/util/rng';
import { addNoise, RATE, setPeak, soxEffects, to16k, toSegments } from './effects';
import { festivalSynthBatch } from './engines/festival';
import { fliteSynth } from './engines/flite';
import { Synth } from './engines/types';
import { espeakHelper, espeakSynthBatch } from './engines/espeak';
import { UttJob } from './plan';
import { runTool } from './tools';

export function isDone(root: string, j: UttJob): boolean {
  return fs.existsSync(path.join(root, j.rel + '.json'));
}

/** Returns the durations (s) of the utterances written. */
/** Where and how a worker writes: corpus root, its scratch folder, the compiled-helper folder, audio format. */
export interface SynthTarget { root: string; tmp: string; bin: string; format: 'wav' | 'flac' }

export function synthBatch(t: SynthTarget, jobs: UttJob[]): number[] {
  const { root, tmp: tmpDir, bin: binDir } = t;
  const todo = jobs.filter((j) => !isDone(root, j));
  if (!todo.length) return [];
  const sp = todo[0].speaker;
  const tag = `${process.pid}-${todo[0].id}`;
  let raw: Synth[];
  if (sp.base.engine === 'festival') raw = festivalSynthBatch(sp, todo.map((j) => j.text.speak), tmpDir, tag);
  else if (sp.base.engine === 'flite') raw = todo.map((j, i) => fliteSynth(sp, j.text.speak, tmpDir, `${tag}-${i}`));
  else raw = espeakSynthBatch(sp, todo.map((j) => j.text.speak), tmpDir, tag, espeakHelper(binDir));
  return todo.map((j, i) => writeUtt(t, j, raw[i], `${tag}-${i}`));
}

function writeUtt(t: SynthTarget, j: UttJob, s: Synth, tag: string): number {
  const { root, tmp: tmpDir } = t;
  const where = `${j.id} (${j.speaker.base.engine} ${j.speaker.base.name})`;
  let x = soxEffects(s.samples, s.rate, j.speaker, j.degrade, tmpDir, tag);
  x = to16k(x, s.rate);
  const duration = x.length / RATE;
  const segments = toSegments(s.segments, duration, where);
  const rng = new Rng(j.seed);
  const noise = j.degrade ? addNoise(x, segments, j.degrade, rng) : null;
  const peakDb = -1 - 5 * rng.uniform();
  setPeak(x, peakDb);
  const sp = j.speaker;
  const entry: ManifestEntry & { subsetRank: number } = {
    id: j.id, audio: `${j.rel}.${t.format}`, text: j.text.transcript, speaker: String(sp.id), chapter: String(j.chapter),
    split: j.split, subsets: [], subsetRank: j.subsetRank, sampleRate: RATE, numSamples: x.length, duration,
    phones: phoneString(segments), segments, gender: sp.base.gender,
    voice: { engine: sp.base.engine, name: sp.base.name, stretch: sp.stretch, f0Shift: sp.f0Shift, pitchCents: sp.pitchCents, peakDbfs: Math.round(peakDb * 100) / 100, speakText: j.text.speak },
    degrade: j.degrade ? { ...j.degrade, ...noise } : null,
  };
  if (t.format === 'wav') writeFileAtomic(path.join(root, j.rel + '.wav'), encodeWav(x, RATE));
  else {
    // FLAC (as LibriSpeech ships): sox encodes into the scratch folder, then an atomic rename.
    const wav = path.join(tmpDir, `${tag}.final.wav`);
    const flac = path.join(tmpDir, `${tag}.final.flac`);
    fs.writeFileSync(wav, encodeWav(x, RATE));
    runTool('sox', [wav, '-C', '5', flac], { what: 'FLAC encoding' });
    fs.rmSync(wav, { force: true });
    fs.mkdirSync(path.dirname(path.join(root, j.rel)), { recursive: true });
    fs.renameSync(flac, path.join(root, j.rel + '.flac'));
  }
  writeJsonAtomic(path.join(root, j.rel + '.json'), entry);
  return duration;
}
