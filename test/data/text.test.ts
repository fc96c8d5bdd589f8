import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mapRadioPhone } from '../../data-scripts/phones';
import { makeSentence, normalizeTranscript, paragraphs, sentences } from '../../data-scripts/text';
import { toSegments } from '../../data-scripts/effects';
import { requireTools } from '../../data-scripts/tools';

test('LibriSpeech normalization: upper case, inner apostrophes kept, punctuation and hyphens to spaces', () => {
  assert.equal(normalizeTranscript("'Tis her mother-in-law's -- house; \"quite\" so!"), "TIS HER MOTHER IN LAW'S HOUSE QUITE SO");
});

test('sentence splitting expands titles before splitting and skips headings', () => {
  const p = paragraphs(['CHAPTER 1', '', 'Mrs. Dashwood came.  Mr. John', 'Dashwood did not.', '', 'VOLUME II', '']);
  assert.equal(p.length, 1);
  assert.deepEqual(sentences(p[0]), ['Missus Dashwood came.', 'Mister John Dashwood did not.']);
});

test('sentences with digits or odd symbols are skipped; shouted words are lower-cased for the synthesizer', () => {
  assert.equal(makeSentence('In 1811 she left.'), null);
  assert.equal(makeSentence('Pounds & shillings.'), null);
  const s = makeSentence('But in HER mind -- there was "a sense".')!;
  assert.equal(s.speak, 'But in her mind , there was a sense.');
  assert.equal(s.transcript, 'BUT IN HER MIND THERE WAS A SENSE');
  assert.equal(s.words, 8);
});

test('engine phones map to CMU-39 + sil; segments tile the waveform, trailing audio becomes sil', () => {
  assert.equal(mapRadioPhone('pau', 'x'), 'sil');
  assert.equal(mapRadioPhone('ax', 'x'), 'ah');
  assert.equal(mapRadioPhone('axr', 'x'), 'er');
  assert.throws(() => mapRadioPhone('qq', 'utt1'), /utt1: phone 'qq' has no CMU-39 mapping/);
  const s = toSegments([{ phone: 'pau', end: 0.1 }, { phone: 'hh', end: 0.2 }, { phone: 'ax', end: 0.3 }, { phone: 'pau', end: 0.35 }], 0.5, 'u');
  assert.deepEqual(s, [
    { phone: 'sil', start: 0, end: 0.1 }, { phone: 'hh', start: 0.1, end: 0.2 }, { phone: 'ah', start: 0.2, end: 0.3 }, { phone: 'sil', start: 0.3, end: 0.5 },
  ]);
  const clipped = toSegments([{ phone: 'pau', end: 0.1 }, { phone: 'hh', end: 0.9 }], 0.5, 'u');
  assert.equal(clipped[clipped.length - 1].end, 0.5);
});

test('a missing system tool is a clear error naming the Debian package', () => {
  assert.throws(() => requireTools(['sh', 'birq-no-such-tool']), /missing system tool birq-no-such-tool: install with `sudo apt-get install -y --no-install-recommends birq-no-such-tool`/);
  const path0 = process.env.PATH;
  process.env.PATH = '/nonexistent';
  try {
    assert.throws(() => requireTools(['flite', 'sox']), /flite, sox: install with .*apt-get install.* flite sox libsox-fmt-all/);
  } finally {
    process.env.PATH = path0;
  }
});

test('sox pitch shifting keeps phone boundaries in place (its delay is calibrated and undone)', async () => {
  const { soxEffects } = await import('../../data-scripts/effects');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const sr = 16000;
  // Harmonic bursts (vowel-like) with known onsets and offsets.
  const bursts = [0.3, 0.6, 0.95, 1.3, 1.7, 2.05, 2.4].map((s, k) => ({ s, e: s + 0.08 + 0.02 * (k % 3), f0: 110 + 20 * k }));
  const x = new Float32Array(sr * 3);
  for (const b of bursts)
    for (let i = Math.round(b.s * sr); i < Math.round(b.e * sr); i++)
      for (let h = 1; h < 10; h++) x[i] += (0.3 / h) * Math.sin((2 * Math.PI * b.f0 * h * i) / sr);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-pitch-'));
  const env = (y: Float32Array) => {
    const w = 32;
    const e = new Float32Array(y.length);
    let acc = 0;
    for (let i = 0; i < y.length; i++) { acc += Math.abs(y[i]) - (i >= w ? Math.abs(y[i - w]) : 0); e[i] = acc / w; }
    return e;
  };
  for (const cents of [-300, -150, 150, 300]) {
    const sp = { id: 1, base: { engine: 'flite', name: 'kal16', gender: 'M', rate: sr, pitchBy: 'sox', stretch: true }, pool: 'train', stretch: 1, f0Shift: 1, pitchCents: cents } as const;
    const y = soxEffects(x, sr, sp as never, null, tmp, 't');
    assert.equal(y.length, x.length);
    const e = env(y);
    const errs: number[] = [];
    for (const b of bursts) {
      const a = Math.round((b.s - 0.04) * sr), z = Math.round((b.e + 0.04) * sr);
      let peak = 0;
      for (let i = a; i < z; i++) peak = Math.max(peak, e[i]);
      let on = a, off = z;
      while (e[on] < 0.2 * peak) on++;
      while (e[off] < 0.2 * peak) off--;
      // The 2 ms envelope window delays the onset and advances the offset by ~1 ms: the mean cancels it.
      errs.push(((on / sr - b.s) + (off / sr - b.e)) * 500);
    }
    errs.sort((p, q) => p - q);
    const median = errs[Math.floor(errs.length / 2)];
    assert.ok(Math.abs(median) <= 5, `${cents} cents: boundaries moved by ${median.toFixed(1)} ms (median of ${errs.map((v) => v.toFixed(1)).join(' ')})`);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});
