/** `birq labels` and the label streams behind it, on a few-step pretraining run over the smoke corpus. */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run as labelsCli } from '../../src/cli/labels';
import { PHONE_SET } from '../../src/data/segments';
import { loadPretrainedRun, splitLabels } from '../../src/evaluate/label-streams';
import { snapshotQuality } from '../../src/evaluate/label-snapshots';
import { smokePretrainRun } from '../helpers';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-labels-'));
let corpus = '';
const runDir = path.join(tmp, 'pre');

describe('label quality of a pretraining run', () => {
  before(async () => {
    corpus = await smokePretrainRun(runDir, { snapshotEvery: 1 });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('streams and phones cover the same real frames', () => {
    const r = loadPretrainedRun(runDir);
    const l = splitLabels(r, corpus, 'dev', { layer: 1 });
    const n = l.frames.reduce((a, b) => a + b, 0);
    assert.equal(l.phones.length, n);
    for (const s of Object.values(l.streams)) assert.equal(s.length, n);
    assert.deepEqual(Object.keys(l.streams).sort(), ['anchor.0', 'enhanced']);
    assert.equal(l.layer!.data.length, n * r.config.encoder.dim);
    assert.ok(Math.max(...l.phones) < PHONE_SET.length);
    assert.ok(new Set(l.phones).size > 10, 'real phone alignments, not all silence');
    r.task.dispose();
  });

  it('label quality over pretraining from the probe snapshots; the frozen anchor never churns', () => {
    const q = snapshotQuality(runDir, corpus);
    assert.deepEqual(q.steps.map((s) => s.step), [1, 2]);
    const [a, b] = q.steps;
    assert.ok(a.frames > 0 && a.frames === b.frames && q.lastPhones.length === a.frames);
    assert.ok(Number.isNaN(a.churn['anchor.0']));
    assert.equal(b.churn['anchor.0'], 0, 'anchor labels come from frozen random matrices');
    assert.equal(b.streams['anchor.0'].pnmi, a.streams['anchor.0'].pnmi);
    for (const s of [a, b]) for (const v of Object.values(s.streams)) assert.ok(v.pnmi > 0 && v.pnmi <= 1);
    assert.ok(b.anchorEnhancedNmi >= 0 && b.anchorEnhancedNmi <= 1);
    assert.ok(Number.isFinite(b.anchorEnhancedAmi) && b.anchorEnhancedAmi <= 1, 'AMI is the headline agreement');
    for (const v of Object.values(b.streams)) assert.ok(v.chance.repeats === 5 && Number.isFinite(v.chance.pnmi.mean) && v.chance.expectedPnmi > 0, 'PNMI beside its chance level');
  });

  it('birq labels writes purity, PNMI, usage and agreement for anchor, enhanced and k-means', async () => {
    const out = path.join(tmp, 'labels.json');
    const write = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      assert.equal(await labelsCli(['--run', runDir, '--split', 'dev', '--kmeans-k', '8', '--out', out, '--quiet']), 0);
    } finally {
      process.stdout.write = write;
    }
    const rep = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.deepEqual(Object.keys(rep.streams).sort(), ['anchor.0', 'enhanced', 'kmeans']);
    for (const [name, s] of Object.entries<Record<string, number>>(rep.streams)) {
      assert.ok(s.pnmi > 0 && s.pnmi <= 1, `${name} PNMI ${s.pnmi}`);
      assert.ok(s.phonePurity > 0 && s.phonePurity <= 1 && s.clusterPurity > 0 && s.clusterPurity <= 1, name);
      assert.ok(s.perplexity >= 1 && s.perplexity <= s.used, name);
    }
    assert.ok(rep.streams.kmeans.used <= 8);
    assert.equal(rep.kmeans.fitSplit, 'pretrain');
    assert.ok('anchor.0 x enhanced' in rep.agreement);
    const ae = rep.agreement['anchor.0 x enhanced'];
    assert.ok(ae.ami <= 1 && ae.nmi >= 0 && ae.nmi <= 1 && ae.expectedMutualInfo >= 0, 'AMI with NMI beside it');
    for (const s of Object.values<{ chance: { pnmi: { mean: number; sd: number }; expectedPnmi: number } }>(rep.streams))
      assert.ok(s.chance.pnmi.mean > 0 && s.chance.pnmi.sd >= 0 && s.chance.expectedPnmi > 0);
    await assert.rejects(labelsCli(['--run', runDir, '--split', 'pretrain', '--quiet']), /--fit-split: must be another split than the scored one/);
    await assert.rejects(labelsCli(['--run', path.join(tmp, 'missing'), '--quiet']), /no such run directory or checkpoint/);
  });
});
