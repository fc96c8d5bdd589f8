import * as fs from 'node:fs';
import { fail } from '../util/errors';
import { decodeFlac } from './flac';
import { AudioData } from './types';
import { decodeWav } from './wav';
import { resample } from './resample';

/** Decode WAV or FLAC by content (magic bytes), not by extension. */
export function decodeAudio(buf: Uint8Array, file = '<buffer>'): AudioData {
  if (buf.length === 0) fail('empty file (0 bytes)', file);
  const magic = String.fromCharCode(...buf.subarray(0, 4));
  if (magic === 'RIFF') return decodeWav(buf, file);
  if (magic === 'fLaC') return decodeFlac(buf, file);
  fail(`unsupported or corrupt audio (starts with bytes ${Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ')}; expected RIFF/WAVE or fLaC)`, file);
}

export function readAudio(file: string): AudioData {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    fail(`cannot read audio (${(e as NodeJS.ErrnoException).code ?? String(e)})`, file);
  }
  return decodeAudio(buf, file);
}

/** Average the channels (equal weights, as torchaudio's `mean(dim=0)`). */
export function toMono(a: AudioData): Float32Array {
  if (a.channels.length === 1) return a.channels[0];
  const n = a.channels[0].length;
  const y = new Float32Array(n);
  for (const ch of a.channels) for (let i = 0; i < n; i++) y[i] += ch[i];
  const s = 1 / a.channels.length;
  for (let i = 0; i < n; i++) y[i] *= s;
  return y;
}

/** Read a file as mono at `rate` Hz (16 kHz by default): decode, mix, resample when needed. */
export function readMono(file: string, rate = 16000): Float32Array {
  const a = readAudio(file);
  const m = toMono(a);
  return a.sampleRate === rate ? m : resample(m, a.sampleRate, rate);
}
