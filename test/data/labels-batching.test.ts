import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameLabels, makeBatches, padBatch, PHONE_SET, phoneId, phoneString, Segment } from '../../src/data';

const segs: Segment[] = [
  { phone: 'sil', start: 0, end: 0.1 },
  { phone: 'hh', start: 0.1, end: 0.145 },
  { phone: 'ah', start: 0.145, end: 0.3 },
  { phone: 'sil', start: 0.3, end: 0.35 },
];

test('phone set is sil + CMU-39', () => {
  assert.equal(PHONE_SET.length, 40);
  assert.equal(PHONE_SET[0], 'sil');
  assert.equal(phoneId('zh'), 39);
  assert.equal(phoneString(segs), 'hh ah');
});

test('frame labels by frame centre at 10 ms, sil past the end', () => {
  const l = Array.from(frameLabels(segs, 40, 0.01));
  const id = (p: string) => phoneId(p);
  assert.deepEqual(l.slice(9, 16), [id('sil'), id('hh'), id('hh'), id('hh'), id('hh'), id('hh'), id('ah')]);
  assert.equal(l[29], id('ah'));
  assert.equal(l[30], id('sil'));
  assert.equal(l[39], 0);
});

test('majority labels at 40 ms pick the phone covering most of each window', () => {
  const l = Array.from(frameLabels(segs, 9, 0.04, 'majority'));
  // window of frame 3: [0.10, 0.14): all hh; frame 4: [0.14, 0.18): mostly ah
  assert.equal(l[3], phoneId('hh'));
  assert.equal(l[4], phoneId('ah'));
  assert.equal(l[8], phoneId('sil'));
});

test('bucketed batches: every index once, deterministic by seed and epoch, frame budget respected', () => {
  const lengths = Array.from({ length: 103 }, (_, i) => 50 + ((i * 37) % 400));
  const a = makeBatches(lengths, { batchSize: 8, maxFrames: 1600, seed: 3 });
  const b = makeBatches(lengths, { batchSize: 8, maxFrames: 1600, seed: 3 });
  const c = makeBatches(lengths, { batchSize: 8, maxFrames: 1600, seed: 3, epoch: 1 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.deepEqual(a.flat().sort((x, y) => x - y), lengths.map((_, i) => i));
  for (const batch of a) {
    assert.ok(batch.length <= 8);
    const tMax = Math.max(...batch.map((i) => lengths[i]));
    assert.ok(batch.length === 1 || tMax * batch.length <= 1600, `batch of ${batch.length} × ${tMax}`);
  }
  // Bucketing keeps padding low compared with random batches.
  const waste = (bs: number[][]) => bs.reduce((w, bt) => w + Math.max(...bt.map((i) => lengths[i])) * bt.length - bt.reduce((s, i) => s + lengths[i], 0), 0);
  const random = Array.from({ length: Math.ceil(103 / 8) }, (_, k) => Array.from({ length: 8 }, (_, j) => k * 8 + j).filter((i) => i < 103));
  assert.ok(waste(a) < waste(random) / 2);
});

test('padBatch: [B, T, F] zeros past each length, mask marks real frames, padTo rounds T up', () => {
  const f = (frames: number, v: number) => ({ data: new Float32Array(frames * 2).fill(v), frames, bins: 2 });
  const p = padBatch([f(3, 1), f(5, 2)], 4);
  assert.equal(p.frames, 8);
  assert.deepEqual(p.lengths, [3, 5]);
  assert.deepEqual(Array.from(p.mask), [1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0]);
  assert.equal(p.data[2 * 2 + 1], 1);
  assert.equal(p.data[3 * 2], 0);
  assert.equal(p.data[8 * 2 + 4 * 2 + 1], 2);
  assert.throws(() => padBatch([f(2, 0), { data: new Float32Array(3), frames: 1, bins: 3 }]), /bins/);
});
