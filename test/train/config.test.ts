import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyConfigObject, applyOverride, configKeys, PRETRAIN_PRESETS, presetConfig, PretrainConfig, validateConfig } from '../../src/train/config';
import { train } from '../../src/train/loop';
import { readTensorFile } from '../../src/train/tensor-file';
import { tinyConfig } from './tiny';

test('presets validate and say what they are for', () => {
  for (const [name, p] of Object.entries(PRETRAIN_PRESETS)) {
    assert.ok(p.what.length > 20, name);
    validateConfig(presetConfig(name));
  }
  assert.throws(() => presetConfig('nope'), /unknown preset 'nope'/);
});

test('--set: unknown keys and bad values are errors that name them', () => {
  const c = presetConfig('smoke');
  assert.equal(applyOverride(c, 'optim.lr=3e-4').optim.lr, 3e-4);
  assert.equal(applyOverride(c, 'enhanced.mode=hard-st').enhanced.mode, 'hard-st');
  assert.equal(applyOverride(c, 'anchor.normalizeInput=false').anchor.normalizeInput, false);
  assert.throws(() => applyOverride(c, 'optim.lrr=1'), /unknown config key 'optim.lrr' \(known under optim: lr, /);
  assert.throws(() => applyOverride(c, 'bogus=1'), /unknown config key 'bogus'/);
  assert.throws(() => applyOverride(c, 'optim.lr=fast'), /optim.lr: needs a number, got 'fast'/);
  assert.throws(() => applyOverride(c, 'enhanced.mode=hard'), /enhanced.mode: must be one of soft, hard-st, stopgrad/);
  assert.throws(() => applyOverride(c, 'anchor.normalizeInput=yes'), /needs true or false/);
  assert.throws(() => applyOverride(c, 'optim=1'), /is a section/);
  assert.throws(() => validateConfig(applyOverride(c, 'enhanced.layer=3')), /enhanced.layer: must be a block in 1..2/);
  assert.throws(() => validateConfig(applyOverride(c, 'encoder.kernel=4')), /must be odd/);
  assert.throws(() => applyConfigObject(c, { optim: { nope: 1 } }, 'x.json: '), /x.json: unknown config key 'optim.nope'/);
  assert.equal(applyConfigObject(c, { masking: { startProb: 0.2 } }).masking.startProb, 0.2);
});

/** A value different from the tiny config's, per key (plus companion settings where a key only acts with them). */
const PERTURB: Record<string, [string, string[]?]> = {
  seed: ['2'],
  task: ['bestrq'],
  'encoder.inputDim': ['40'],
  'encoder.blocks': ['3'],
  'encoder.dim': ['24'],
  'encoder.heads': ['4'],
  'encoder.ffnDim': ['48'],
  'encoder.kernel': ['3'],
  'encoder.dropout': ['0'],
  'encoder.frontEnd': ['conv'],
  'encoder.convNorm': ['layer'],
  'encoder.positional': ['none'],
  'anchor.codes': ['32'],
  'anchor.codeDim': ['8'],
  'anchor.books': ['2'],
  'anchor.normalizeInput': ['false'],
  'enhanced.layer': ['2'],
  'enhanced.codes': ['32'],
  'enhanced.codeDim': ['8'],
  'enhanced.scale': ['3'],
  'enhanced.tau': ['2'],
  'enhanced.mode': ['stopgrad'],
  'enhanced.norm': ['utterance'],
  'enhanced.whitenRidge': ['0.5', ['enhanced.norm=whiten']],
  'masking.startProb': ['0.3'],
  'masking.spanMs': ['120'],
  'masking.noiseStd': ['2'],
  'objective.w1': ['1'],
  'objective.w2': ['1'],
  'objective.schedule': ['increasing'],
  'objective.w2Start': ['0.5', ['objective.schedule=increasing']],
  'objective.bomeEta': ['2', ['objective.schedule=bome']],
  'optim.lr': ['1e-2'],
  'optim.warmupSteps': ['3'],
  'optim.decay': ['constant'],
  'optim.minLrRatio': ['0.9'],
  'optim.beta1': ['0.5'],
  'optim.beta2': ['0.5'],
  'optim.eps': ['1e-2'],
  'optim.weightDecay': ['5'],
  'optim.clipNorm': ['0.01'],
  'optim.accumulate': ['2'],
  'data.batchSize': ['3'],
  'data.maxFrames': ['48'],
  'data.probeSize': ['3'],
  'run.steps': ['3'],
  'run.logEvery': ['2'],
  'run.checkpointEvery': ['1'],
  'run.snapshotEvery': ['1'],
  'run.keepCheckpoints': ['1'],
};
/** Keys whose effect needs a corpus on disk (smoke-pretrain.test.ts uses the corpus source). */
const EXEMPT = new Set(['data.source', 'data.corpus', 'data.split', 'data.probeSplit', 'memory.recomputeBlocks']);
// data.corpus, data.split and data.probeSplit act on corpus sources only (the tiny config is toy data): test/experiments/probe-split.test.ts.
// memory.recomputeBlocks changes memory and time but by design not the numbers: training.test.ts checks both.

async function fingerprint(c: PretrainConfig): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-fp-'));
  const r = await train({ config: c, runDir: dir, quiet: true });
  const files = ['checkpoints', 'labels'].flatMap((d) => fs.readdirSync(path.join(dir, d)).sort().map((f) => `${d}/${f}`));
  const snaps = fs.readdirSync(path.join(dir, 'labels')).map((f) => JSON.stringify([...readTensorFile(path.join(dir, 'labels', f)).arrays.values()].map((a) => a.shape)));
  const metrics = r.metrics.map(({ step_ms: _t, ...m }) => m);
  fs.rmSync(dir, { recursive: true, force: true });
  return JSON.stringify({ metrics, files, snaps });
}

test('every config field has an effect', async () => {
  const base = tinyConfig();
  const keys = configKeys(base);
  for (const k of keys) assert.ok(k in PERTURB || EXEMPT.has(k), `config key ${k} has no effect test: add it to PERTURB`);
  const ref = await fingerprint(base);
  for (const k of keys.filter((k) => !EXEMPT.has(k))) {
    const [value, extra = []] = PERTURB[k];
    let c = base;
    for (const e of extra) c = applyOverride(c, e);
    const before = extra.length ? await fingerprint(c) : ref;
    c = applyOverride(c, `${k}=${value}`);
    assert.notEqual(await fingerprint(c), before, `changing ${k} to ${value} changed nothing`);
  }
});
