/**
 * The native heap kernels (src/backend/native): sgemm through the system BLAS, exp, log, and sums over leading
 * axes, each against the cpu backend or float64 references, plus the cases they hand back to wasm.
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initBackend, nativeBlas } from '../../src/backend';
import { maxAbsDiff, onBackend } from '../helpers';

function randn(n: number, seed: number): Float32Array {
  let s = seed;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 1) / 4294967297;
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

const size = (s: number[]) => s.reduce((p, d) => p * d, 1);

/** max |a - b| relative to the reference's largest magnitude: float32 sums in another order differ by ~1e-7 of it. */
function scaledDiff(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(ref[i]));
  return maxAbsDiff(a, ref) / Math.max(m, 1e-30);
}

test('the native kernels load here (gcc, node-api-headers and OpenBLAS come with npm run setup)', async () => {
  const { blas, why } = nativeBlas();
  assert.ok(blas, `native kernels did not load: ${why}`);
  assert.match(blas.library, /openblas/i);
  const r = await initBackend({ force: 'wasm', quiet: true });
  assert.equal(r.blas, `${blas.library}, ${blas.threads} thread${blas.threads > 1 ? 's' : ''}`); // describeBlas's format
  for (const k of ['Exp', 'Log', 'Sum']) assert.ok(r.patches.some((p) => p.startsWith(`${k}: native`)), k);
});

// [a shape, b shape, transposeA, transposeB, bias shape | null, activation]
const MATMULS: [number[], number[], boolean, boolean, number[] | null, string][] = [
  [[5, 7], [7, 3], false, false, null, 'linear'],
  [[7, 5], [7, 3], true, false, null, 'linear'],
  [[5, 7], [3, 7], false, true, null, 'linear'],
  [[7, 5], [3, 7], true, true, null, 'linear'],
  [[4, 6, 5], [4, 5, 3], false, false, null, 'linear'], // equal batches
  [[4, 5, 6], [4, 3, 5], true, true, null, 'linear'],
  [[2, 3, 6, 5], [5, 4], false, false, null, 'linear'], // b without batch: folded into one sgemm
  [[2, 3, 5, 6], [4, 5], true, true, null, 'linear'], // b without batch, transposed a: one sgemm per batch
  [[6, 5], [3, 5, 4], false, false, null, 'linear'], // a without batch
  [[3, 1, 6, 5], [1, 2, 5, 4], false, false, null, 'linear'], // two-sided broadcast: left to wasm
  [[64, 144], [144, 576], false, false, [576], 'linear'], // fused bias, a real layer's shape
  [[1, 37, 33], [1, 33, 70], false, false, [70], 'linear'],
  [[9, 4], [6, 4], false, true, [6], 'relu'], // activation: left to wasm
];

for (const [sa, sb, ta, tb, sbias, act] of MATMULS) {
  test(`native matMul equals cpu: ${JSON.stringify(sa)}${ta ? 'ᵀ' : ''} · ${JSON.stringify(sb)}${tb ? 'ᵀ' : ''}${sbias ? ` + bias ${JSON.stringify(sbias)}` : ''} ${act}`, async () => {
    const run = () =>
      tf.tidy(() => {
        const a = tf.tensor(randn(size(sa), 1), sa);
        const b = tf.tensor(randn(size(sb), 2), sb);
        const bias = sbias ? tf.tensor(randn(size(sbias), 3), sbias) : undefined;
        const y = sbias || act !== 'linear'
          ? tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation: act as 'linear' | 'relu' })
          : tf.matMul(a, b, ta, tb);
        return { shape: y.shape, data: Float32Array.from(y.dataSync()) };
      });
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    assert.deepEqual(wasm.shape, cpu.shape);
    assert.ok(scaledDiff(wasm.data, cpu.data) < 1e-6, `scaled diff ${scaledDiff(wasm.data, cpu.data)}`);
  });
}

