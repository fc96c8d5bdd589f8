/**
 * From an engine's native output to the stored 16 kHz utterance: sox pitch shift (duration-preserving; its
 * calibrated delay is undone) and, for test-other, sox reverb (direct path kept, length unchanged), our windowed-sinc
 * resampler to 16 kHz, phones mapped to CMU-39 + sil, additive noise at an RMS SNR measured over the
 * speech (non-sil) samples, and a random peak level between -6 and -1 dBFS.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeWav, readAudio, resample, toMono } from '../src/audio';
import { Rng } from '../src/util/rng';
import { Segment } from '../src/data/segments';
import { mapRadioPhone } from './phones';
import { Degrade } from './plan';
import { runTool } from './tools';
import { Speaker } from './voices';
import { Synth } from './engines/types';

export const RATE = 16000;

export function soxEffects(x: Float32Array, rate: number, sp: Speaker, deg: Degrade | null, tmpDir: string, tag: string): Float32Array {
  let y = x;
  if (sp.pitchCents) {
    y = runSox(y, rate, ['pitch', String(sp.pitchCents)], tmpDir, tag);
    // sox `pitch` (WSOLA tempo + resample) keeps the length but moves the content by a cents-dependent
    // amount; undo it so the engine's segment times stay true (see SOX_PITCH_DELAY_MS).
    y = shift(y, Math.round((soxPitchDelayMs(sp.pitchCents) * rate) / 1000));
  }
  if (deg) y = runSox(y, rate, ['reverb', String(deg.reverb), '50', String(deg.roomScale)], tmpDir, tag);
  return y;
}

function runSox(x: Float32Array, rate: number, fx: string[], tmpDir: string, tag: string): Float32Array {
  const a = path.join(tmpDir, `${tag}.in.wav`);
  const b = path.join(tmpDir, `${tag}.out.wav`);
  // Half level in, double out: sox's internal 32-bit integer stages would clip a full-scale peak.
  fs.writeFileSync(a, encodeWav(x.map((v) => v * 0.5), rate, 32));
  // -D: no dither, so output is a deterministic function of input.
  runTool('sox', ['-D', a, '-e', 'floating-point', '-b', '32', b, ...fx], { what: fx[0] });
  const y = toMono(readAudio(b)).map((v) => v * 2);
  fs.rmSync(a, { force: true });
  fs.rmSync(b, { force: true });
  return y.length === x.length ? y : fitLength(y, x.length);
}

/**
 * Delay (ms, positive = later) that sox 14.4.2 `pitch C` gives phone boundaries, from controlled signals with
 * known boundaries (test/fixtures-free calibration: 18 harmonic and noise bursts of 60-160 ms at 16, 22.05 and
 * 32 kHz; median over bursts of the mean of onset and offset shifts; the three rates agree within 1.5 ms).
 * Onsets move ~5 ms later and offsets ~5 ms earlier than this mean, so ±5 ms remains per boundary.
 */
export const SOX_PITCH_DELAY_MS: [number, number][] = [
  [-300, 12.4], [-250, 10.9], [-200, 9.1], [-150, 8.4], [-100, 6.7], [-50, 6.1],
  [50, 4.5], [100, 0.9], [150, -1.0], [200, -1.9], [250, -4.5], [300, -5.3],
];

/** Linear interpolation in SOX_PITCH_DELAY_MS; 0 for 0 cents (sox is not run), the ±50 value below 50 cents. */
export function soxPitchDelayMs(cents: number): number {
  if (cents === 0) return 0;
  const t = SOX_PITCH_DELAY_MS;
  const c = Math.max(t[0][0], Math.min(t[t.length - 1][0], cents > 0 ? Math.max(50, cents) : Math.min(-50, cents)));
  for (let i = 1; i < t.length; i++) {
    const [c0, d0] = t[i - 1], [c1, d1] = t[i];
    if (c <= c1 && c >= c0) return c1 === c0 ? d0 : d0 + ((d1 - d0) * (c - c0)) / (c1 - c0);
  }
  return t[t.length - 1][1];
}

/**
 * Delay of `y` relative to `x` in samples (positive: y is late), from the cross-correlation of their 1 ms
 * amplitude envelopes (5 ms smoothing) over lags of ±40 ms. A diagnostic: on speech it tracks the vowels'
 * bulk, which sox's pitch shift moves differently from phone boundaries, so the builder uses the calibration.
 */
