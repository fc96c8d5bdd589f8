/**
 * CTC fine-tuning end to end on the smoke corpus: pretrain BiRQ and BEST-RQ for a few steps, fine-tune both and
 * a random encoder (the supervised baseline), evaluate with `birq eval`; the frozen-encoder warm-up really
 * freezes; the loss falls when overfitting a batch; bad checkpoints give clear errors.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { buildCorpus } from '../../data-scripts';
import { initBackend } from '../../src/backend';
import { run as evalCli } from '../../src/cli/eval';
import { charVocab } from '../../src/decode/vocab';
import { CharNgramLm, saveLm } from '../../src/decode/ngram-lm';
import { Conformer } from '../../src/model/conformer';
import { presetConfig } from '../../src/train/config';
import { finetunePreset, validateFinetuneConfig } from '../../src/finetune/config';
import { LabeledSource } from '../../src/finetune/data';
import { runFinetune } from '../../src/finetune/finetune';
import { loadCtcModel, loadPretrainedEncoder, reinitTopBlocks } from '../../src/finetune/model';
import { CtcFinetuneTask } from '../../src/tasks/ctc';
import { train } from '../../src/train/loop';
import { readTensorFile, writeTensorFile } from '../../src/train/tensor-file';
import { openCorpus } from '../../src/data/corpus';
import { errorCounts } from '../../src/metrics/edit-distance';

/** Word-level Levenshtein distance (unweighted): a lower bound on sclite's S + D + I, computed here from scratch. */
function levenshtein(a: string[], b: string[]): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The WER that eval reports, recomputed from the transcripts it wrote: every utterance of the split is there
 * with the corpus's own reference text, and S, D, I, N and the rate follow from the (ref, hyp) pairs.
 */
function checkWerFromTranscripts(res: { wer: Record<string, number>; transcripts: { id: string; ref: string; hyp: string }[] }, corpus: string, split: string): void {
  const entries = openCorpus(corpus, { split });
  assert.deepEqual(res.transcripts.map((t) => t.id).sort(), entries.map((e) => e.id).sort(), 'one transcript per utterance of the split');
  const text = new Map(entries.map((e) => [e.id, e.text]));
  const words = (s: string) => s.split(/\s+/).filter(Boolean);
  const sum = { substitutions: 0, deletions: 0, insertions: 0, refTokens: 0, lev: 0 };
  for (const t of res.transcripts) {
    assert.equal(t.ref, text.get(t.id), `${t.id}: the reference is the corpus's transcript`);
    const c = errorCounts(words(t.ref), words(t.hyp));
    sum.substitutions += c.substitutions;
    sum.deletions += c.deletions;
    sum.insertions += c.insertions;
    sum.refTokens += words(t.ref).length;
    sum.lev += levenshtein(words(t.ref), words(t.hyp));
  }
  const errors = sum.substitutions + sum.deletions + sum.insertions;
  assert.deepEqual([res.wer.substitutions, res.wer.deletions, res.wer.insertions, res.wer.refTokens], [sum.substitutions, sum.deletions, sum.insertions, sum.refTokens]);
  assert.ok(Math.abs(res.wer.rate - errors / sum.refTokens) < 1e-12, `rate ${res.wer.rate} vs ${errors}/${sum.refTokens}`);
  assert.ok(errors >= sum.lev && errors <= sum.refTokens + words(res.transcripts.map((t) => t.hyp).join(' ')).length, `S+D+I ${errors}, Levenshtein ${sum.lev}`);
}

let corpus = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-ft-'));
const runs: Record<string, string> = {};

function quietStdout<T>(fn: () => Promise<T>): Promise<{ value: T; out: string }> {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  return fn().then(
    (value) => ((process.stdout.write = write), { value, out }),
    (e) => {
      process.stdout.write = write;
      throw e;
    },
  );
}

function smokeFinetune(from: string, patch: Record<string, unknown> = {}) {
  const c = finetunePreset('smoke');
  c.from = from;
  c.data.corpus = corpus;
  c.run = { steps: 12, logEvery: 4, evalEvery: 6 };
  c.freezeEncoderSteps = 4;
  Object.assign(c, patch);
  return c;
}