test('native kernels leave int32 tensors to wasm; empty matMuls are exact (k = 0 gives zeros, plus the bias)', async () => {
  await initBackend({ force: 'wasm', quiet: true });
  // Entries past 2^24: a float32 path (the native kernels read raw float32) would round or read garbage bits.
  const big = [16777217, -3, 16777219, 5, 7, -16777221];
  tf.tidy(() => {
    const x = tf.tensor2d(big, [3, 2], 'int32');
    const s = tf.sum(x, 0); // a leading-axis Sum, which the native kernel takes for float32
    assert.equal(s.dtype, 'int32');
    assert.deepEqual(Array.from(s.dataSync()), [16777217 + 16777219 + 7, -3 + 5 - 16777221]);
    assert.deepEqual(Array.from(tf.sum(x.reshape([3, 1, 2]), [0, 1]).dataSync()), [33554443, -16777219]);
    // wasm has no int32 BatchMatMul: an int32 matMul must reach wasm's own refusal, not a float32 sgemm.
    assert.throws(() => tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor2d([5, 6, 7, 8], [2, 2], 'int32')),
      /BatchMatMul for non non-float32 tensors not yet supported/);
    // Empty operands: n = 0 gives an empty result, k = 0 a zero matrix (wasm's own kernel returns uninitialized
    // memory there, so the native matMul takes that case).
    assert.deepEqual(tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.zeros([2, 0])).shape, [2, 0]);
    const k0 = tf.matMul(tf.zeros([2, 0]), tf.zeros([0, 3]));
    assert.deepEqual(k0.shape, [2, 3]);
    assert.deepEqual(Array.from(k0.dataSync()), [0, 0, 0, 0, 0, 0]);
    const k0b = tf.fused.matMul({ a: tf.zeros([2, 1, 0]), b: tf.zeros([0, 3]), bias: tf.tensor1d([1, 2, 3]) });
    assert.deepEqual(Array.from(k0b.dataSync()), [1, 2, 3, 1, 2, 3]);
  });
});

/** Distance in float32 ulps between a float32 result and a float64 reference. */
function ulps(got: number, want: number): number {
  if (Number.isNaN(want)) return Number.isNaN(got) ? 0 : Infinity;
  if (!Number.isFinite(want)) return got === want ? 0 : Infinity;
  const f = Math.fround(want);
  const buf = new Float32Array([f]);
  const bits = new Int32Array(buf.buffer);
  bits[0] += 1;
  const ulp = Math.abs(buf[0] - f) || 1.4e-45;
  return Math.abs(got - want) / ulp;
}

test('native exp and log are within 1.5 ulp of float64 over a sweep of floats, specials included', async () => {
  await initBackend({ force: 'wasm', quiet: true });
  // Every 4093rd float32 bit pattern of both signs, plus the special values.
  const bits = new Uint32Array(2 * Math.ceil(0x7f800000 / 4093) + 8);
  let n = 0;
  for (let u = 0; u < 0x7f800000; u += 4093) {
    bits[n++] = u;
    bits[n++] = u | 0x80000000;
  }
  const xs = new Float32Array(bits.buffer, 0, n);
  const specials = Float32Array.from([0, -0, 1, -1, Infinity, -Infinity, NaN, 1e-45, -1e-45, 88.72, 88.73, -103.9, -104]);
  const x = new Float32Array(n + specials.length);
  x.set(xs);
  x.set(specials, n);
  const [e, l] = tf.tidy(() => {
    const t = tf.tensor1d(x);
    return [tf.exp(t).dataSync(), tf.log(t).dataSync()];
  });
  let worstExp = 0, worstLog = 0;
  for (let i = 0; i < x.length; i++) {
    const wantE = Math.exp(x[i]);
    // Results in the float32 denormal range carry fewer bits; judge them absolutely.
    if (wantE > 1.2e-38 || !Number.isFinite(wantE)) worstExp = Math.max(worstExp, ulps(e[i], wantE > 3.4028235e38 ? Infinity : wantE));
    else assert.ok(Math.abs(e[i] - wantE) < 3e-45, `exp(${x[i]}) = ${e[i]}, want ${wantE}`);
    const wantL = x[i] < 0 ? NaN : Math.log(x[i]);
    worstLog = Math.max(worstLog, ulps(l[i], wantL));
  }
  assert.ok(worstExp <= 1.5, `exp: worst ${worstExp} ulp`);
  assert.ok(worstLog <= 1.5, `log: worst ${worstLog} ulp`);
  assert.ok(Number.isNaN(e[n + 6]) && Number.isNaN(l[n + 6]), 'NaN passes through exp and log');
  assert.equal(l[n], -Infinity);
  assert.equal(l[n + 1], -Infinity);
  assert.ok(Number.isNaN(l[n + 3]), 'log(-1) is NaN');
  assert.equal(e[n + 4], Infinity);
  assert.equal(e[n + 5], 0);
});

