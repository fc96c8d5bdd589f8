import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { Conformer } from '../../src/model';
import { GumbelQuantizer } from '../../src/quantizers';
import { clipByGlobalNorm, learningRate, ToyFeatureSource, train, readTensorFile, latestCheckpoint, FeatureSource } from '../../src/train';
import { MaskedPredictionTask } from '../../src/tasks/masked-prediction';
import { tinyConfig } from './tiny';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'birq-train-'));
const losses = (ms: Record<string, number>[]) => ms.map((m) => [m.step, m.F, m.G, m.total]);

// AdamW against torch.optim.AdamW: test/train/adamw-golden.test.ts.

test('LR schedule: linear warm-up then decay; global-norm clipping', async () => {
  await initBackend({ quiet: true });
  const c = { lr: 1, warmupSteps: 4, decay: 'cosine' as const, minLrRatio: 0.1 };
  assert.deepEqual([0, 1, 2, 3].map((s) => learningRate(c, s, 20)), [0.25, 0.5, 0.75, 1]);
  assert.ok(Math.abs(learningRate(c, 20, 20) - 0.1) < 1e-12);
  assert.ok(learningRate({ ...c, decay: 'linear' }, 12, 20) < 1 && learningRate({ ...c, decay: 'constant' }, 12, 20) === 1);
  const g = new Map([['a', tf.tensor1d([3, 0])], ['b', tf.tensor1d([0, 4])]]);
  const r = clipByGlobalNorm(g, 1);
  assert.ok(Math.abs(r.norm - 5) < 1e-6 && r.clipped);
  assert.ok(Math.abs(Math.hypot(...g.get('a')!.dataSync(), ...g.get('b')!.dataSync()) - 1) < 1e-5);
});

test('soft and hard-st send gradient into blocks 1..k through the targets; stopgrad sends none; blocks > k never', async () => {
  await initBackend({ quiet: true });
  const enc = new Conformer({ ...tinyConfig().encoder, blocks: 3, dropout: 0 }, 1);
  const x = tf.randomNormal([2, 32, 80], 0, 1, 'float32', 1) as tf.Tensor3D;
  const w = tf.randomNormal([16, 16], 0, 1, 'float32', 2);
  const vars = enc.params.trainable();
  for (const mode of ['soft', 'hard-st', 'stopgrad'] as const) {
    const q = new GumbelQuantizer({ dim: 16, numCodes: 16, mode, tau: 0.5, seed: 3 });
    // The loss sees the encoder only through the targets: <targets, W> with a fixed W stands in for the CE's
    // dependence on its target argument.
    const lossFn = () => tf.sum(tf.mul(q.targets(enc.forward(x, { untilBlock: 2 }).reshape([16, 16]) as tf.Tensor2D, 7), w)) as tf.Scalar;
    const { value, grads } = tf.variableGrads(lossFn, vars.map(([, v]) => v));
    const norm = (prefix: string) =>
      vars.filter(([n]) => n.startsWith(prefix)).reduce((s, [, v]) => s + (grads[v.name] ? tf.tidy(() => tf.sum(tf.abs(grads[v.name])).dataSync()[0]) : 0), 0);
    for (const b of ['front.', 'block.0.', 'block.1.']) {
      if (mode === 'stopgrad') assert.equal(norm(b), 0, `${mode}: ${b}`);
      else assert.ok(norm(b) > 1e-6, `${mode}: ${b} gets gradient`);
    }
    assert.equal(norm('block.2.'), 0, `${mode}: block 3 > k gets none`);
    tf.dispose([value, ...Object.values(grads)]);
    q.dispose();
  }
  enc.dispose();
});

test('w1 = 0 gives exactly the BEST-RQ loss (same seed); a training step leaks no tensors', async () => {
  await initBackend({ quiet: true });
  const src = new ToyFeatureSource({ seed: 1, batchSize: 2, frames: 64 });
  const birq = new MaskedPredictionTask(tinyConfig((c) => (c.objective.w1 = 0)));
  const bestrq = new MaskedPredictionTask(tinyConfig((c) => (c.task = 'bestrq')));
  for (let step = 0; step < 2; step++) {
    const before = tf.memory().numTensors;
    const a = birq.step(src.batchAt(step), { step, micro: 0, totalSteps: 4, seed: 1 });
    const b = bestrq.step(src.batchAt(step), { step, micro: 0, totalSteps: 4, seed: 1 });
    assert.equal(a.losses.total, b.losses.total);
    assert.equal(a.losses.G, b.losses.G);
    assert.ok(Number.isFinite(a.losses.F), 'F is still computed and logged');
    for (const [name, g] of b.grads) assert.deepEqual(Array.from(a.grads.get(name)!.dataSync()), Array.from(g.dataSync()), name);
    for (const g of [...a.grads.values(), ...b.grads.values()]) g.dispose();
    // step 0 caches one position table per model
    assert.ok(tf.memory().numTensors - before <= (step === 0 ? 2 : 0), `step ${step} leaked ${tf.memory().numTensors - before}`);
  }
  birq.dispose();
  bestrq.dispose();
});