describe('CTC fine-tuning on the smoke corpus', () => {
  before(async () => {
    await initBackend({ quiet: true });
    corpus = (await buildCorpus({ profile: 'smoke', quiet: true })).root;
    for (const task of ['birq', 'bestrq'] as const) {
      const c = presetConfig('smoke');
      c.task = task;
      c.data = { ...c.data, source: 'corpus', corpus, batchSize: 4, maxFrames: 160 };
      c.run = { steps: 3, logEvery: 1, checkpointEvery: 3, snapshotEvery: 0, keepCheckpoints: 1 };
      runs[task] = path.join(tmp, `pre-${task}`);
      await train({ config: c, runDir: runs[task], quiet: true });
    }
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reinitTopBlocks: the top blocks get a fresh encoder\'s values, the others keep the pretrained ones; the run records it', async () => {
    const pre = loadPretrainedEncoder(runs.bestrq);
    const before = new Map([...pre.encoder.params.vars].map(([n, v]) => [n, v.dataSync().slice()]));
    const blocks = pre.encoder.config.blocks;
    reinitTopBlocks(pre.encoder, 1, 77);
    const fresh = new Conformer(pre.encoder.config, 77);
    let top = 0;
    let kept = 0;
    for (const [n, v] of pre.encoder.params.vars) {
      const now = v.dataSync();
      if (n.startsWith(`block.${blocks - 1}.`)) (top++, assert.deepEqual(now, fresh.params.get(n).dataSync(), n));
      else (kept++, assert.deepEqual(now, before.get(n), n));
    }
    assert.ok(top > 10 && kept > top, `${top} re-initialized, ${kept} kept`);
    assert.throws(() => reinitTopBlocks(pre.encoder, blocks + 1, 1), /reinitTopBlocks: must be at most the encoder's \d+ blocks, got \d+/);
    fresh.dispose();
    pre.encoder.dispose();
    const r = await runFinetune(smokeFinetune(runs.bestrq, { reinitTopBlocks: 1 }), { runDir: path.join(tmp, 'ft-reinit'), quiet: true });
    assert.ok(Number.isFinite(r.finalLoss));
    assert.equal(JSON.parse(fs.readFileSync(path.join(r.runDir, 'config.json'), 'utf8')).pretrained.reinitTopBlocks, 1);
    await assert.rejects(runFinetune(smokeFinetune('', { reinitTopBlocks: 1 })), /reinitTopBlocks: re-initializes blocks of a pretrained encoder/);
  });

  it('finetune then eval runs for supervised, BEST-RQ and BiRQ', async () => {
    for (const [name, from] of [['supervised', ''], ['bestrq', runs.bestrq], ['birq', runs.birq]]) {
      const r = await runFinetune(smokeFinetune(from), { runDir: path.join(tmp, `ft-${name}`), quiet: true });
      for (const f of ['config.json', 'metrics.jsonl', 'model.ckpt', 'dev.json']) assert.ok(fs.existsSync(path.join(r.runDir, f)), `${name}: ${f}`);
      const cfg = JSON.parse(fs.readFileSync(path.join(r.runDir, 'config.json'), 'utf8'));
      assert.equal(cfg.pretrained === null, name === 'supervised', `${name}: provenance`);
      assert.ok(Number.isFinite(r.finalLoss) && r.finalLoss > 0);
      const w = r.dev!.wer!;
      assert.equal(w.hits + w.substitutions + w.deletions, w.refTokens, `${name}: counts add up`);
      const evals = fs.readFileSync(path.join(r.runDir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => 'dev_wer' in m);
      assert.deepEqual(evals.map((m) => m.step), [6, 12], `${name}: dev evaluated at evalEvery and the end`);

      const out = path.join(tmp, `eval-${name}.json`);
      const { value: code, out: printed } = await quietStdout(() => evalCli(['--checkpoint', r.modelFile, '--split', 'test-clean', '--out', out, '--quiet']));
      assert.equal(code, 0);
      assert.match(printed, /WER \d+\.\d\d% \(S \d+, D \d+, I \d+ \/ N \d+/);
      const res = JSON.parse(fs.readFileSync(out, 'utf8'));
      assert.equal(res.split, 'test-clean');
      assert.equal(res.transcripts.length, res.utterances);
      assert.ok(res.utterances > 0 && res.cer.refTokens > res.wer.refTokens);
      checkWerFromTranscripts(res, corpus, 'test-clean');
    }
    // Beam search with a character LM from the command line.
    const lmFile = path.join(tmp, 'lm.json');
    saveLm(CharNgramLm.train(['THE CAT SAT ON THE MAT', 'IT IS A TRUTH UNIVERSALLY ACKNOWLEDGED'], 3, 'two sentences'), lmFile);
    const out = path.join(tmp, 'eval-lm.json');
    const { value: code } = await quietStdout(() => evalCli(['--checkpoint', path.join(tmp, 'ft-birq'), '--split', 'dev', '--lm', lmFile, '--beam', '4', '--lm-weight', '0.3', '--out', out, '--quiet']));
    assert.equal(code, 0);
    const res = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.deepEqual(res.decoder, { kind: 'beam', beamWidth: 4, lm: 'two sentences', lmWeight: 0.3, insertionBonus: 0 });
    await assert.rejects(quietStdout(() => evalCli(['--checkpoint', path.join(tmp, 'ft-birq'), '--split', 'dev', '--decoder', 'greedy', '--lm', lmFile, '--quiet'])), /an LM needs --decoder beam/);
    // A grid of LM weights and bonuses, decoded from one pass of the model.
    const { value: g, out: printed } = await quietStdout(() => evalCli(['--checkpoint', path.join(tmp, 'ft-birq'), '--split', 'dev', '--lm', lmFile, '--beam', '2', '--lm-weight', '0.2,0.6', '--bonus', '0,1', '--json', '--quiet']));
    assert.equal(g, 0);
    const grid = JSON.parse(printed);
    assert.deepEqual(grid.grid.map((r: { decoder: { lmWeight: number; insertionBonus: number } }) => [r.decoder.lmWeight, r.decoder.insertionBonus]), [[0.2, 0], [0.2, 1], [0.6, 0], [0.6, 1]]);
    assert.ok(grid.grid.every((r: { wer: { rate: number } }) => r.wer.rate >= grid.best.wer.rate));
    await assert.rejects(quietStdout(() => evalCli(['--checkpoint', path.join(tmp, 'ft-birq'), '--split', 'dev', '--bonus', '0,x', '--decoder', 'beam', '--quiet'])), /--bonus: must be comma-separated numbers/);
    // --tune-split: the grid is decoded on dev, the test split once, with dev's best values.
    const tunedOut = path.join(tmp, 'eval-tuned.json');
    const { out: tp } = await quietStdout(() => evalCli(['--checkpoint', path.join(tmp, 'ft-birq'), '--split', 'test-clean', '--tune-split', 'dev', '--lm', lmFile, '--beam', '2', '--lm-weight', '0.2,0.6', '--bonus', '0,1', '--out', tunedOut, '--json', '--quiet']));
    const t = JSON.parse(tp);
    assert.equal(t.split, 'test-clean');
    assert.deepEqual([t.decoder.lmWeight, t.decoder.insertionBonus], [grid.best.decoder.lmWeight, grid.best.decoder.insertionBonus], 'test decoded with the values the dev grid chose');
    assert.deepEqual([t.tuned.split, t.tuned.lmWeight, t.tuned.bonus, t.tuned.best.wer.rate], ['dev', grid.best.decoder.lmWeight, grid.best.decoder.insertionBonus, grid.best.wer.rate]);
    assert.equal(t.tuned.grid, undefined, 'the printed row keeps the chosen point only');
    assert.equal(JSON.parse(fs.readFileSync(tunedOut, 'utf8')).tuned.grid.length, 4, 'the file keeps the whole dev grid');
    await assert.rejects(quietStdout(() => evalCli(['--checkpoint', path.join(tmp, 'ft-birq'), '--split', 'dev', '--tune-split', 'dev', '--lm', lmFile, '--quiet'])), /is the split being scored/);
    // --tuned-from: a second test split decoded with the values the first one's dev grid chose, no grid of its own.
    const otherOut = path.join(tmp, 'eval-tuned-from.json');
    const { out: fp } = await quietStdout(() => evalCli(['--checkpoint', path.join(tmp, 'ft-birq'), '--split', 'test-other', '--tuned-from', tunedOut, '--lm', lmFile, '--beam', '2', '--out', otherOut, '--json', '--quiet']));
    const f = JSON.parse(fp);
    assert.equal(f.split, 'test-other');
    assert.deepEqual([f.decoder.lmWeight, f.decoder.insertionBonus], [t.decoder.lmWeight, t.decoder.insertionBonus]);
    assert.deepEqual([f.tuned.split, f.tuned.lmWeight, f.tuned.bonus, f.tuned.best.wer.rate], [t.tuned.split, t.tuned.lmWeight, t.tuned.bonus, t.tuned.best.wer.rate], 'the same tuning record, rows and all');
    assert.equal(f.tuned.from, path.resolve(tunedOut));
    assert.equal(JSON.parse(fs.readFileSync(otherOut, 'utf8')).modelSha1, JSON.parse(fs.readFileSync(tunedOut, 'utf8')).modelSha1);
    // Refused: another model's tuning, a file that was not tuned, tuning on the split being scored, and a grid too.
    const otherModel = path.join(tmp, 'eval-other-model.json');
    fs.writeFileSync(otherModel, JSON.stringify({ ...JSON.parse(fs.readFileSync(tunedOut, 'utf8')), modelSha1: '0'.repeat(40) }));
    await assert.rejects(quietStdout(() => evalCli(['--checkpoint', path.join(tmp, 'ft-birq'), '--split', 'test-other', '--tuned-from', otherModel, '--lm', lmFile, '--quiet'])), /tuned for another model/);
    await assert.rejects(quietStdout(() => evalCli(['--checkpoint', path.join(tmp, 'ft-birq'), '--split', 'test-other', '--tuned-from', out, '--lm', lmFile, '--quiet'])), /was not tuned/);
    await assert.rejects(quietStdout(() => evalCli(['--checkpoint', path.join(tmp, 'ft-birq'), '--split', 'dev', '--tuned-from', tunedOut, '--lm', lmFile, '--quiet'])), /tuned on dev, the split being scored/);
    await assert.rejects(quietStdout(() => evalCli(['--checkpoint', path.join(tmp, 'ft-birq'), '--split', 'test-other', '--tuned-from', tunedOut, '--lm', lmFile, '--lm-weight', '0.2,0.6', '--quiet'])), /give no --tune-split and no grid/);
  });

  it('SpecAugment: the run records it, it changes the training losses, and a rerun draws the same masks', async () => {
    const losses = async (name: string, aug?: Record<string, number>) => {
      const c = smokeFinetune(runs.bestrq, { vocab: 'phones', ...(aug && { specAugment: aug }) });
      c.run = { steps: 4, logEvery: 1, evalEvery: 4 };
      c.freezeEncoderSteps = 1;
      const dir = path.join(tmp, name);
      await runFinetune(c, { runDir: dir, quiet: true });
      const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')).config;
      const ctc = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => 'ctc' in m).map((m) => m.ctc);
      return { cfg, ctc };
    };
    const aug = { freqMasks: 2, freqWidth: 27, timeMasks: 10, timeWidth: 0.05 };
    const off = await losses('ft-noaug');
    const on = await losses('ft-aug', aug);
    const again = await losses('ft-aug-2', aug);
    assert.deepEqual(off.cfg.specAugment, { freqMasks: 0, freqWidth: 0, timeMasks: 0, timeWidth: 0 });
    assert.deepEqual(on.cfg.specAugment, aug);
    assert.equal(on.ctc.length, 4);
    assert.notDeepEqual(on.ctc, off.ctc, 'masked input, other losses');
    assert.deepEqual(again.ctc, on.ctc, 'masks are a function of (seed, step): a rerun is identical');
    assert.throws(() => validateFinetuneConfig({ ...smokeFinetune(runs.bestrq), specAugment: { ...aug, timeWidth: 1.5 } }), /specAugment\.timeWidth/);
  });

  it('phone targets: PER', async () => {
    const c = smokeFinetune(runs.birq, { vocab: 'phones' });
    c.run = { steps: 3, logEvery: 1, evalEvery: 3 };
    c.freezeEncoderSteps = 1;
    const r = await runFinetune(c, { runDir: path.join(tmp, 'ft-phones'), quiet: true });
    assert.ok(r.dev!.per && r.dev!.per.refTokens > 0 && !r.dev!.wer);
    assert.equal(loadCtcModel(r.modelFile).vocab.kind, 'phones');
  });

  it('the warm-up freezes the encoder exactly; afterwards it trains; no tensors leak', async () => {
    const pre = loadPretrainedEncoder(runs.birq);
    const src = new LabeledSource({ corpus, split: 'train-labeled', vocab: charVocab(), batchSize: 2, maxBatchFrames: 4000, seed: 1 });
    const task = new CtcFinetuneTask(pre.encoder, charVocab(), src.targets(), { freezeEncoderSteps: 2, seed: 1 });
    const enc = () => task.params.trainable().filter(([n]) => !n.startsWith('head.')).map(([, v]) => Array.from(v.dataSync()));
    const head = () => Array.from(task.params.get('head.ctc.w').dataSync());
    const e0 = enc();
    const h0 = head();
    const s0 = task.step(src.batchAt(0), { step: 0, micro: 0, totalSteps: 4, seed: 1 });
    assert.equal(s0.metrics.head_only, 1);
    assert.deepEqual([...s0.grads.keys()].sort(), ['head.ctc.b', 'head.ctc.w']);
    for (const [n, g] of s0.grads) tf.tidy(() => task.params.get(n).assign(tf.sub(task.params.get(n), tf.mul(g, 0.1))));
    tf.dispose([...s0.grads.values()]);
    assert.deepEqual(enc(), e0, 'encoder unchanged during warm-up');
    assert.notDeepEqual(head(), h0, 'head trained');
    // The encoder caches one positional table per length: measure on a length it has seen.
    const before = tf.memory().numTensors;
    const s2 = task.step(src.batchAt(0), { step: 2, micro: 0, totalSteps: 4, seed: 1 });
    assert.equal(s2.metrics.head_only, 0);
    assert.equal(s2.grads.size, task.params.trainable().length, 'all parameters get gradients after the warm-up');
    assert.equal(tf.memory().numTensors, before + s2.grads.size, 'task.step leaves only its gradients behind');
    tf.dispose([...s2.grads.values()]);
    // A batch of one utterance (the bucketing makes them) trains like any other.
    const one = task.step(src.batch([0]), { step: 3, micro: 0, totalSteps: 4, seed: 1 });
    assert.ok(Number.isFinite(one.losses.ctc) && one.grads.size === task.params.trainable().length);
    tf.dispose([...one.grads.values()]);
    task.dispose();
  });

  it('overfitting one batch lowers the CTC loss', () => {
    const enc = new Conformer({ ...presetConfig('smoke').encoder, dropout: 0 }, 5);
    const src = new LabeledSource({ corpus, split: 'train-labeled', vocab: charVocab(), batchSize: 2, maxBatchFrames: 4000, seed: 1 });
    const task = new CtcFinetuneTask(enc, charVocab(), src.targets(), { freezeEncoderSteps: 0, seed: 1 });
    const batch = src.batchAt(0);
    const losses: number[] = [];
    const opt = tf.train.adam(3e-3);
    for (let i = 0; i < 25; i++) {
      const r = task.step(batch, { step: i, micro: 0, totalSteps: 25, seed: 1 });
      losses.push(r.losses.ctc);
      opt.applyGradients([...r.grads].map(([n, g]) => ({ name: task.params.get(n).name, tensor: g })));
      tf.dispose([...r.grads.values()]);
    }
    opt.dispose();
    assert.ok(losses[24] < 0.7 * losses[0], `loss ${losses[0].toFixed(3)} -> ${losses[24].toFixed(3)}`);
    task.dispose();
  });

  it('bad checkpoints: pretraining checkpoint, another configuration, truncated file', async () => {
    const ft = await runFinetune(smokeFinetune(runs.birq, { run: { steps: 2, logEvery: 1, evalEvery: 2 }, freezeEncoderSteps: 0 }), { runDir: path.join(tmp, 'ft-bad'), quiet: true });
    const ckpt = fs.readdirSync(path.join(runs.birq, 'checkpoints')).find((f) => f.endsWith('.ckpt'))!;
    assert.throws(() => loadCtcModel(path.join(runs.birq, 'checkpoints', ckpt)), /not a fine-tuned CTC model .*fine-tune it first/);
    const { meta, arrays } = readTensorFile<Record<string, unknown>>(ft.modelFile);
    const other = path.join(tmp, 'other.ckpt');
    writeTensorFile(other, { ...meta, encoder: { ...(meta.encoder as object), dim: 32, heads: 4, ffnDim: 64 } }, [...arrays.values()]);
    assert.throws(() => loadCtcModel(other), (e: Error) => e.message.startsWith(other) && /another encoder configuration/.test(e.message));
    const bytes = fs.readFileSync(ft.modelFile);
    const cut = path.join(tmp, 'cut.ckpt');
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 1000));
    assert.throws(() => loadCtcModel(cut), /truncated/);
    assert.throws(() => loadPretrainedEncoder(path.join(tmp, 'nope')), /no such run directory or checkpoint/);
    assert.throws(() => loadPretrainedEncoder(ft.modelFile), /not a pretraining checkpoint/);
    await assert.rejects(runFinetune({ ...smokeFinetune(''), vocab: 'words' as never }), /vocab: must be one of chars, phones, got 'words'/);
  });
});
