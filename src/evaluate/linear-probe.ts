/**
 * A linear softmax classifier on frozen frame features, fit quickly and deterministically: the probe of
 * phone-probe.ts (how linearly decodable phones are from one layer's features).
 *
 * Fit: features standardized with the training set's mean and sd (so one L2 weight means the same on every
 * layer), parameters start at zero, and L-BFGS (memory 10, backtracking Armijo line search) minimizes
 *     mean_i CE(softmax(W·x_i + b), y_i) + (l2 / 2) ||W||²       (the bias is not penalized)
 * for a fixed maximum number of iterations. The objective is strictly convex (l2 > 0), so the optimum does not
 * depend on the start, and the fixed start, fixed order and fixed iteration count make the result
 * bit-reproducible on one machine (one BLAS thread). Loss and gradient are two matMuls [N, D]·[D, C] and
 * [D, N]·[N, C] on the tfjs backend (native sgemm on wasm); the L-BFGS state is float64 in JS.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../util/errors';
import { Reads, runSync } from '../train/reads';

/** Frame features [N, D] row-major with a class per frame. */
export interface ProbeSet {
  x: Float32Array;
  dim: number;
  y: Int32Array;
}

export interface LinearProbeOptions {
  /** Number of classes C (labels in 0..C-1). */
  classes: number;
  /** L2 weight on W (default 1e-3). */
  l2?: number;
  /** Maximum L-BFGS iterations (default 100). */
  iterations?: number;
  /** Stop when the gradient's max-norm falls below this (default 1e-5). */
  tolerance?: number;
}

export interface LinearProbe {
  dim: number;
  classes: number;
  /** Standardization of the inputs (from the training set). */
  mean: Float32Array;
  invStd: Float32Array;
  /** W [D, C] row-major and b [C], on standardized inputs. */
  w: Float32Array;
  b: Float32Array;
  /** Iterations run and the final objective. */
  iterations: number;
  loss: number;
}

function checkSet(s: ProbeSet, what: string, classes?: number): number {
  const n = s.y.length;
  if (s.x.length !== n * s.dim) fail(`${what}: ${s.x.length} feature values are not ${n} frames x ${s.dim}`);
  if (classes !== undefined) for (let i = 0; i < n; i++) if (!(s.y[i] >= 0 && s.y[i] < classes)) fail(`${what}: label ${s.y[i]} at frame ${i} is outside 0..${classes - 1}`);
  return n;
}

/** Per-dimension mean and 1 / sd of [N, D] rows (float64 sums; constant dimensions get 1 / sd = 0). */
function standardization(x: Float32Array, dim: number): { mean: Float32Array; invStd: Float32Array } {
  const n = x.length / dim;
  const m = new Float64Array(dim);
  const v = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) m[d] += x[i * dim + d];
  for (let d = 0; d < dim; d++) m[d] /= n;
  for (let i = 0; i < n; i++)
    for (let d = 0; d < dim; d++) {
      const e = x[i * dim + d] - m[d];
      v[d] += e * e;
    }
  const invStd = new Float32Array(dim);
  for (let d = 0; d < dim; d++) {
    const sd = Math.sqrt(v[d] / n);
    invStd[d] = sd > 1e-6 * (1 + Math.abs(m[d])) ? 1 / sd : 0;
  }
  return { mean: Float32Array.from(m), invStd };
}

function standardized(x: Float32Array, dim: number, mean: Float32Array, invStd: Float32Array): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.sub(tf.tensor2d(x, [x.length / dim, dim]), tf.tensor1d(mean)), tf.tensor1d(invStd)) as tf.Tensor2D);
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

/** Fit the probe on `train` (see the file comment). */
export function fitLinearProbe(train: ProbeSet, opts: LinearProbeOptions): LinearProbe {
  return runSync(fitLinearProbeReads(train, opts));
}

