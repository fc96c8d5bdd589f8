/**
 * `--skip-bad` leaves a trace in every stage's run directory: config.json holds the data source's description
 * and the problems it went past (count and each one), whether the source was built from the config (the CLI's
 * path, where `o.source` is not given) or passed in; events.jsonl's start line counts them too.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { encodeWav } from '../../src/audio';
import { presetConfig } from '../../src/train/config';
import { finetunePreset } from '../../src/finetune/config';
import { runFinetune } from '../../src/finetune/finetune';
import { train } from '../../src/train/loop';
import { runOfflineRelabel } from '../../src/tasks/offline-relabel';
import { ToyFeatureSource } from '../../src/train/feature-source';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-skipbad-'));
const tone = (n: number, f: number) => encodeWav(Float32Array.from({ length: n }, (_, i) => 0.2 * Math.sin(i / f) + 0.01 * Math.sin(i * 1.7)), 16000);

/** A LibriSpeech-layout chapter: 4 good utterances, one line with a Latin-1 byte, one line without audio, one audio without a line. */
function corpus(): string {
  const root = path.join(tmp, 'corpus');
  const dir = path.join(root, 'train-clean-100', '7001', '1');
  fs.mkdirSync(dir, { recursive: true });
  for (const [i, n] of ['0000', '0001', '0002', '0003', '0004', '0006'].entries()) fs.writeFileSync(path.join(dir, `7001-1-${n}.wav`), tone(8000, 5 + i));
  fs.writeFileSync(path.join(dir, '7001-1.trans.txt'), Buffer.concat([
    Buffer.from('7001-1-0000 THE FIRST LINE\n7001-1-0001 THE SECOND LINE\n7001-1-0002 THE THIRD\n7001-1-0003 AND A FOURTH\n'),
    Buffer.from('7001-1-0004 CAF'), Buffer.from([0xe9]), Buffer.from(' AU LAIT\n'),
    Buffer.from('7001-1-0005 A LINE WITHOUT AUDIO\n'),
  ]));
  return root;
}

const readConfig = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
const startEvent = (dir: string) => JSON.parse(fs.readFileSync(path.join(dir, 'events.jsonl'), 'utf8').split('\n')[0]);

let root = '';
const saved = process.env.BIRQ_SKIP_BAD;
before(() => {
  root = corpus();
  process.env.BIRQ_SKIP_BAD = '1'; // what --skip-bad sets
});
after(() => {
  if (saved === undefined) delete process.env.BIRQ_SKIP_BAD;
  else process.env.BIRQ_SKIP_BAD = saved;
  fs.rmSync(tmp, { recursive: true, force: true });
});

function pretrainConfig() {
  const c = presetConfig('smoke');
  Object.assign(c.data, { source: 'corpus', corpus: root, split: '', batchSize: 2, maxFrames: 40, probeSize: 2 });
  Object.assign(c.run, { steps: 1, logEvery: 1, checkpointEvery: 1, snapshotEvery: 0 });
  return c;
}

function assertSkipped(dir: string, rec: { source?: string; skipped: { count: number; problems: { file: string; line?: number; problem: string }[] } }) {
  assert.equal(rec.skipped.count, 3, JSON.stringify(rec.skipped));
  assert.equal(rec.skipped.problems.length, 3);
  assert.ok(rec.skipped.problems.some((p) => p.line === 5 && /not valid UTF-8/.test(p.problem)), JSON.stringify(rec.skipped.problems));
  assert.ok(rec.skipped.problems.some((p) => p.line === 6 && /7001-1-0005/.test(p.problem)));
  assert.ok(rec.skipped.problems.some((p) => p.file.endsWith('7001-1-0006.wav') && /audio without a transcript/.test(p.problem)));
  assert.equal(startEvent(dir).skipped, 3);
}

test('pretraining with the source built from the config: config.json names the source and the 3 skipped problems', async () => {
  const dir = path.join(tmp, 'pretrain');
  await train({ config: pretrainConfig(), runDir: dir, quiet: true });
  const rec = readConfig(dir);
  assert.match(rec.source, /^corpus .* split \(all\): 4 utterances, .*--skip-bad skipped 3 problem/);
  assertSkipped(dir, rec);
});

test('offline relabeling (a second stage built from the teacher\'s config) records its source and skips too', async () => {
  const dir = path.join(tmp, 'relabel');
  await runOfflineRelabel({ teacher: path.join(tmp, 'pretrain'), k: 2, layer: 1, fitSplit: '', runDir: dir, quiet: true, edit: (c) => ({ ...c, run: { ...c.run, steps: 1 } }) });
  const rec = readConfig(dir);
  assert.match(rec.source, /--skip-bad skipped 3 problem/);
  assertSkipped(dir, rec);
  assert.equal(rec.offlineRelabel.k, 2);
});

test('fine-tuning records its training source and skips; a passed-in clean source records 0', async () => {
  const dir = path.join(tmp, 'finetune');
  const c = finetunePreset('smoke');
  Object.assign(c.data, { corpus: root, split: '', devSplit: '', batchSize: 2 });
  c.freezeEncoderSteps = 0;
  Object.assign(c.run, { steps: 1, logEvery: 1, evalEvery: 1, checkpointEvery: 1 });
  await runFinetune(c, { runDir: dir, quiet: true });
  const rec = readConfig(dir);
  assert.match(rec.source, /4 labeled utterances.*--skip-bad skipped 3 problem/);
  assertSkipped(dir, rec);

  const toyDir = path.join(tmp, 'toy');
  const tc = pretrainConfig();
  tc.data.source = 'toy';
  await train({ config: tc, runDir: toyDir, quiet: true, source: new ToyFeatureSource({ seed: 1, batchSize: 2, frames: 40 }) });
  const toy = readConfig(toyDir);
  assert.match(toy.source, /^toy: /);
  assert.deepEqual(toy.skipped, { count: 0, problems: [], more: 0 });
});
