/**
 * The label pipeline keeps labels and phones on the same 40 ms frames. A planted corpus makes the phone audible:
 * each phone is a pure tone of its own pitch, on segment boundaries at multiples of 40 ms. A planted stream reads
 * the tone back from each encoder frame's features (loudest mel bin), so it is a function of the phone exactly
 * when labels and phones are aligned: PNMI = 1. A one-frame shift anywhere between the features, the stream's
 * frames and the phone alignment mislabels every segment's first or last frame and drops PNMI well below 1.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { encodeWav } from '../../src/audio/wav';
import { labelQuality } from '../../src/metrics/label-quality';
import { PretrainedRun, splitLabels } from '../../src/evaluate/label-streams';
import type { FeatureBatch } from '../../src/train/feature-source';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-tones-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SR = 16000;
// Phone -> tone (Hz), far apart on the mel scale.
const TONES: Record<string, number> = { sil: 0, aa: 300, b: 700, s: 1500, m: 2800, iy: 4500 };

function plantCorpus(): string {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const rows = [];
  for (let u = 0; u < 5; u++) {
    const segments: { phone: string; start: number; end: number }[] = [];
    let t40 = 0; // in 40 ms frames
    const names = Object.keys(TONES);
    for (let s = 0; s < 12; s++) {
      const len = 2 + Math.floor(rand() * 4); // 80..200 ms
      const phone = s === 0 ? 'sil' : names[1 + ((s + u) % (names.length - 1))];
      segments.push({ phone, start: (t40 * 40) / 1000, end: ((t40 + len) * 40) / 1000 });
      t40 += len;
    }
    const audio = new Float32Array((t40 * 40 * SR) / 1000);
    for (const g of segments) {
      const f = TONES[g.phone];
      for (let i = Math.round(g.start * SR); i < Math.round(g.end * SR); i++) audio[i] = f ? 0.3 * Math.sin((2 * Math.PI * f * i) / SR) : 1e-3 * (rand() - 0.5);
    }
    const id = `9-9-${String(u).padStart(4, '0')}`;
    fs.writeFileSync(path.join(tmp, `${id}.wav`), encodeWav(audio, SR));
    rows.push({ id, audio: `${id}.wav`, text: 'A', speaker: '9', split: 'dev', sampleRate: SR, numSamples: audio.length, duration: audio.length / SR, segments });
  }
  fs.writeFileSync(path.join(tmp, 'manifest.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return tmp;
}

/** A stand-in run whose one stream is the loudest mel bin of each encoder frame (4 stacked 10 ms frames). */
function toneReader(): PretrainedRun {
  const snapshot = (b: FeatureBatch) => {
    const [B, Tin, F] = b.shape;
    const T = Math.floor(Tin / 4);
    const out = new Int32Array(B * T);
    for (let i = 0; i < B; i++) {
      for (let t = 0; t < T; t++) {
        const mean = new Float64Array(F);
        for (let j = 4 * t; j < 4 * t + 4; j++) for (let f = 0; f < F; f++) mean[f] += b.feats[(i * Tin + j) * F + f];
        out[i * T + t] = mean.indexOf(Math.max(...mean));
      }
    }
    return { streams: { tone: out }, shape: [B, T] as [number, number], lengths: b.lengths.map((n) => Math.floor(n / 4)), ids: b.ids };
  };
  return { task: { snapshot }, config: { encoder: { dim: 1 } }, file: '', step: 0 } as unknown as PretrainedRun;
}

test('a planted stream that hears the phone has PNMI = 1 against the phone alignment (no frame shift)', () => {
  const l = splitLabels(toneReader(), plantCorpus(), 'dev', { batchSize: 2 });
  assert.equal(l.ids.length, 5);
  const n = l.frames.reduce((a, b) => a + b, 0);
  assert.equal(l.phones.length, n);
  assert.ok(new Set(l.phones).size === Object.keys(TONES).length, 'every planted phone is seen');
  const q = labelQuality(l.phones, l.streams.tone);
  assert.ok(Math.abs(q.pnmi - 1) < 1e-9, `PNMI ${q.pnmi} (phone purity ${q.phonePurity})`);
  assert.equal(q.phonePurity, 1);
  // The test can see a shift: the same stream one frame later against the same phones is far from 1.
  const shifted = labelQuality(l.phones.slice(1), l.streams.tone.slice(0, -1));
  assert.ok(shifted.pnmi < 0.9, `shifted PNMI ${shifted.pnmi}`);
});
