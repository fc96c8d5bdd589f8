import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { Features, GlobalStats, NormStats, perUtteranceNormalize, stackFrames } from '../../src/features';

const feats = (frames: number, bins: number, f: (t: number, b: number) => number): Features => {
  const data = new Float32Array(frames * bins);
  for (let t = 0; t < frames; t++) for (let b = 0; b < bins; b++) data[t * bins + b] = f(t, b);
  return { data, frames, bins };
};

test('per-utterance CMVN gives zero mean and unit variance per bin; constant bins stay finite', () => {
  const f = feats(50, 3, (t, b) => (b === 2 ? 7 : Math.sin(t * (b + 1)) * (b + 2) + b * 10));
  const g = perUtteranceNormalize(f);
  for (let b = 0; b < 2; b++) {
    let s = 0, s2 = 0;
    for (let t = 0; t < 50; t++) { s += g.data[t * 3 + b]; s2 += g.data[t * 3 + b] ** 2; }
    assert.ok(Math.abs(s / 50) < 1e-5);
    assert.ok(Math.abs(s2 / 50 - 1) < 1e-4);
  }
  for (let t = 0; t < 50; t++) assert.equal(g.data[t * 3 + 2], 0);
});

test('global stats over several utterances equal stats of their concatenation, and survive save/load', () => {
  const a = feats(30, 4, (t, b) => t * 0.1 + b);
  const b = feats(20, 4, (t, bb) => Math.cos(t) - bb);
  const st = new GlobalStats(4);
  st.add(a);
  st.add(b);
  const s = st.finalize();
  const all = feats(50, 4, (t, bb) => (t < 30 ? t * 0.1 + bb : Math.cos(t - 30) - bb));
  const one = new GlobalStats(4);
  one.add(all);
  const r = one.finalize();
  for (let k = 0; k < 4; k++) {
    assert.ok(Math.abs(s.mean[k] - r.mean[k]) < 1e-9);
    assert.ok(Math.abs(s.std[k] - r.std[k]) < 1e-9);
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'birq-cmvn-')), 'cmvn.json');
  s.save(file);
  const l = NormStats.load(file);
  assert.deepEqual(l.mean, s.mean);
  assert.equal(l.frames, 50);
  fs.writeFileSync(file, '{"kind":"other"}');
  assert.throws(() => NormStats.load(file), /not a normalization statistics file/);
});

test('stackFrames concatenates s consecutive frames; drop vs pad tail', () => {
  const f = feats(7, 2, (t, b) => t * 10 + b);
  const s = stackFrames(f, 3);
  assert.equal(s.frames, 2);
  assert.equal(s.bins, 6);
  assert.deepEqual(Array.from(s.data.subarray(6, 12)), [30, 31, 40, 41, 50, 51]);
  const p = stackFrames(f, 3, 'pad');
  assert.equal(p.frames, 3);
  assert.deepEqual(Array.from(p.data.subarray(12, 18)), [60, 61, 0, 0, 0, 0]);
  assert.throws(() => stackFrames(f, 0), /positive integer/);
});
