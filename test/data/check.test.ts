import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { encodeWav } from '../../src/audio';
import { run as dataCli } from '../../src/cli/data';
import { checkCorpus } from '../../src/data';

const tone = (n: number, f = 300) => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin((2 * Math.PI * f * i) / 16000));

/** A small clean LibriSpeech-layout corpus: 2 speakers × 1 chapter × 2 utterances. */
function cleanCorpus(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-check-'));
  for (const spk of ['19', '26']) {
    const dir = path.join(root, spk, '100');
    fs.mkdirSync(dir, { recursive: true });
    const lines: string[] = [];
    for (let i = 0; i < 2; i++) {
      const id = `${spk}-100-000${i}`;
      fs.writeFileSync(path.join(dir, `${id}.wav`), encodeWav(tone(8000 + 800 * i), 16000));
      lines.push(`${id} HELLO WORLD NUMBER ${i}`);
    }
    fs.writeFileSync(path.join(dir, `${spk}-100.trans.txt`), lines.join('\n') + '\n');
  }
  return root;
}

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((s: string) => { out += s; return true; }) as typeof process.stdout.write;
  try {
    return { code: await dataCli(args), out };
  } finally {
    process.stdout.write = write;
  }
}

test('a clean corpus passes `birq data check` with exit status 0', async () => {
  const root = cleanCorpus();
  const r = checkCorpus(root);
  assert.deepEqual(r.problems, []);
  assert.equal(r.utterances, 4);
  assert.equal(r.audioFiles, 4);
  const { code, out } = await cli(['check', root]);
  assert.equal(code, 0);
  assert.match(out, /no problems/);
});

test('every planted fault is reported, naming its file, and the check does not stop at the first', async () => {
  const root = cleanCorpus();
  const d19 = path.join(root, '19', '100');
  const d26 = path.join(root, '26', '100');
  // 1. truncated WAV (header says more data than the file holds)
  const full = fs.readFileSync(path.join(d19, '19-100-0000.wav'));
  fs.writeFileSync(path.join(d19, '19-100-0000.wav'), full.subarray(0, 3000));
  // 2. garbage bytes with a .wav name
  fs.writeFileSync(path.join(d19, '19-100-0001.wav'), Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 131 + 7) & 255)));
  // 3. empty file
  fs.writeFileSync(path.join(d26, '26-100-0000.wav'), Buffer.alloc(0));
  // 4. audio without a transcript, and a transcript without audio
  fs.writeFileSync(path.join(d26, '26-100-0007.wav'), encodeWav(tone(4000), 16000));
  fs.appendFileSync(path.join(d26, '26-100.trans.txt'), '26-100-0009 A LINE WITH NO AUDIO\n');
  // 5. bad UTF-8 in a transcript file
  const d33 = path.join(root, '33', '7');
  fs.mkdirSync(d33, { recursive: true });
  fs.writeFileSync(path.join(d33, '33-7-0000.wav'), encodeWav(tone(4000), 16000));
  fs.writeFileSync(path.join(d33, '33-7.trans.txt'), Buffer.concat([Buffer.from('33-7-0000 CAF'), Buffer.from([0xc3, 0x28]), Buffer.from(' AU LAIT\n')]));
  // 6. a sample-rate surprise and an empty-but-valid WAV
  fs.writeFileSync(path.join(d26, '26-100-0001.wav'), encodeWav(tone(4000), 8000));
  const d40 = path.join(root, '40', '1');
  fs.mkdirSync(d40, { recursive: true });
  fs.writeFileSync(path.join(d40, '40-1-0000.wav'), encodeWav(new Float32Array(0), 16000));
  fs.writeFileSync(path.join(d40, '40-1.trans.txt'), '40-1-0000 SILENCE\n');

  const r = checkCorpus(root);
  const has = (file: string, re: RegExp) =>
    assert.ok(r.problems.some((p) => p.file.endsWith(file) && re.test(p.problem)), `no problem matching ${re} for ${file}; got:\n${r.problems.map((p) => `${p.file}: ${p.problem}`).join('\n')}`);
  has('19-100-0000.wav', /truncated/);
  has('19-100-0001.wav', /unsupported or corrupt audio/);
  has('26-100-0000.wav', /empty file/);
  has('26-100-0007.wav', /audio without a transcript/);
  has('26-100.trans.txt', /26-100-0009 has no audio/);
  has('33-7.trans.txt', /not valid UTF-8/);
  has('26-100-0001.wav', /sample rate 8000 Hz, expected 16000/);
  has('40-1-0000.wav', /empty audio \(0 samples\)/);
  // Eight planted faults, eight problems: one each, none twice, nothing invented about the clean files.
  assert.equal(r.problems.length, 8, r.problems.map((p) => `${p.file}: ${p.problem}`).join('\n'));
  assert.equal(new Set(r.problems.map((p) => p.file)).size, 8, 'each planted fault is reported once, in its own file');
  const { code, out } = await cli(['check', root]);
  assert.equal(code, 1);
  assert.match(out, /: 8 problem\(s\)\n$/);
  for (const p of r.problems) assert.equal(out.split(`${p.file}: ${p.problem}\n`).length, 2, `CLI prints "${p.problem}" once`);
  for (const f of ['19-100-0000.wav', '19-100-0001.wav', '26-100-0000.wav', '33-7.trans.txt']) assert.ok(out.includes(f), `CLI output names ${f}`);
});

