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

test('sox pitch shifting does not move the content in time (its WSOLA delay is measured and undone)', async () => {
  const { soxEffects } = await import('../../data-scripts/effects');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const sr = 16000;
  const starts = [0.3, 0.8, 1.3, 1.8, 2.3];
  const x = new Float32Array(sr * 3);
  for (const s of starts) for (let i = 0; i < 0.1 * sr; i++) x[Math.round(s * sr) + i] = 0.5 * Math.sin((2 * Math.PI * 200 * i) / sr);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-pitch-'));
  for (const cents of [-300, -150, 150, 300]) {
    const sp = { id: 1, base: { engine: 'flite', name: 'kal16', gender: 'M', rate: sr, pitchBy: 'sox', stretch: true }, pool: 'train', stretch: 1, f0Shift: 1, pitchCents: cents } as const;
    const y = soxEffects(x, sr, sp as never, null, tmp, 't');
    assert.equal(y.length, x.length);
    for (const s of starts) {
      const i0 = Math.round((s - 0.05) * sr);
      let peak = 0;
      for (let i = i0; i < i0 + 0.2 * sr; i++) peak = Math.max(peak, Math.abs(y[i]));
      let k = i0;
      while (Math.abs(y[k]) < 0.1 * peak) k++;
      const errMs = (k / sr - s) * 1000;
      assert.ok(Math.abs(errMs) <= 6, `${cents} cents: burst at ${s}s starts ${errMs.toFixed(1)} ms off`);
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
});
