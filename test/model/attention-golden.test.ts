/**
 * Multi-head self-attention against torch (test/fixtures/make_attention_golden.py): outputs and the gradients
 * of sum(out * R) for x and every weight, with key padding. torch decides which columns form each head; we
 * only transpose its [out, in] weights to our [in, out]. Run on cpu (the tfjs formulation) and on wasm (the
 * native attention kernel, which npm run setup builds).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { hasNativeKernel, initBackend } from '../../src/backend';
import { keyPaddingBias, multiHeadSelfAttention } from '../../src/model/attention';
import { maxAbsDiff } from '../helpers';

type Arrays = 'x' | 'inProjWeight' | 'inProjBias' | 'outProjWeight' | 'outProjBias';
interface Case extends Record<Arrays, number[]> { name: string; B: number; T: number; D: number; H: number; lengths: number[]; R: number[]; out: number[]; grad: Record<Arrays, number[]> }
const golden = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/model/attention-golden.json'), 'utf8')) as { tolerance: { abs: number }; cases: Case[] };

for (const backend of ['cpu', 'wasm'] as const) {
  for (const c of golden.cases) {
    test(`attention equals torch's multi_head_attention_forward, values and gradients: ${c.name} (${backend})`, async () => {
      await initBackend({ force: backend, quiet: true });
      // On wasm this is the native attention kernel's test too (its tfjs fallback is what cpu runs).
      assert.equal(hasNativeKernel('BirqAttention'), backend === 'wasm');
      const { B, T, D, H } = c;
      const tol = golden.tolerance.abs;
      tf.tidy(() => {
        const x = tf.tensor3d(c.x, [B, T, D]);
        const wQkv = tf.tensor2d(c.inProjWeight, [3 * D, D]).transpose(); // torch [3D, D] -> ours [D, 3D]
        const bQkv = tf.tensor1d(c.inProjBias);
        const wOut = tf.tensor2d(c.outProjWeight, [D, D]).transpose();
        const bOut = tf.tensor1d(c.outProjBias);
        const mask = tf.tensor2d(c.lengths.flatMap((n) => Array.from({ length: T }, (_, t) => (t < n ? 1 : 0))), [B, T]);
        const bias = keyPaddingBias(mask);
        const R = tf.tensor3d(c.R, [B, T, D]);
        const f = (xx: tf.Tensor, wq: tf.Tensor, bq: tf.Tensor, wo: tf.Tensor, bo: tf.Tensor) =>
          tf.sum(tf.mul(multiHeadSelfAttention(xx as tf.Tensor3D, wq, bq, wo, bo, H, bias), R));
        const out = multiHeadSelfAttention(x, wQkv, bQkv, wOut, bOut, H, bias);
        assert.ok(maxAbsDiff(out.dataSync(), c.out) < tol, `output: ${maxAbsDiff(out.dataSync(), c.out)}`);
        const g = tf.grads(f)([x, wQkv, bQkv, wOut, bOut]);
        const want: [string, tf.Tensor, number[]][] = [
          ['x', g[0], c.grad.x],
          ['wQkv', g[1].transpose(), c.grad.inProjWeight], // back to torch's [3D, D]
          ['bQkv', g[2], c.grad.inProjBias],
          ['wOut', g[3].transpose(), c.grad.outProjWeight],
          ['bOut', g[4], c.grad.outProjBias],
        ];
        for (const [name, got, ref] of want) assert.ok(maxAbsDiff(got.dataSync(), ref) < tol, `gradient ${name}: ${maxAbsDiff(got.dataSync(), ref)}`);
      });
    });
  }
}