/** `fitLinearProbe` as a read generator (train/reads.ts): one read per objective evaluation. */
export function* fitLinearProbeReads(train: ProbeSet, opts: LinearProbeOptions): Reads<LinearProbe> {
  const C = opts.classes;
  const D = train.dim;
  const N = checkSet(train, 'fitLinearProbe', C);
  if (N === 0) fail('fitLinearProbe: no training frames');
  const l2 = opts.l2 ?? 1e-3;
  const maxIter = opts.iterations ?? 100;
  const tol = opts.tolerance ?? 1e-5;
  const { mean, invStd } = standardization(train.x, D);
  const X = standardized(train.x, D, mean, invStd); // [N, D]
  const Y = tf.tidy(() => tf.oneHot(tf.tensor1d(train.y, 'int32'), C).toFloat()); // [N, C]
  const P = D * C + C; // theta = [W (D x C, row-major), b (C)]
  // Objective and gradient at theta, in float64 (the data terms come back from tfjs in float32).
  const evaluate = function* (theta: Float64Array): Reads<{ f: number; g: Float64Array }> {
    const [lossT, dWT, dbT] = tf.tidy(() => {
      const W = tf.tensor2d(Float32Array.from(theta.subarray(0, D * C)), [D, C]);
      const b = tf.tensor1d(Float32Array.from(theta.subarray(D * C)));
      const logp = tf.logSoftmax(tf.add(tf.matMul(X, W), b)); // [N, D]·[D, C] -> [N, C]
      const loss = tf.div(tf.neg(tf.sum(tf.mul(logp, Y))), N);
      const G = tf.div(tf.sub(tf.exp(logp), Y), N); // d mean CE / d logits, [N, C]
      return [loss, tf.matMul(X, G, true, false), tf.sum(G, 0)]; // [D, N]·[N, C] -> [D, C]; [C]
    });
    const [dW, db, lossV] = yield [dWT, dbT, lossT];
    let f = lossV[0];
    tf.dispose([lossT, dWT, dbT]);
    const g = new Float64Array(P);
    for (let i = 0; i < D * C; i++) {
      g[i] = dW[i] + l2 * theta[i];
      f += 0.5 * l2 * theta[i] * theta[i];
    }
    for (let c = 0; c < C; c++) g[D * C + c] = db[c];
    return { f, g };
  };
  const M = 10;
  const S: Float64Array[] = [];
  const Yk: Float64Array[] = [];
  let theta = new Float64Array(P);
  let { f, g } = yield* evaluate(theta);
  let it = 0;
  try {
    for (; it < maxIter; it++) {
      let gmax = 0;
      for (let i = 0; i < P; i++) gmax = Math.max(gmax, Math.abs(g[i]));
      if (gmax < tol) break;
      // Two-loop recursion: d = -H g.
      const q = Float64Array.from(g);
      const alpha: number[] = [];
      for (let j = S.length - 1; j >= 0; j--) {
        const a = dot(S[j], q) / dot(Yk[j], S[j]);
        alpha[j] = a;
        for (let i = 0; i < P; i++) q[i] -= a * Yk[j][i];
      }
      const gamma = S.length ? dot(S[S.length - 1], Yk[S.length - 1]) / dot(Yk[S.length - 1], Yk[S.length - 1]) : 1 / Math.sqrt(dot(g, g));
      for (let i = 0; i < P; i++) q[i] *= gamma;
      for (let j = 0; j < S.length; j++) {
        const beta = dot(Yk[j], q) / dot(Yk[j], S[j]);
        for (let i = 0; i < P; i++) q[i] += S[j][i] * (alpha[j] - beta);
      }
      const d = q.map((v) => -v);
      let slope = dot(g, d);
      if (!(slope < 0)) {
        // Not a descent direction (curvature pairs went stale): restart from steepest descent.
        S.length = 0;
        Yk.length = 0;
        const s = 1 / Math.sqrt(dot(g, g));
        for (let i = 0; i < P; i++) d[i] = -g[i] * s;
        slope = dot(g, d);
      }
      // Backtracking Armijo line search from step 1.
      let step = 1;
      let next: { f: number; g: Float64Array } | null = null;
      let cand = theta;
      for (let ls = 0; ls < 30; ls++) {
        cand = theta.map((v, i) => v + step * d[i]);
        const e = yield* evaluate(cand);
        if (e.f <= f + 1e-4 * step * slope) {
          next = e;
          break;
        }
        step *= 0.5;
      }
      if (!next) break; // no decrease representable in float32: converged as far as the data allow
      const s = cand.map((v, i) => v - theta[i]);
      const y = next.g.map((v, i) => v - g[i]);
      if (dot(s, y) > 1e-12) {
        S.push(s);
        Yk.push(y);
        if (S.length > M) {
          S.shift();
          Yk.shift();
        }
      }
      theta = cand;
      f = next.f;
      g = next.g;
    }
  } finally {
    tf.dispose([X, Y]);
  }
  return { dim: D, classes: C, mean, invStd, w: Float32Array.from(theta.subarray(0, D * C)), b: Float32Array.from(theta.subarray(D * C)), iterations: it, loss: f };
}

/** Most likely class per frame of [N, D] features. */
export function probePredict(p: LinearProbe, x: Float32Array): Int32Array {
  return runSync(probePredictReads(p, x));
}

export function* probePredictReads(p: LinearProbe, x: Float32Array): Reads<Int32Array> {
  if (x.length % p.dim !== 0) fail(`probePredict: ${x.length} values are not rows of ${p.dim}`);
  const out = tf.tidy(() => tf.argMax(tf.add(tf.matMul(standardized(x, p.dim, p.mean, p.invStd), tf.tensor2d(p.w, [p.dim, p.classes])), tf.tensor1d(p.b)), 1));
  const r = Int32Array.from((yield [out])[0]);
  out.dispose();
  return r;
}

/** Fraction of frames of `set` the probe classifies correctly. */
export function probeAccuracy(p: LinearProbe, set: ProbeSet): number {
  return runSync(probeAccuracyReads(p, set));
}

export function* probeAccuracyReads(p: LinearProbe, set: ProbeSet): Reads<number> {
  const n = checkSet(set, 'probeAccuracy');
  if (set.dim !== p.dim) fail(`probeAccuracy: features have ${set.dim} dimensions, the probe ${p.dim}`);
  if (n === 0) fail('probeAccuracy: no frames');
  const pred = yield* probePredictReads(p, set.x);
  let ok = 0;
  for (let i = 0; i < n; i++) if (pred[i] === set.y[i]) ok++;
  return ok / n;
}

/** Accuracy on `evalY` of always answering the most frequent class of `trainY` (ties: the lower class). */
export function majorityAccuracy(trainY: ArrayLike<number>, evalY: ArrayLike<number>): { cls: number; accuracy: number } {
  if (!trainY.length || !evalY.length) fail('majorityAccuracy: no frames');
  const counts = new Map<number, number>();
  for (let i = 0; i < trainY.length; i++) counts.set(trainY[i], (counts.get(trainY[i]) ?? 0) + 1);
  let cls = -1;
  let best = -1;
  for (const [c, n] of counts) if (n > best || (n === best && c < cls)) [cls, best] = [c, n];
  let ok = 0;
  for (let i = 0; i < evalY.length; i++) if (evalY[i] === cls) ok++;
  return { cls, accuracy: ok / evalY.length };
}
