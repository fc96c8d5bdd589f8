import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resample } from '../../src/audio';

const sine = (n: number, f: number, rate: number) => Float32Array.from({ length: n }, (_, i) => Math.sin((2 * Math.PI * f * i) / rate));
const rms = (x: Float32Array, a = 0, b = x.length) => {
  let s = 0;
  for (let i = a; i < b; i++) s += x[i] * x[i];
  return Math.sqrt(s / (b - a));
};

test('passband is kept: 1 kHz at 32k, 22.05k and 44.1k resampled to 16k keeps its level and frequency', () => {
  for (const from of [32000, 22050, 44100, 8000]) {
    const n = from; // 1 s
    const y = resample(sine(n, 1000, from), from, 16000);
    assert.equal(y.length, Math.ceil((n * 16000) / from));
    const ref = sine(y.length, 1000, 16000);
    // Away from the edges (filter warm-up), the output is the 16 kHz sine itself.
    let err = 0;
    for (let i = 800; i < y.length - 800; i++) err = Math.max(err, Math.abs(y[i] - ref[i]));
    assert.ok(err < 2e-3, `${from}: max error ${err}`);
  }
});

test('anti-aliasing: a 11 kHz tone at 32 kHz (above the new Nyquist) is removed by >= 70 dB', () => {
  const y = resample(sine(32000, 11000, 32000), 32000, 16000);
  const level = 20 * Math.log10(rms(y, 800, y.length - 800) / Math.SQRT1_2);
  assert.ok(level < -70, `alias at ${level.toFixed(1)} dB`);
});

test('frequency response for 16 kHz output: flat to 7 kHz, stopband below -80 dB from 9 kHz', () => {
  const gain = (f: number) => {
    const y = resample(sine(32000, f, 32000), 32000, 16000);
    return 20 * Math.log10(rms(y, 1000, y.length - 1000) / Math.SQRT1_2);
  };
  assert.ok(gain(7000) > -0.5, `7 kHz at ${gain(7000).toFixed(2)} dB`);
  for (const f of [9000, 10000, 12000, 15000]) assert.ok(gain(f) < -80, `${f} Hz at ${gain(f).toFixed(1)} dB`);
});

test('same rate is a copy', () => {
  const x = sine(100, 440, 16000);
  const y = resample(x, 16000, 16000);
  assert.deepEqual(y, x);
  assert.notEqual(y, x);
});
