/**
 * BiRQ's objective inside a real update: the step's gradient is w1·∇F + w2·∇G (each measured alone with the same
 * batch, seeds and weights), the logged total is w1·F + w2·G, and a training run logs exactly that with the
 * weights its schedule gave each step.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { ToyFeatureSource, train } from '../../src/train';
import { MaskedPredictionTask } from '../../src/tasks/masked-prediction';
import { tinyConfig } from './tiny';

test('a BiRQ step follows w1·∇F + w2·∇G and reports total = w1·F + w2·G', async () => {
  await initBackend({ quiet: true });
  const src = new ToyFeatureSource({ seed: 3, batchSize: 2, frames: 64 });
  const stepWith = (w1: number, w2: number) => {
    const task = new MaskedPredictionTask(tinyConfig((c) => { c.objective = { ...c.objective, schedule: 'constant', w1, w2 }; }));
    const r = task.step(src.batchAt(1), { step: 1, micro: 0, totalSteps: 4, seed: 5 });
    const grads = new Map([...r.grads].map(([n, g]) => [n, Float64Array.from(g.dataSync())]));
    r.grads.forEach((g) => g.dispose());
    task.dispose();
    return { ...r, grads };
  };
  const [w1, w2] = [0.7, 2.5];
  const onlyF = stepWith(1, 0);
  const onlyG = stepWith(0, 1);
  const both = stepWith(w1, w2);
  // Same batch, masks, dropout and Gumbel noise: the terms themselves agree across the three steps.
  assert.equal(both.losses.F, onlyF.losses.F);
  assert.equal(both.losses.G, onlyG.losses.G);
  assert.ok(Math.abs(both.losses.total - (w1 * both.losses.F + w2 * both.losses.G)) < 1e-6 * both.losses.total);
  assert.deepEqual([both.metrics.w1, both.metrics.w2], [w1, w2]);
  let checked = 0;
  let scale = 0;
  for (const [name, g] of both.grads) {
    const f = onlyF.grads.get(name);
    const gg = onlyG.grads.get(name);
    for (let i = 0; i < g.length; i++) {
      const want = w1 * (f ? f[i] : 0) + w2 * (gg ? gg[i] : 0);
      scale = Math.max(scale, Math.abs(want));
      assert.ok(Math.abs(g[i] - want) <= 1e-4 * Math.max(Math.abs(want), 1e-2), `${name}[${i}]: ${g[i]} vs w1·∇F + w2·∇G = ${want}`);
      checked++;
    }
  }
  assert.ok(checked > 1000 && scale > 1e-3, `${checked} gradient entries, largest ${scale}`);
  // Both terms shape the encoder's gradient (neither weight is silently dropped).
  const enc = [...both.grads.keys()].find((n) => n.startsWith('block.0.'))!;
  assert.ok(onlyF.grads.get(enc)!.some((v) => Math.abs(v) > 1e-6) && onlyG.grads.get(enc)!.some((v) => Math.abs(v) > 1e-6), enc);
});

test('a training run logs total = w1·F + w2·G with the weights of each step (increasing w2)', async () => {
  await initBackend({ quiet: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-total-'));
  const c = tinyConfig((c) => { c.objective = { ...c.objective, schedule: 'increasing', w1: 0.8, w2Start: 0.5, w2: 2 }; });
  await train({ config: c, runDir: dir, quiet: true });
  const rows = fs.readFileSync(path.join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, c.run.steps);
  const w2s = rows.map((m) => m.w2);
  assert.ok(w2s[0] < w2s[w2s.length - 1], `w2 ramps: ${w2s}`);
  for (const m of rows) {
    assert.equal(m.w1, 0.8);
    assert.ok(Math.abs(m.total - (m.w1 * m.F + m.w2 * m.G)) < 1e-6 * m.total, `step ${m.step}: total ${m.total}, F ${m.F}, G ${m.G}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
