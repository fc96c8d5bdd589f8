import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { encodeWav } from '../../src/audio';
import { loadUtteranceAudio, openCorpus, readKaldiDir, readLibriSpeech } from '../../src/data';
import { BirqError } from '../../src/util/errors';

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));
const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => ((i % 200) - 100) / 400);

test('LibriSpeech layout: flac and wav, nested split folders, transcripts joined by id', () => {
  const root = tmp('birq-ls-');
  const dir = path.join(root, 'test-clean', '1089', '134686');
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(__dirname, '..', 'fixtures', 'audio', 'pcm16-c8.flac'), path.join(dir, '1089-134686-0000.flac'));
  fs.writeFileSync(path.join(dir, '1089-134686-0001.wav'), encodeWav(ramp(3200), 16000));
  fs.writeFileSync(path.join(dir, '1089-134686.trans.txt'), '1089-134686-0000 HE HOPED THERE WOULD BE STEW\n1089-134686-0001 STUFF IT INTO YOU\n');
  const rows = readLibriSpeech(root);
  assert.equal(rows.length, 2);
  assert.equal(rows[0].speaker, '1089');
  assert.equal(rows[0].chapter, '134686');
  assert.equal(rows[1].text, 'STUFF IT INTO YOU');
  assert.equal(loadUtteranceAudio(rows[0]).length, 1600);
  assert.equal(loadUtteranceAudio(rows[1]).length, 3200);
  assert.equal(openCorpus(path.join(root, 'test-clean')).length, 2);
  fs.appendFileSync(path.join(dir, '1089-134686.trans.txt'), '1089-134686-0002 NO AUDIO\n');
  assert.throws(() => readLibriSpeech(root), (e: unknown) => e instanceof BirqError && /1089-134686-0002 has no audio/.test(e.message) && e.message.includes('trans.txt'));
});

test('Kaldi data dir with segments, text and utt2spk; segments cut the recording', () => {
  const root = tmp('birq-kaldi-');
  fs.writeFileSync(path.join(root, 'rec1.wav'), encodeWav(ramp(32000), 16000));
  fs.writeFileSync(path.join(root, 'wav.scp'), 'rec1 rec1.wav\n');
  fs.writeFileSync(path.join(root, 'segments'), 'spkA-rec1-0000 rec1 0.00 0.50\nspkA-rec1-0001 rec1 0.75 1.90\n');
  fs.writeFileSync(path.join(root, 'text'), 'spkA-rec1-0000 GOOD MORNING\nspkA-rec1-0001 GOOD NIGHT\n');
  fs.writeFileSync(path.join(root, 'utt2spk'), 'spkA-rec1-0000 spkA\nspkA-rec1-0001 spkA\n');
  const rows = readKaldiDir(root);
  assert.equal(rows.length, 2);
  assert.equal(rows[1].speaker, 'spkA');
  assert.equal(rows[1].text, 'GOOD NIGHT');
  const x = loadUtteranceAudio(rows[1]);
  assert.equal(x.length, Math.round(1.9 * 16000) - Math.round(0.75 * 16000));
  const full = ramp(32000);
  assert.ok(Math.abs(x[0] - full[12000]) < 1e-4);
  assert.equal(openCorpus(root).length, 2);
  fs.writeFileSync(path.join(root, 'segments'), 'u rec9 0 1\n');
  assert.throws(() => readKaldiDir(root), /refers to recording rec9, which wav.scp lacks/);
  fs.writeFileSync(path.join(root, 'wav.scp'), 'rec1 sox rec1.wav -t wav - |\n');
  fs.rmSync(path.join(root, 'segments'));
  assert.throws(() => readKaldiDir(root), /piped wav.scp commands are not supported/);
});

test('JSONL manifest: relative paths resolve against the manifest, split filter includes nested subsets', () => {
  const root = tmp('birq-man-');
  fs.writeFileSync(path.join(root, 'a.wav'), encodeWav(ramp(1600), 16000));
  const rows = [
    { id: 'a', audio: 'a.wav', text: 'A', split: 'train-10h', subsets: ['train-1h'] },
    { id: 'b', audio: 'a.wav', text: 'B', split: 'train-10h', subsets: [] },
  ];
  fs.writeFileSync(path.join(root, 'manifest.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  assert.equal(openCorpus(root).length, 2);
  const sub = openCorpus(root, { split: 'train-1h' });
  assert.deepEqual(sub.map((r) => r.id), ['a']);
  assert.equal(sub[0].audio, path.join(root, 'a.wav'));
  assert.throws(() => openCorpus(root, { split: 'dev' }), /no utterances in split 'dev'/);
  fs.writeFileSync(path.join(root, 'manifest.jsonl'), '{"id":"x"}\n{"id":"y","audio":"a.wav"}\n');
  assert.throws(() => openCorpus(root), /line 1: a manifest entry needs string fields "id" and "audio"/);
  assert.throws(() => openCorpus(path.join(root, 'nope')), /corpus not found/);
});
