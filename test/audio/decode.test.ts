import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { decodeAudio, encodeWav, readAudio, readMono, toMono } from '../../src/audio';
import { BirqError } from '../../src/util/errors';

const FX = path.join(__dirname, '..', 'fixtures', 'audio');
const fx = (n: string) => path.join(FX, n);

function maxDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('WAV PCM 8/16/24/32 and float32 written by sox decode to the same signal within each depth', () => {
  const ref = readAudio(fx('float32.wav'));
  assert.equal(ref.encoding, 'float32');
  assert.equal(ref.sampleRate, 16000);
  assert.equal(ref.channels[0].length, 1600);
  for (const [f, enc, tol] of [['pcm8.wav', 'pcm8', 2 / 128], ['pcm16.wav', 'pcm16', 2 / 32768], ['pcm24.wav', 'pcm24', 1e-6], ['pcm32.wav', 'pcm32', 1e-7]] as const) {
    const a = readAudio(fx(f));
    assert.equal(a.encoding, enc, f);
    assert.equal(a.sampleRate, 16000, f);
    assert.ok(maxDiff(a.channels[0], ref.channels[0]) <= tol, `${f}: differs from float32 by more than ${tol}`);
  }
});

test('FLAC (sox, compression 0 / 5 / 8, 8/16/24-bit, stereo) decodes bit-exactly to the WAV of equal depth', () => {
  for (const [flac, wav] of [['pcm16-c0.flac', 'pcm16.wav'], ['pcm16-c8.flac', 'pcm16.wav'], ['pcm24.flac', 'pcm24.wav'], ['pcm8.flac', 'pcm8.wav'], ['stereo16.flac', 'stereo16.wav']]) {
    const a = readAudio(fx(flac));
    const b = readAudio(fx(wav));
    assert.equal(a.sampleRate, b.sampleRate);
    assert.equal(a.channels.length, b.channels.length, flac);
    for (let c = 0; c < a.channels.length; c++) assert.equal(maxDiff(a.channels[c], b.channels[c]), 0, `${flac} channel ${c}`);
  }
});

test('stereo mixes to the channel mean; non-16k input is resampled on readMono', () => {
  const st = readAudio(fx('stereo16.wav'));
  const m = toMono(st);
  for (let i = 0; i < m.length; i += 97) assert.ok(Math.abs(m[i] - (st.channels[0][i] + st.channels[1][i]) / 2) < 1e-7);
  const x = readMono(fx('pcm16-22k.wav'));
  assert.equal(x.length, Math.ceil((readAudio(fx('pcm16-22k.wav')).channels[0].length * 16000) / 22050));
});

test('encodeWav round-trips 16-bit and float32', () => {
  const x = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i / 7) * 0.9);
  const a = decodeAudio(encodeWav(x, 8000));
  assert.equal(a.sampleRate, 8000);
  assert.ok(maxDiff(a.channels[0], x) <= 0.5 / 32768 + 1e-9);
  const b = decodeAudio(encodeWav(x, 16000, 32));
  assert.equal(maxDiff(b.channels[0], x), 0);
});

function rejects(buf: Uint8Array, re: RegExp, name = 'bad.wav') {
  assert.throws(() => decodeAudio(buf, name), (e: unknown) => e instanceof BirqError && re.test(e.message) && e.message.startsWith(name), `expected ${re}`);
}

test('bad input is a BirqError naming the file and the problem', () => {
  const good = fs.readFileSync(fx('pcm16.wav'));
  rejects(good.subarray(0, good.length - 1001), /truncated/);
  rejects(new Uint8Array(0), /empty file/);
  rejects(Uint8Array.from({ length: 500 }, (_, i) => (i * 37) & 255), /unsupported or corrupt audio/);
  rejects(fs.readFileSync(fx('mulaw.wav')), /unsupported WAV encoding.*mu-law/);
  rejects(good.subarray(0, 30), /truncated fmt chunk|no data chunk/);
  const flac = fs.readFileSync(fx('pcm16-c8.flac'));
  rejects(flac.subarray(0, Math.floor(flac.length / 2)), /truncated/, 'x.flac');
  const corrupt = Uint8Array.from(flac);
  for (let i = 200; i < 260; i++) corrupt[i] = 0;
  assert.throws(() => decodeAudio(corrupt, 'c.flac'), BirqError);
  assert.throws(() => readAudio(fx('does-not-exist.wav')), /cannot read audio \(ENOENT\)/);
});
