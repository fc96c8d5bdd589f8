/**
 * AdamW against torch.optim.AdamW: 25-step trajectories recorded by test/fixtures/make_optim_golden.py
 * (two configs, two tensors, steps without a gradient, learning rates that change every step).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { AdamW } from '../../src/train/adamw';
import { maxAbsDiff } from '../helpers';

interface Step { lr: number; grads: Record<string, number[] | null>; params: Record<string, number[]> }
interface Case { name: string; beta1: number; beta2: number; eps: number; weightDecay: number; shapes: Record<string, number[]>; init: Record<string, number[]>; steps: Step[] }
const golden = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/optim/adamw-golden.json'), 'utf8')) as { tolerance: { abs: number }; cases: Case[] };

for (const backend of ['cpu', 'wasm'] as const) {
  for (const c of golden.cases) {
    test(`AdamW follows torch.optim.AdamW for ${c.steps.length} steps: ${c.name} (${backend})`, async () => {
      await initBackend({ force: backend, quiet: true });
      const names = Object.keys(c.shapes);
      const vars = names.map((n) => [n, tf.variable(tf.tensor(c.init[n], c.shapes[n]))] as [string, tf.Variable]);
      const opt = new AdamW({ beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay }, vars);
      let worst = 0;
      c.steps.forEach((s, t) => {
        const grads = new Map<string, tf.Tensor>();
        for (const n of names) if (s.grads[n]) grads.set(n, tf.tensor(s.grads[n]!, c.shapes[n]));
        opt.step(grads, s.lr);
        tf.dispose([...grads.values()]);
        for (const [n, v] of vars) {
          const d = maxAbsDiff(v.dataSync(), s.params[n]);
          worst = Math.max(worst, d);
          assert.ok(d < golden.tolerance.abs, `step ${t + 1}, ${n}: max |ours - torch| = ${d}`);
        }
      });
      // The comparison has teeth: the parameters moved much further than the tolerance.
      const moved = Math.max(...names.map((n) => maxAbsDiff(c.init[n], c.steps[c.steps.length - 1].params[n])));
      assert.ok(moved > 100 * golden.tolerance.abs, `moved ${moved}`);
      assert.equal(opt.t, c.steps.length);
      opt.dispose();
      vars.forEach(([, v]) => v.dispose());
    });
  }
}