// [shape, axis, keepDims]; sums of up to 1600 float32 terms in another order differ by a few 1e-6 of the scale
const SUMS: [number[], number | number[], boolean][] = [
  [[1600, 144], 0, false],
  [[1, 719, 33], [0, 1], false],
  [[8, 20, 16], [1, 0], true],
  [[8, 20, 16], -3, false],
  [[8, 20, 16], 1, false], // not leading: wasm
  [[8, 20, 16], [0, 1, 2], false], // every axis: wasm
];

for (const [shape, axis, keepDims] of SUMS) {
  test(`native sum over leading axes equals cpu: ${JSON.stringify(shape)} axis ${JSON.stringify(axis)}${keepDims ? ' keepDims' : ''}`, async () => {
    const run = () =>
      tf.tidy(() => {
        const y = tf.sum(tf.tensor(randn(size(shape), 5), shape), axis, keepDims);
        return { shape: y.shape, data: Float32Array.from(y.dataSync()) };
      });
    const cpu = await onBackend('cpu', run);
    const wasm = await onBackend('wasm', run);
    assert.deepEqual(wasm.shape, cpu.shape);
    assert.ok(scaledDiff(wasm.data, cpu.data) < 1e-5, `scaled diff ${scaledDiff(wasm.data, cpu.data)}`);
  });
}

test('a heap kernel given an operand outside the heap throws a RangeError and writes nothing', () => {
  const { blas } = nativeBlas();
  assert.ok(blas);
  const heap = new ArrayBuffer(64);
  const f = new Float32Array(heap);
  assert.throws(() => blas.kernels.gemm(heap, 1, 4, 4, 4, 0, 0, 0, 0, 0, 0, 32, 0, -1), /outside the wasm heap/);
  assert.throws(() => blas.kernels.unary(heap, 0, 0, 60, 4), /outside the wasm heap/);
  assert.throws(() => blas.kernels.unary(heap, 0, 0, 4, 4), /overlaps/);
  assert.throws(() => blas.kernels.sumRows(heap, 0, 5, 4, 0), /outside the wasm heap/);
  assert.ok(f.every((v) => v === 0));
});

test('native kernels leave no tensors and no backend memory behind', async () => {
  await initBackend({ force: 'wasm', quiet: true });
  const a = tf.randomNormal([3, 8, 5]);
  const b = tf.randomNormal([5, 6]);
  const work = () => tf.tidy(() => tf.sum(tf.exp(tf.log(tf.abs(tf.matMul(a, b)))), [0, 1]));
  work().dispose();
  const before = tf.memory() as tf.MemoryInfo & { numDataBuffers?: number };
  for (let i = 0; i < 5; i++) work().dispose();
  const after = tf.memory() as tf.MemoryInfo & { numDataBuffers?: number };
  assert.equal(after.numTensors, before.numTensors);
  assert.equal(after.numBytes, before.numBytes);
  assert.equal(after.numDataBuffers, before.numDataBuffers);
  tf.dispose([a, b]);
});

test('without the native kernels (BIRQ_NATIVE_BLAS=0) wasm keeps its own kernels, patched, and the gradient checks pass', async () => {
  const { spawnSync } = await import('node:child_process');
  const path = await import('node:path');
  const root = path.resolve(__dirname, '..', '..');
  const files = ['test/backend/backend.test.ts', 'test/model/depthwise-and-slice.test.ts'];
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=dot', ...files], {
    cwd: root, encoding: 'utf8', env: { ...process.env, BIRQ_NATIVE_BLAS: '0' }, timeout: 240000,
  });
  assert.equal(r.status, 0, `${files.join(', ')} failed with BIRQ_NATIVE_BLAS=0:\n${(r.stdout + r.stderr).slice(-3000)}`);
  const probe = spawnSync(process.execPath, ['--import', 'tsx', '-e', "require('./src/backend').initBackend({ force: 'wasm', quiet: true }).then((r) => console.log(JSON.stringify(r)))"], {
    cwd: root, encoding: 'utf8', env: { ...process.env, BIRQ_NATIVE_BLAS: '0' },
  });
  const report = JSON.parse(probe.stdout.trim().split('\n').pop()!);
  assert.equal(report.blas, null);
  assert.ok(report.patches.some((p: string) => /BatchMatMul: explicit transpose.*BIRQ_NATIVE_BLAS=0/.test(p)), report.patches.join('; '));
  assert.ok(!report.patches.some((p: string) => p.startsWith('Birq')));
});
