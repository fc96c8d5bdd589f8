/**
 * k-means for offline HuBERT-style relabeling (Hsu et al. 2021 §III-B; docs/method.md §7): cluster frame features
 * of one encoder layer, then use the cluster ids as masked-prediction targets of a second pretraining round.
 *
 * Lloyd's algorithm with k-means++ seeding (Arthur & Vassilvitskii 2007) on rows x [N, D]:
 *   assign   z_i = argmin_j ||x_i - c_j||^2 = argmax_j (2 x_i·c_j - ||c_j||^2)   (one matMul per chunk, tfjs)
 *   update   c_j = mean of the rows assigned to j (float64 sums in JS)
 * until the relative drop of the inertia sum_i ||x_i - c_{z_i}||^2 is below `tol` or `iterations` is reached.
 * An empty cluster is re-seeded with the row farthest from its centroid (sklearn's rule), so all k stay in use.
 * Deterministic given `seed`. Like fairseq's HuBERT recipe, fit it on a subsample of frames and then assign all.
 */
import * as tf from '@tensorflow/tfjs';
import { fail } from '../util/errors';
import { Rng } from '../util/rng';
import { Reads, runAsync, runSync } from '../train/reads';

export interface KMeansOptions {
  k: number;
  /** Lloyd iterations at most (default 50). */
  iterations?: number;
  /** Stop when the inertia falls by less than this fraction (default 1e-4). */
  tol?: number;
  seed?: number;
  /** Rows per assignment matMul (default 4096). */
  chunk?: number;
}

export interface KMeansModel {
  k: number;
  dim: number;
  /** [k, D] row-major. */
  centroids: Float32Array;
  /** Inertia after each iteration (non-increasing). */
  inertia: number[];
  iterations: number;
}

/** Nearest centroid of each row x [N, D]; also the squared distance to it. */
export function kmeansAssign(m: Pick<KMeansModel, 'k' | 'dim' | 'centroids'>, x: Float32Array, chunk = 4096): { labels: Int32Array; dist2: Float64Array } {
  return runSync(kmeansAssignReads(m, x, chunk));
}

/** `kmeansAssign` as a read generator (train/reads.ts): one read per chunk of rows. */
export function* kmeansAssignReads(m: Pick<KMeansModel, 'k' | 'dim' | 'centroids'>, x: Float32Array, chunk = 4096): Reads<{ labels: Int32Array; dist2: Float64Array }> {
  const D = m.dim;
  if (x.length % D !== 0) fail(`kmeansAssign: ${x.length} values are not rows of ${D}`);
  const N = x.length / D;
  const labels = new Int32Array(N);
  const dist2 = new Float64Array(N);
  const C = tf.tensor2d(m.centroids, [m.k, D]);
  const cNorm = tf.tidy(() => tf.sum(tf.square(C), 1)); // [k]
  for (let a = 0; a < N; a += chunk) {
    const n = Math.min(chunk, N - a);
    const [arg, best] = tf.tidy(() => {
      const xa = tf.tensor2d(x.subarray(a * D, (a + n) * D), [n, D]);
      const score = tf.sub(tf.mul(tf.matMul(xa, C, false, true), 2), cNorm); // [n, D] x [D, k] -> [n, k]
      return [tf.argMax(score, 1), tf.max(score, 1)];
    });
    const [argV, b] = yield [arg, best];
    labels.set(argV as Int32Array, a);
    for (let i = 0; i < n; i++) {
      let xx = 0;
      for (let d = 0; d < D; d++) xx += x[(a + i) * D + d] ** 2;
      dist2[a + i] = Math.max(0, xx - b[i]);
    }
    tf.dispose([arg, best]);
  }
  tf.dispose([C, cNorm]);
  return { labels, dist2 };
}