test('frozen matrices never change in training and are stored in the checkpoint; run dir explains itself', async () => {
  const dir = tmp();
  const c = tinyConfig();
  const fresh = new MaskedPredictionTask(c);
  const frozen = Object.fromEntries(Object.entries(fresh.frozen()).map(([k, t]) => [k, Array.from(t.dataSync())]));
  fresh.dispose();
  await train({ config: c, runDir: dir, quiet: true });
  for (const f of ['config.json', 'metrics.jsonl', 'events.jsonl', 'checkpoints/latest.json', 'labels/step-0000002.labels', 'labels/step-0000004.labels'])
    assert.ok(fs.existsSync(path.join(dir, f)), f);
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  assert.ok(cfg.environment.versions['@tensorflow/tfjs'] && cfg.environment.backend && 'gitCommit' in cfg.environment);
  const ck = readTensorFile(latestCheckpoint(path.join(dir, 'checkpoints'))!);
  assert.equal((ck.meta as { step: number }).step, 4);
  for (const [k, v] of Object.entries(frozen)) assert.deepEqual(Array.from(ck.arrays.get(`frozen.${k}`)!.data), v, k);
  const metrics = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  for (const k of ['F', 'G', 'acc_anchor', 'acc_enhanced', 'codes_anchor', 'codes_enhanced', 'nmi', 'lr', 'step_ms']) assert.ok(k in metrics[0], k);
  const snap = readTensorFile(path.join(dir, 'labels/step-0000004.labels'));
  assert.deepEqual([...snap.arrays.keys()].sort(), ['anchor.0', 'enhanced']);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('stop-and-resume gives the same losses as an uninterrupted run (with dropout, and from an older checkpoint)', async () => {
  const c = tinyConfig((c) => (c.run.steps = 6));
  const a = tmp();
  const full = await train({ config: c, runDir: a, quiet: true });
  const b = tmp();
  await train({ config: c, runDir: b, quiet: true, stopAtStep: 3 });
  const resumed = await train({ config: c, runDir: b, quiet: true, resume: true });
  assert.deepEqual(losses(resumed.metrics), losses(full.metrics.slice(3)));
  const metricsB = fs.readFileSync(path.join(b, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(losses(metricsB), losses(full.metrics), 'metrics.jsonl of the resumed run equals the uninterrupted one');
  // A crash after step 5's metrics but before its checkpoint: resume from step 4's checkpoint.
  fs.writeFileSync(path.join(b, 'checkpoints/latest.json'), JSON.stringify({ file: 'step-0000004.ckpt', step: 4 }));
  await train({ config: c, runDir: b, quiet: true, resume: true });
  const again = fs.readFileSync(path.join(b, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(losses(again), losses(full.metrics));
  [a, b].forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

test('resume takes options added to the code after a run began (config.json predates them), and names a changed option', async () => {
  const c = tinyConfig((c) => (c.run.steps = 6));
  const a = tmp();
  const full = await train({ config: c, runDir: a, quiet: true });
  const b = tmp();
  await train({ config: c, runDir: b, quiet: true, stopAtStep: 3 });
  // Rewrite config.json as an older version wrote it: without enhanced.whitenRidge.
  const file = path.join(b, 'config.json');
  const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
  delete stored.config.enhanced.whitenRidge;
  fs.writeFileSync(file, JSON.stringify(stored));
  const resumed = await train({ config: c, runDir: b, quiet: true, resume: true });
  assert.deepEqual(losses(resumed.metrics), losses(full.metrics.slice(3)));
  const events = fs.readFileSync(path.join(b, 'events.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(events.find((e) => e.event === 'config-keys-added')?.keys, ['enhanced.whitenRidge']);
  const changed = tinyConfig((c) => ((c.run.steps = 8), (c.enhanced.tau = 1)));
  await assert.rejects(train({ config: changed, runDir: b, quiet: true, resume: true }), /differs .* in enhanced\.tau \(only run\.steps may change\)/);
  [a, b].forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
});

test('a NaN loss stops the run naming the step and the term; the last good checkpoint stays', async () => {
  const c = tinyConfig((c) => (c.run.steps = 5));
  const toy = new ToyFeatureSource({ seed: 1, batchSize: 2, frames: 64 });
  const poisoned: FeatureSource = {
    description: 'toy with NaN at step 3',
    batchAt: (s) => {
      const b = toy.batchAt(s);
      if (s === 3) b.feats.fill(NaN);
      return b;
    },
    probe: () => toy.probe(),
  };
  const dir = tmp();
  await assert.rejects(train({ config: c, runDir: dir, quiet: true, source: poisoned }), /step 3: loss term (G|F) is NaN; stopped \(last good checkpoint: .*step-0000002.ckpt\)/);
  assert.equal(path.basename(latestCheckpoint(path.join(dir, 'checkpoints'))!), 'step-0000002.ckpt');
  fs.rmSync(dir, { recursive: true, force: true });
});

test('recomputing block activations (memory.recomputeBlocks) gives the same losses and gradients with less memory', async () => {
  await initBackend({ quiet: true });
  const src = new ToyFeatureSource({ seed: 2, batchSize: 2, frames: 64 });
  const peak: Record<string, number> = {};
  const out: Record<string, { losses: Record<string, number>; grads: Map<string, Float32Array> }> = {};
  for (const recompute of [false, true]) {
    const task = new MaskedPredictionTask(tinyConfig((c) => (c.memory.recomputeBlocks = recompute)));
    let r: ReturnType<typeof task.step> | null = null;
    const info = await tf.profile(() => {
      r = task.step(src.batchAt(0), { step: 0, micro: 0, totalSteps: 4, seed: 1 });
    });
    peak[String(recompute)] = info.peakBytes;
    out[String(recompute)] = { losses: r!.losses, grads: new Map([...r!.grads].map(([k, g]) => [k, g.dataSync() as Float32Array])) };
    for (const g of r!.grads.values()) g.dispose();
    task.dispose();
  }
  assert.deepEqual(out.true.losses, out.false.losses);
  for (const [k, g] of out.false.grads) {
    const h = out.true.grads.get(k)!;
    assert.ok(g.every((v, i) => Math.abs(v - h[i]) <= 1e-6 + 1e-5 * Math.abs(v)), k);
  }
  assert.ok(peak.true < peak.false, `peak ${peak.true} < ${peak.false}`);
});
