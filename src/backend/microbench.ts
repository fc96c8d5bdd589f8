/**
 * Backend micro-benchmarks (bench/backend.ts prints them; notebook 00 shows them):
 *   matMul 512³ throughput, and a feed-forward block 1600×144 → 576 → 144 (swish), mean-square loss,
 *   forward alone vs forward + backward. The ratio bwd/fwd exposes the transposed-matMul trap on wasm.
 */
import * as tf from '@tensorflow/tfjs';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ms of `fn` over `reps` after `warmup` calls; `fn` must force its result (an awaited read: WebGPU has no other). */
export async function timeMs(fn: () => unknown, reps = 7, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await fn();
    ts.push(performance.now() - t);
  }
  return median(ts);
}

/** Read a tensor (forcing its computation) and dispose it. */
async function force(t: tf.Tensor): Promise<void> {
  await t.data();
  t.dispose();
}

export async function matmulGflops(n = 512, reps = 7): Promise<number> {
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const ms = await timeMs(() => force(tf.tidy(() => tf.matMul(a, b))), reps);
  tf.dispose([a, b]);
  return (2 * n * n * n) / (ms * 1e6);
}

export interface FfnTimes {
  ffn_fwd_ms: number;
  ffn_fwd_bwd_ms: number;
  ratio: number;
}

/** Feed-forward block [N, D] -> [N, F] -> [N, D] with swish; loss = mean square of the output. */
export async function ffnTimes(rows = 1600, d = 144, f = 576, reps = 7): Promise<FfnTimes> {
  const x = tf.randomNormal([rows, d], 0, 1, 'float32', 3);
  const w1 = tf.variable(tf.randomNormal([d, f], 0, 0.05, 'float32', 4));
  const w2 = tf.variable(tf.randomNormal([f, d], 0, 0.05, 'float32', 5));
  const loss = () => {
    const h = tf.matMul(x, w1); // [N, F]
    return tf.mean(tf.square(tf.matMul(tf.mul(h, tf.sigmoid(h)), w2))) as tf.Scalar;
  };
  const fwd = await timeMs(() => force(tf.tidy(() => loss())), reps);
  const fwdBwd = await timeMs(async () => {
    const { value, grads } = tf.variableGrads(loss, [w1, w2]);
    await Promise.all([value.data(), grads[w1.name].data(), grads[w2.name].data()]);
    tf.dispose([value, ...Object.values(grads)]);
  }, reps);
  tf.dispose([x, w1, w2]);
  return { ffn_fwd_ms: fwd, ffn_fwd_bwd_ms: fwdBwd, ratio: fwdBwd / fwd };
}
