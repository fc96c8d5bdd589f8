/**
 * SpecAugment (objectives/spec-augment.ts): bands and spans where the definition puts them, padding untouched,
 * the input unchanged, deterministic per Rng seed, and off when no masks are asked for.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { NO_SPEC_AUGMENT, specAugment, specAugmentActive } from '../../src/objectives/spec-augment';
import { Rng } from '../../src/util/rng';

const B = 3, T = 200, F = 80;
const lengths = [200, 120, 7];
const feats = Float32Array.from({ length: B * T * F }, (_, i) => 1 + (i % 13)); // no zeros: a 0 is a mask
const at = (x: Float32Array, b: number, t: number, f: number) => x[(b * T + t) * F + f];

test('specAugment: whole mel bands over the valid frames and whole frames in time; padding and the input untouched', () => {
  const o = { freqMasks: 2, freqWidth: 27, timeMasks: 10, timeWidth: 0.05 };
  const input = feats.slice();
  const out = specAugment(feats, [B, T, F], lengths, o, new Rng(7));
  assert.deepEqual(feats, input, 'the input is not changed');
  for (let b = 0; b < B; b++) {
    const n = lengths[b];
    for (let t = n; t < T; t++) for (let f = 0; f < F; f++) assert.equal(at(out, b, t, f), at(feats, b, t, f), `padding b${b} t${t}`);
    // A frame is time-masked iff every bin is 0; a bin is frequency-masked iff it is 0 on every valid frame.
    const timeMasked = Array.from({ length: n }, (_, t) => Array.from({ length: F }, (_, f) => at(out, b, t, f)).every((v) => v === 0));
    const bandMasked = Array.from({ length: F }, (_, f) => Array.from({ length: n }, (_, t) => at(out, b, t, f)).every((v) => v === 0));
    for (let t = 0; t < n; t++) for (let f = 0; f < F; f++) {
      const z = at(out, b, t, f) === 0;
      assert.equal(z, timeMasked[t] || bandMasked[f], `b${b} t${t} f${f}: zero only inside a band or a span`);
    }
    // At most 2 bands of ≤ 27 bins, 10 spans of ≤ 5 % of n frames.
    assert.ok(bandMasked.filter(Boolean).length <= 2 * 27);
    assert.ok(timeMasked.filter(Boolean).length <= 10 * Math.floor(0.05 * n), `b${b}: ${timeMasked.filter(Boolean).length} frames masked`);
  }
  assert.ok(out.subarray(0, T * F).filter((v) => v === 0).length > 0.05 * T * F, 'the 200-frame utterance has a real share masked');
  assert.deepEqual(specAugment(feats, [B, T, F], lengths, o, new Rng(7)), out, 'same Rng seed, same masks');
  assert.notDeepEqual(specAugment(feats, [B, T, F], lengths, o, new Rng(8)), out);
});

test('specAugment: the widths drawn cover 0 … max; off when no masks are asked for; bad shapes refused', () => {
  // One band of width ≤ 4 on a 1-frame batch, many draws: every width 0..4 appears, none wider.
  const seen = new Set<number>();
  const one = new Float32Array(F).fill(1);
  for (let s = 0; s < 400; s++) seen.add(specAugment(one, [1, 1, F], [1], { freqMasks: 1, freqWidth: 4, timeMasks: 0, timeWidth: 0 }, new Rng(s)).filter((v) => v === 0).length);
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
  assert.equal(specAugmentActive(NO_SPEC_AUGMENT), false);
  assert.equal(specAugmentActive(undefined), false);
  assert.equal(specAugmentActive({ ...NO_SPEC_AUGMENT, timeMasks: 10 }), false, 'spans of width 0 mask nothing');
  assert.equal(specAugmentActive({ ...NO_SPEC_AUGMENT, timeMasks: 10, timeWidth: 0.05 }), true);
  assert.deepEqual(specAugment(feats, [B, T, F], lengths, NO_SPEC_AUGMENT, new Rng(1)), feats);
  assert.throws(() => specAugment(feats, [B, T, F + 1], lengths, NO_SPEC_AUGMENT, new Rng(1)), /values for shape/);
  assert.throws(() => specAugment(feats, [B, T, F], [1, 2], NO_SPEC_AUGMENT, new Rng(1)), /2 lengths for 3 utterances/);
});