/** k-means++ seeding: each next centre drawn with probability proportional to D(x)^2. */
function seedPlusPlus(x: Float32Array, N: number, D: number, k: number, rng: Rng): Float32Array {
  const c = new Float32Array(k * D);
  const d2 = new Float64Array(N).fill(Infinity);
  let pick = rng.int(N);
  for (let j = 0; j < k; j++) {
    c.set(x.subarray(pick * D, (pick + 1) * D), j * D);
    let total = 0;
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += (x[i * D + d] - c[j * D + d]) ** 2;
      if (s < d2[i]) d2[i] = s;
      total += d2[i];
    }
    if (j + 1 === k) break;
    let r = rng.uniform() * total;
    pick = N - 1;
    for (let i = 0; i < N; i++) {
      r -= d2[i];
      if (r < 0) {
        pick = i;
        break;
      }
    }
  }
  return c;
}

/** Fit k centroids to rows x [N, D]. */
export function fitKMeans(x: Float32Array, dim: number, opts: KMeansOptions): KMeansModel {
  return runSync(fitReads(x, dim, opts));
}

/** `fitKMeans` with awaited reads (WebGPU); the same centroids on every backend. */
export function fitKMeansAsync(x: Float32Array, dim: number, opts: KMeansOptions): Promise<KMeansModel> {
  return runAsync(fitReads(x, dim, opts));
}

function* fitReads(x: Float32Array, dim: number, opts: KMeansOptions): Reads<KMeansModel> {
  const D = dim;
  const k = opts.k;
  if (x.length % D !== 0) fail(`fitKMeans: ${x.length} values are not rows of ${D}`);
  const N = x.length / D;
  if (!Number.isInteger(k) || k < 1 || k > N) fail(`fitKMeans: k = ${k} needs 1 <= k <= N = ${N} rows`);
  const rng = new Rng(opts.seed ?? 0);
  const model: KMeansModel = { k, dim: D, centroids: seedPlusPlus(x, N, D, k, rng), inertia: [], iterations: 0 };
  const maxIt = opts.iterations ?? 50;
  const tol = opts.tol ?? 1e-4;
  for (let it = 0; it < maxIt; it++) {
    const { labels, dist2 } = yield* kmeansAssignReads(model, x, opts.chunk);
    const inertia = dist2.reduce((s, v) => s + v, 0);
    const prev = model.inertia.length ? model.inertia[model.inertia.length - 1] : Infinity;
    model.inertia.push(inertia);
    model.iterations = it + 1;
    // (The first pass has no previous inertia to compare with: Infinity - x <= tol * Infinity would stop it.)
    if (Number.isFinite(prev) && prev - inertia <= tol * prev) break;
    const sum = new Float64Array(k * D);
    const count = new Int32Array(k);
    for (let i = 0; i < N; i++) {
      count[labels[i]]++;
      for (let d = 0; d < D; d++) sum[labels[i] * D + d] += x[i * D + d];
    }
    const far = Array.from(dist2.keys()).sort((a, b) => dist2[b] - dist2[a]);
    let nextFar = 0;
    for (let j = 0; j < k; j++) {
      if (count[j] === 0) {
        const i = far[nextFar++]; // an empty cluster takes the worst-fit row
        model.centroids.set(x.subarray(i * D, (i + 1) * D), j * D);
        continue;
      }
      for (let d = 0; d < D; d++) model.centroids[j * D + d] = sum[j * D + d] / count[j];
    }
  }
  return model;
}

export function kmeansToJSON(m: KMeansModel): object {
  return { format: 'birq-kmeans', version: 1, k: m.k, dim: m.dim, iterations: m.iterations, inertia: m.inertia, centroids: Array.from(m.centroids) };
}

export function kmeansFromJSON(j: unknown, file?: string): KMeansModel {
  const o = j as { format?: string; k?: number; dim?: number; centroids?: number[]; inertia?: number[]; iterations?: number };
  if (!o || o.format !== 'birq-kmeans') fail(`not a k-means model (format ${JSON.stringify(o?.format)})`, file);
  if (!Number.isInteger(o.k) || !Number.isInteger(o.dim) || !Array.isArray(o.centroids) || o.centroids.length !== o.k! * o.dim!) {
    fail(`k-means model is malformed or truncated (k ${o.k}, dim ${o.dim}, ${o.centroids?.length} centroid values)`, file);
  }
  return { k: o.k!, dim: o.dim!, centroids: Float32Array.from(o.centroids!), inertia: o.inertia ?? [], iterations: o.iterations ?? 0 };
}
