/**
 * Real recordings (Debian's pocketsphinx-testdata, 10 utterances in LibriSpeech layout: splits test-real and
 * train-real) through every stage at smoke size, addressed as a user would: `--corpus DIR` with no split means
 * all of it. Phones come from the CMU dictionary (festlex-cmu), so phone fine-tuning and PER work without
 * alignments; label statistics against phone alignments are named as unavailable.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { run as evalCli } from '../../src/cli/eval';
import { run as finetuneCli } from '../../src/cli/finetune';
import { run as labelsCli } from '../../src/cli/labels';
import { checkCorpus, openCorpus, realSpeechCorpus } from '../../src/data';
import { applyOverride, presetConfig, train } from '../../src/train';

async function quietly(f: () => Promise<number>): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((s: string) => { out += s; return true; }) as typeof process.stdout.write;
  try { return { code: await f(), out }; } finally { process.stdout.write = write; }
}

test('real speech in LibriSpeech layout: check, pretrain, fine-tune, eval (WER and PER) on all of it; labels say why not', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-real-'));
  const dir = realSpeechCorpus(path.join(tmp, 'corpus'));
  const chk = checkCorpus(dir);
  assert.deepEqual(chk.problems, []);
  assert.equal(chk.utterances, 10);
  const rows = openCorpus(dir);
  assert.deepEqual([...new Set(rows.map((r) => r.split))].sort(), ['test-real', 'train-real']);
  assert.ok(rows.every((r) => r.phonesFrom === 'lexicon' && r.phones!.split(' ').length > 5));

  let c = presetConfig('smoke');
  for (const s of [`data.corpus=${dir}`, 'data.split=', 'run.steps=2', 'run.checkpointEvery=2', 'run.logEvery=1']) c = applyOverride(c, s);
  const pre = await train({ config: c, runDir: path.join(tmp, 'pre'), quiet: true });
  assert.equal(pre.lastStep, 2);
  assert.ok(fs.existsSync(pre.checkpoint!));

  for (const vocab of ['chars', 'phones']) {
    const ft = await quietly(() => finetuneCli(['--from', path.join(tmp, 'pre'), '--corpus', dir, '--vocab', vocab, '--set', 'run.steps=2', '--set', 'freezeEncoderSteps=0', '--run-dir', path.join(tmp, `ft-${vocab}`), '--quiet', '--json']));
    assert.equal(ft.code, 0, ft.out);
    const ev = await quietly(() => evalCli(['--checkpoint', path.join(tmp, `ft-${vocab}`), '--corpus', dir, '--json', '--quiet']));
    assert.equal(ev.code, 0);
    const r = JSON.parse(ev.out.trim().split('\n').pop()!) as { utterances: number; wer?: { rate: number }; per?: { rate: number } };
    assert.equal(r.utterances, 10);
    assert.ok(vocab === 'chars' ? Number.isFinite(r.wer!.rate) : Number.isFinite(r.per!.rate), ev.out);
  }
  // PNMI and purity need frame-level phone alignments, which a real recording does not have: a named refusal.
  await assert.rejects(() => quietly(() => labelsCli(['--run', path.join(tmp, 'pre'), '--corpus', dir, '--split', 'test-real', '--fit-split', 'train-real', '--quiet'])), /no phone segments/);
  fs.rmSync(tmp, { recursive: true, force: true });
});
