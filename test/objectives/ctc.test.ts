/**
 * ctcLoss against torch.nn.functional.ctc_loss (test/fixtures/ctc/golden.json, made by
 * test/fixtures/make_ctc_golden.py), finite differences, padding and batching invariants, on cpu and wasm.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { ctcLoss } from '../../src/objectives/ctc';
import { BirqError } from '../../src/util/errors';

interface Case {
  name: string; B: number; T: number; V: number; blank: number; zeroInfinity: boolean;
  logits: number[]; labels: number[][]; inputLengths: number[]; weights: number[];
  loss: (number | string)[]; grad: (number | string)[];
}
const golden = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/ctc/golden.json'), 'utf8')) as {
  meta: { tolerance: { rel: number; abs: number } };
  cases: Case[];
};
const { rel, abs } = golden.meta.tolerance;
const num = (v: number | string) => (typeof v === 'string' ? Number(v) : v);

function close(got: number, want: number, what: string): void {
  if (Number.isNaN(want)) return assert.ok(Number.isNaN(got), `${what}: got ${got}, want NaN`);
  if (!Number.isFinite(want)) return assert.equal(got, want, what);
  assert.ok(Math.abs(got - want) <= abs + rel * Math.abs(want), `${what}: got ${got}, want ${want}`);
}

/** Loss and gradient of sum_b w_b loss_b, as plain arrays; checks that no tensor leaks. */
function lossAndGrad(logits: tf.Tensor3D, c: Pick<Case, 'labels' | 'inputLengths' | 'blank' | 'zeroInfinity'>, w: number[]) {
  const before = tf.memory().numTensors;
  const wt = tf.tensor1d(w);
  const out = tf.tidy(() => {
    const loss = ctcLoss(logits, c.labels, c.inputLengths, { blank: c.blank, zeroInfinity: c.zeroInfinity });
    const g = tf.grad((x: tf.Tensor) => ctcLoss(x as tf.Tensor3D, c.labels, c.inputLengths, { blank: c.blank, zeroInfinity: c.zeroInfinity }).mul(wt).sum())(logits);
    return [loss, g];
  });
  const res = { loss: Array.from(out[0].dataSync()), grad: Array.from(out[1].dataSync()) };
  tf.dispose([...out, wt]);
  assert.equal(tf.memory().numTensors, before, 'ctcLoss leaks tensors');
  return res;
}

for (const backend of ['cpu', 'wasm']) {
  describe(`ctcLoss on ${backend}`, () => {
    before(async () => {
      await initBackend({ force: backend, quiet: true });
    });

    for (const c of golden.cases) {
      it(`matches torch: ${c.name}`, () => {
        assert.equal(tf.getBackend(), backend);
        const logits = tf.tensor3d(c.logits, [c.B, c.T, c.V]);
        const { loss, grad } = lossAndGrad(logits, c, c.weights);
        logits.dispose();
        loss.forEach((l, b) => close(l, num(c.loss[b]), `${c.name} loss[${b}]`));
        grad.forEach((g, i) => close(g, num(c.grad[i]), `${c.name} grad[${i}]`));
      });
    }

    it('gradient agrees with central finite differences', () => {
      const B = 2, T = 7, V = 5;
      const labels = [[1, 2, 2], [4, 3]];
      const lens = [7, 5];
      const x0 = Array.from({ length: B * T * V }, (_, i) => Math.sin(i * 1.7) * 2);
      const L = (x: number[]) => tf.tidy(() => ctcLoss(tf.tensor3d(x, [B, T, V]), labels, lens).sum().dataSync()[0]);
      const logits = tf.tensor3d(x0, [B, T, V]);
      const { grad } = lossAndGrad(logits, { labels, inputLengths: lens, blank: 0, zeroInfinity: false }, [1, 1]);
      logits.dispose();
      const eps = 1e-3;
      let checked = 0;
      for (let i = 0; i < x0.length; i += 3) {
        const xp = x0.slice(); xp[i] += eps;
        const xm = x0.slice(); xm[i] -= eps;
        const fd = (L(xp) - L(xm)) / (2 * eps);
        assert.ok(Math.abs(fd - grad[i]) <= 2e-3 + 2e-3 * Math.abs(fd), `entry ${i}: fd ${fd}, analytic ${grad[i]}`);
        checked++;
      }
      assert.ok(checked > 20);
      // Padded frames of the second utterance (t >= 5) get exactly zero gradient.
      for (let t = 5; t < T; t++) for (let k = 0; k < V; k++) assert.equal(grad[(T + t) * V + k], 0);
    });

    it('padding values do not change the loss; batched equals one-by-one', () => {
      const c = golden.cases.find((k) => k.name === 'repeats-and-padding')!;
      const x = c.logits.slice();
      for (let b = 0; b < c.B; b++) for (let t = c.inputLengths[b]; t < c.T; t++) for (let k = 0; k < c.V; k++) x[(b * c.T + t) * c.V + k] = 100 * Math.cos(t + k);
      const full = tf.tidy(() => Array.from(ctcLoss(tf.tensor3d(x, [c.B, c.T, c.V]), c.labels, c.inputLengths).dataSync()));
      full.forEach((l, b) => close(l, num(c.loss[b]), `padded loss[${b}]`));
      for (let b = 0; b < c.B; b++) {
        const n = c.inputLengths[b];
        const one = x.slice(b * c.T * c.V, (b * c.T + n) * c.V);
        const l = tf.tidy(() => ctcLoss(tf.tensor3d(one, [1, n, c.V]), [c.labels[b]], [n]).dataSync()[0]);
        close(l, full[b], `one-by-one loss[${b}]`);
      }
    });

    it('rejects bad input with a BirqError naming the problem', () => {
      const x = tf.zeros([2, 4, 3]) as tf.Tensor3D;
      assert.throws(() => ctcLoss(x, [[1]], [4, 4]), (e: Error) => e instanceof BirqError && /1 label sequences for a batch of 2/.test(e.message));
      assert.throws(() => ctcLoss(x, [[1], [0]], [4, 4]), /labels\[1\]\[0\] is the blank/);
      assert.throws(() => ctcLoss(x, [[1], [3]], [4, 4]), /outside \[0, 3\)/);
      assert.throws(() => ctcLoss(x, [[1], [2]], [4, 5]), /inputLengths\[1\] = 5/);
      assert.throws(() => ctcLoss(x, [[1], [2]], [4, 4], { blank: 3 }), /blank 3/);
      assert.throws(() => ctcLoss(tf.zeros([4, 3]) as never, [[1]], [4]), /ctcLoss: logits has shape \[4, 3\]/);
      x.dispose();
    });
  });
}
