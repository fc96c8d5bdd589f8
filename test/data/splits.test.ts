import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { encodeWav } from '../../src/audio';
import { openCorpus, scanCorpus } from '../../src/data';

const wav = encodeWav(new Float32Array(1600).fill(0.1), 16000);
function chapter(dir: string, spk: string, ch: string, n: number, text = 'HELLO'): void {
  const d = path.join(dir, spk, ch);
  fs.mkdirSync(d, { recursive: true });
  const ids = Array.from({ length: n }, (_, i) => `${spk}-${ch}-${String(i).padStart(4, '0')}`);
  for (const id of ids) fs.writeFileSync(path.join(d, `${id}.wav`), wav);
  fs.writeFileSync(path.join(d, `${spk}-${ch}.trans.txt`), ids.map((id) => `${id} ${text}`).join('\n') + '\n');
}

test('LibriSpeech splits come from folder names; a split folder alone is its own split; a fault elsewhere does not block a split', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-splits-'));
  chapter(path.join(root, 'LibriSpeech', 'train-clean-100'), '19', '198', 2);
  chapter(path.join(root, 'LibriSpeech', 'dev-clean'), '84', '121', 1);
  chapter(path.join(root, 'LibriSpeech', 'test-other'), '367', '130', 3);
  const ls = path.join(root, 'LibriSpeech');
  assert.deepEqual(openCorpus(ls, { split: 'test-other' }).map((r) => r.id), ['367-130-0000', '367-130-0001', '367-130-0002']);
  assert.equal(openCorpus(ls).length, 6);
  assert.equal(openCorpus(path.join(ls, 'dev-clean'))[0].split, 'dev-clean');
  assert.throws(() => openCorpus(ls, { split: 'test-clean' }), /no utterances in split 'test-clean' \(splits here: dev-clean, test-other, train-clean-100\)/);
  fs.appendFileSync(path.join(ls, 'test-other', '367', '130', '367-130.trans.txt'), '367-130-0099 NO AUDIO\n');
  assert.equal(openCorpus(ls, { split: 'train-clean-100' }).length, 2);
  assert.throws(() => openCorpus(ls, { split: 'test-other' }), /1 problem/);
});

test("Libri-light's librispeech_finetuning: 1h folds and 9h read as nested subsets train-10min ⊂ train-1h ⊂ train-10h", () => {
  const ft = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'birq-ll-')), 'librispeech_finetuning');
  chapter(path.join(ft, '1h', '0', 'clean'), '1', '10', 2);
  chapter(path.join(ft, '1h', '3', 'other'), '2', '20', 2);
  chapter(path.join(ft, '9h', 'clean'), '3', '30', 4);
  assert.equal(openCorpus(ft, { split: 'train-10min' }).length, 2);
  assert.equal(openCorpus(ft, { split: 'train-1h' }).length, 4);
  assert.equal(openCorpus(ft, { split: 'train-10h' }).length, 8);
  assert.equal(openCorpus(ft, { split: '9h/clean' }).length, 4);
  assert.ok(openCorpus(ft).every((r) => r.split === 'train-labeled'));
});

test('a Kaldi corpus is one data directory per split', () => {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-kaldi-splits-'));
  for (const [split, n] of [['train', 3], ['dev', 1]] as const) {
    const d = path.join(data, split);
    fs.mkdirSync(d);
    const ids = Array.from({ length: n }, (_, i) => `${split}${i}`);
    for (const id of ids) fs.writeFileSync(path.join(d, `${id}.wav`), wav);
    fs.writeFileSync(path.join(d, 'wav.scp'), ids.map((id) => `${id} ${path.join(d, id + '.wav')}`).join('\n') + '\n');
    fs.writeFileSync(path.join(d, 'text'), ids.map((id) => `${id} HI`).join('\n') + '\n');
  }
  assert.equal(scanCorpus(data).kind, 'kaldi');
  assert.equal(openCorpus(data).length, 4);
  assert.deepEqual(openCorpus(data, { split: 'dev' }).map((r) => r.id), ['dev0']);
});
