/** The per-layer phone probe and `birq probe` end to end on the smoke corpus. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run as probeCli } from '../../src/cli/probe';
import { openCorpus } from '../../src/data/corpus';
import { PHONE_SET } from '../../src/data/segments';
import { layerFeatures } from '../../src/evaluate/phone-probe';
import { Conformer } from '../../src/model/conformer';
import { ENCODER_PRESETS } from '../../src/model/config';
import { smokePretrainRun } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-probe-'));
let corpus = '';
const runDir = path.join(tmp, 'pre');

async function cli(args: string[]): Promise<Record<string, any>> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => (chunks.push(String(s)), true)) as typeof process.stdout.write;
  try {
    assert.equal(await probeCli([...args, '--json', '--quiet']), 0);
  } finally {
    process.stdout.write = write;
  }
  return JSON.parse(chunks.join(''));
}

describe('phone probe', () => {
  before(async () => {
    corpus = await smokePretrainRun(runDir);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('layer features: stacked input and block outputs over the same real frames as the phones', () => {
    const enc = new Conformer(ENCODER_PRESETS.smoke.config, 3);
    try {
      const es = openCorpus(corpus, { split: 'dev' }).slice(0, 3);
      const f = layerFeatures(enc, es, { batchSize: 2 });
      assert.deepEqual([...f.layers.keys()], [0, 1, 2]);
      assert.equal(f.layers.get(0)!.dim, 320);
      for (const [k, l] of f.layers) assert.equal(l.data.length, f.frames * l.dim, `layer ${k}`);
      assert.equal(f.phones.length, f.frames);
      assert.ok(Math.max(...f.phones) < PHONE_SET.length && new Set(f.phones).size > 5);
      // Batching does not change the features (padding is masked).
      const g = layerFeatures(enc, es, { batchSize: 1 });
      assert.deepEqual(g.phones, f.phones);
      assert.deepEqual(g.layers.get(0)!.data, f.layers.get(0)!.data);
      const a = f.layers.get(2)!.data;
      const b = g.layers.get(2)!.data;
      let m = 0;
      for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
      assert.ok(m < 1e-4, `block 2 batched vs alone: ${m}`);
      // maxFrames keeps an evenly spaced subset of the same rows.
      const h = layerFeatures(enc, es, { maxFrames: 50, layers: [0] });
      assert.equal(h.frames, 50);
      assert.deepEqual(h.layers.get(0)!.data.subarray(0, 320), f.layers.get(0)!.data.subarray(0, 320));
    } finally {
      enc.dispose();
    }
  });

  it('birq probe --run: accuracy per layer above the majority chance, deterministic, written beside the run', async () => {
    const a = await cli(['--run', runDir, '--corpus', corpus, '--iterations', '30']);
    assert.deepEqual(a.layers.map((l: { layer: number }) => l.layer), [0, 1, 2]);
    assert.equal(a.trainSplit, 'train-labeled');
    assert.equal(a.evalSplit, 'dev');
    assert.equal(a.source.kind, 'pretrained');
    for (const l of a.layers) {
      assert.ok(l.accuracy > a.majority.accuracy, `layer ${l.layer}: ${l.accuracy} vs majority ${a.majority.accuracy}`);
      assert.ok(l.trainAccuracy >= l.accuracy);
    }
    assert.equal(a.out, path.join(runDir, 'probe-dev.json'));
    assert.deepEqual(JSON.parse(fs.readFileSync(a.out, 'utf8')).layers, a.layers);
    const b = await cli(['--run', runDir, '--corpus', corpus, '--iterations', '30']);
    assert.deepEqual(b.layers, a.layers, 'same numbers twice');
  });

  it('birq probe --init: the run\'s own initialization, and a seeded preset; --shuffled adds a second chance level', async () => {
    const init = await cli(['--init', runDir, '--corpus', corpus, '--iterations', '30', '--layers', '0,2', '--shuffled']);
    assert.equal(init.source.kind, 'init');
    assert.equal(init.out, null);
    assert.deepEqual(init.layers.map((l: { layer: number }) => l.layer), [0, 2]);
    for (const l of init.layers) assert.ok(l.shuffledAccuracy >= 0 && l.shuffledAccuracy < l.accuracy);
    const pre = JSON.parse(fs.readFileSync(path.join(runDir, 'probe-dev.json'), 'utf8'));
    assert.deepEqual(init.layers[0], { ...pre.layers[0], shuffledAccuracy: init.layers[0].shuffledAccuracy }, 'layer 0 (the stacked input) does not depend on the encoder');
    const p1 = await cli(['--init', 'smoke', '--corpus', corpus, '--seed', '5', '--iterations', '10', '--layers', '1']);
    const p2 = await cli(['--init', 'smoke', '--corpus', corpus, '--seed', '6', '--iterations', '10', '--layers', '1']);
    assert.equal(p1.source.seed, 5);
    assert.notEqual(p1.layers[0].loss, p2.layers[0].loss, 'another seed, another encoder');
  });

  it('bad input', async () => {
    await assert.rejects(probeCli(['--quiet']), /exactly one of --run/);
    await assert.rejects(probeCli(['--run', runDir, '--init', 'smoke', '--quiet']), /exactly one of/);
    await assert.rejects(probeCli(['--run', runDir, '--eval-split', 'train-labeled', '--quiet']), /another split than the scored one/);
    await assert.rejects(probeCli(['--run', runDir, '--corpus', corpus, '--layers', '7', '--quiet']), /--layers .*must be an integer in 0\.\.2, got 7/);
    await assert.rejects(probeCli(['--init', runDir, '--seed', '99', '--quiet']), /would not be its initialization/);
  });
});
