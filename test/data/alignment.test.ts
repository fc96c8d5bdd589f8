/**
 * Acoustic sanity of the built-in corpus's alignments (the check docs/data.md §2 reports): at a boundary between a
 * fricative and a vowel the zero-crossing rate jumps (fricatives cross zero far more often), so the
 * ZCR step measured across the boundary (20 ms each side, signed by direction) is largest when boundaries are
 * taken where the generator put them rather than shifted. Per engine, on the smoke corpus (tens of boundaries
 * per engine, so the measure is noisy): the step at the stated boundary must be at least 60% of the best step
 * over shifts of ±30 ms, and the best shift within ±20 ms. A gross error (a sign flip, a 50 ms offset, a wrong
 * sample rate) fails this; on the small corpus (>1000 boundaries per voice) the peaks sit within ±10 ms.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCorpus } from '../../data-scripts';
import { loadUtteranceAudio, openCorpus } from '../../src/data';

const FRIC = new Set(['s', 'z', 'sh', 'zh', 'f', 'th']);
const VOWEL = new Set(['aa', 'ae', 'ah', 'ao', 'aw', 'ay', 'eh', 'er', 'ey', 'ih', 'iy', 'ow', 'oy', 'uh', 'uw']);
const W = 320; // 20 ms at 16 kHz

function zcr(x: Float32Array, a: number, b: number): number {
  let z = 0;
  for (let i = Math.max(1, a); i < Math.min(x.length, b); i++) if (x[i] >= 0 !== x[i - 1] >= 0) z++;
  return z / Math.max(1, b - a);
}

test('fricative/vowel boundaries: the zero-crossing step peaks near the stated boundary, per engine', async () => {
  const { root } = await buildCorpus({ profile: 'smoke', quiet: true });
  const rows = openCorpus(root).filter((r) => !r.degrade);
  const shiftsMs = [-30, -20, -10, 0, 10, 20, 30];
  const engines = new Map<string, { sum: number[]; n: number }>();
  for (const r of rows) {
    const x = loadUtteranceAudio(r);
    const e = (r.voice as { engine: string }).engine;
    const acc = engines.get(e) ?? { sum: shiftsMs.map(() => 0), n: 0 };
    engines.set(e, acc);
    const segs = r.segments!;
    for (let i = 1; i < segs.length; i++) {
      const p = segs[i - 1].phone, q = segs[i].phone;
      const sign = FRIC.has(p) && VOWEL.has(q) ? 1 : VOWEL.has(p) && FRIC.has(q) ? -1 : 0;
      const b0 = Math.round(segs[i].start * 16000);
      if (!sign || b0 - W - 480 < 0 || b0 + W + 480 > x.length) continue;
      acc.n++;
      shiftsMs.forEach((ms, k) => {
        const b = b0 + ms * 16;
        acc.sum[k] += sign * (zcr(x, b - W, b) - zcr(x, b, b + W));
      });
    }
  }
  assert.ok(engines.size >= 3, `engines in smoke: ${[...engines.keys()]}`);
  for (const [e, { sum, n }] of engines) {
    assert.ok(n >= 10, `${e}: only ${n} fricative/vowel boundaries`);
    const c = sum.map((s) => s / n);
    const best = shiftsMs[c.indexOf(Math.max(...c))];
    const msg = `${e} (${n} boundaries): ${shiftsMs.map((s, i) => `${s}ms:${c[i].toFixed(3)}`).join(' ')}`;
    assert.ok(c[3] > 0.1, `no ZCR step at the boundary: ${msg}`);
    assert.ok(Math.abs(best) <= 20, `best shift ${best} ms: ${msg}`);
    assert.ok(c[3] >= 0.6 * Math.max(...c), `step at the boundary far below the best: ${msg}`);
  }
});