export function envelopeLag(x: Float32Array, y: Float32Array, rate: number, maxMs = 40): number {
  const hop = Math.max(1, Math.round(rate / 1000));
  const env = (s: Float32Array) => {
    const n = Math.floor(s.length / hop);
    const e = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let a = 0;
      for (let j = Math.max(0, (i - 2) * hop); j < Math.min(s.length, (i + 3) * hop); j++) a += Math.abs(s[j]);
      e[i] = a;
    }
    let m = 0;
    for (const v of e) m += v;
    m /= Math.max(1, n);
    for (let i = 0; i < n; i++) e[i] -= m;
    return e;
  };
  const ex = env(x), ey = env(y);
  const n = Math.min(ex.length, ey.length);
  let best = 0, bestC = -Infinity;
  for (let lag = -maxMs; lag <= maxMs; lag++) {
    let c = 0;
    for (let i = Math.max(0, -lag); i < Math.min(n, n - lag); i++) c += ex[i] * ey[i + lag];
    if (c > bestC) { bestC = c; best = lag; }
  }
  return best * hop;
}

/** Move content earlier by `d` samples (later if negative), keeping the length; the gap is zero-filled. */
function shift(y: Float32Array, d: number): Float32Array {
  if (d === 0) return y;
  const z = new Float32Array(y.length);
  if (d > 0) z.set(y.subarray(d));
  else z.set(y.subarray(0, y.length + d), -d);
  return z;
}

function fitLength(y: Float32Array, n: number): Float32Array {
  const z = new Float32Array(n);
  z.set(y.subarray(0, n));
  return z;
}

/** Engine segments (phone, end time) → CMU-39 segments covering [0, duration) exactly; adjacent sil merged. */
export function toSegments(raw: Synth['segments'], duration: number, where: string): Segment[] {
  const out: Segment[] = [];
  let start = 0;
  for (const r of raw) {
    const phone = mapRadioPhone(r.phone, where);
    const end = Math.min(r.end, duration);
    if (end <= start) continue;
    const last = out[out.length - 1];
    if (last && last.phone === 'sil' && phone === 'sil') last.end = end;
    else out.push({ phone, start, end });
    start = end;
  }
  // The waveform may run past the last segment (kal16 adds ~120 ms): that tail is silence.
  if (start < duration) {
    const last = out[out.length - 1];
    if (last && last.phone === 'sil') last.end = duration;
    else out.push({ phone: 'sil', start, end: duration });
  }
  for (const s of out) { s.start = round6(s.start); s.end = round6(s.end); }
  return out;
}

function round6(x: number): number { return Math.round(x * 1e6) / 1e6; }

export function addNoise(x: Float32Array, segs: Segment[], deg: Degrade, rng: Rng): { rmsSpeech: number; rmsNoise: number } {
  let s2 = 0, n = 0;
  for (const s of segs) {
    if (s.phone === 'sil') continue;
    const a = Math.floor(s.start * RATE), b = Math.min(x.length, Math.ceil(s.end * RATE));
    for (let i = a; i < b; i++) { s2 += x[i] * x[i]; n++; }
  }
  const rmsSpeech = Math.sqrt(s2 / Math.max(1, n));
  const noise = colouredNoise(x.length, deg.noise, rng);
  let e = 0;
  for (let i = 0; i < noise.length; i++) e += noise[i] * noise[i];
  const rmsNoise = rmsSpeech / 10 ** (deg.snrDb / 20);
  const g = rmsNoise / Math.sqrt(e / Math.max(1, noise.length) || 1);
  for (let i = 0; i < x.length; i++) x[i] += g * noise[i];
  return { rmsSpeech, rmsNoise };
}

/** White, pink (Paul Kellet's filter, -3 dB/oct) or brown (leaky integrator, -6 dB/oct) Gaussian noise. */
export function colouredNoise(n: number, kind: Degrade['noise'], rng: Rng): Float32Array {
  const y = new Float32Array(n);
  let b0 = 0, b1 = 0, b2 = 0, br = 0;
  for (let i = 0; i < n; i++) {
    const w = rng.normal();
    if (kind === 'white') y[i] = w;
    else if (kind === 'pink') {
      b0 = 0.99765 * b0 + w * 0.099046;
      b1 = 0.963 * b1 + w * 0.2965164;
      b2 = 0.57 * b2 + w * 1.0526913;
      y[i] = b0 + b1 + b2 + w * 0.1848;
    } else {
      br = 0.995 * br + w * 0.1;
      y[i] = br;
    }
  }
  return y;
}

export function setPeak(x: Float32Array, dbfs: number): number {
  let peak = 0;
  for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i]));
  const g = peak > 0 ? 10 ** (dbfs / 20) / peak : 1;
  for (let i = 0; i < x.length; i++) x[i] *= g;
  return g;
}

export function to16k(x: Float32Array, rate: number): Float32Array {
  return rate === RATE ? x : resample(x, rate, RATE);
}