test('Kaldi data dir: missing recordings and transcripts for unknown utterances are reported', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-kaldi-check-'));
  fs.writeFileSync(path.join(root, 'a.wav'), encodeWav(tone(16000), 16000));
  fs.writeFileSync(path.join(root, 'wav.scp'), `recA ${path.join(root, 'a.wav')}\nrecB ${path.join(root, 'missing.wav')}\n`);
  fs.writeFileSync(path.join(root, 'text'), 'recA HELLO\nrecC ORPHAN\n');
  let r = checkCorpus(root);
  assert.equal(r.kind, 'kaldi');
  assert.ok(r.problems.some((p) => /recB: audio file not found/.test(p.problem)));
  assert.ok(r.problems.some((p) => /recB has no transcript/.test(p.problem)));
  assert.ok(r.problems.some((p) => /transcript for recC, which has no audio/.test(p.problem)));
  fs.writeFileSync(path.join(root, 'wav.scp'), `recA ${path.join(root, 'a.wav')}\n`);
  fs.writeFileSync(path.join(root, 'segments'), 'u1 recA 0.0 0.5\nu2 recA 0.5 1.8\nu3 recZ 0 1\n');
  fs.writeFileSync(path.join(root, 'text'), 'u1 A\nu2 B\nu3 C\n');
  r = checkCorpus(root);
  assert.ok(r.problems.some((p) => /segment u2 ends at 1.8s, past recording recA's 1.00s/.test(p.problem)));
  assert.ok(r.problems.some((p) => /segment u3 refers to recording recZ/.test(p.problem)));
  assert.ok(!r.problems.some((p) => /u1/.test(p.problem)));
});

test('`birq data stats` prints one row per split of the built-in smoke corpus; `check` passes it', async () => {
  const { buildCorpus } = await import('../../data-scripts');
  const { root } = await buildCorpus({ profile: 'smoke', quiet: true });
  const { code, out } = await cli(['stats', root, '--json']);
  assert.equal(code, 0);
  const rows = out.trim().split('\n').map((l) => JSON.parse(l) as { split: string; utterances: number; speakers: number });
  for (const s of ['pretrain', 'train-labeled', 'dev', 'test-clean', 'test-other']) assert.ok(rows.some((r) => r.split === s && r.utterances > 0), s);
  const chk = await cli(['check', root]);
  assert.equal(chk.code, 0, chk.out);
});
