/**
 * Connectionist temporal classification loss (Graves, Fernández, Gomez, Schmidhuber, ICML 2006), which tfjs lacks.
 *
 * `ctcLoss(logits [B, T, V], labels, inputLengths)` returns the per-utterance negative log-likelihood
 * `-log p(labels[b] | logits[b, :inputLengths[b]])`, [B], with log-softmax over V applied inside. It matches
 * `torch.nn.functional.ctc_loss(log_softmax(logits), ..., reduction='none')` (golden fixtures in
 * test/fixtures/ctc, 1e-4 relative), including its edge cases:
 *  - frames t >= inputLengths[b] (padding) are ignored and get zero gradient;
 *  - an empty label is the all-blank path;
 *  - an impossible utterance (inputLengths[b] < |label| + number of adjacent repeats) has loss +Infinity and,
 *    like torch, a NaN gradient on its valid frames; with `zeroInfinity` its loss is 0 and its gradient 0.
 *
 * The forward-backward recursions run in float64 in JS on the data (log space, so no rescaling), because the
 * lattice is small (T x (2|label|+1)) and sequential. The gradient is analytic, by tf.customGrad:
 * d loss / d logits[t, k] = softmax[t, k] - sum_{s: l'_s = k} exp(alpha_t(s) + beta_t(s) - lp[t, k] + loss)
 * (Graves 2006 eq. 16, with alpha and beta both including the frame-t emission). customGrad gives gradients only
 * to its explicit input, so the logits are that input and everything else is plain JS data.
 *
 * customGrad runs synchronously, and WebGPU has no synchronous read. `ctcLossFromValues` is the same loss for
 * that case: the caller reads the logits beforehand (`await logits.data()`), the recursions and the unit-weight
 * gradient run on those values, and the backward pass scales the gradient by dy as a tensor op: no read inside.
 * (`ctcLoss` folds dy into the float64 sum instead, so on wasm and cpu its numbers stay exactly as they were.)
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape, fail } from '../util/errors';

export interface CtcOptions {
  /** Index of the blank symbol in V. Default 0. */
  blank?: number;
  /** Replace infinite losses (impossible alignments) by 0 with zero gradient, as torch's zero_infinity. */
  zeroInfinity?: boolean;
}

/**
 * Per-utterance CTC negative log-likelihood.
 * @param logits [B, T, V] unnormalized scores (float32).
 * @param labels B label sequences, values in [0, V) and never the blank.
 * @param inputLengths B valid frame counts, each in [1, T].
 * @returns [B] losses, differentiable with respect to `logits`.
 */
export function ctcLoss(logits: tf.Tensor3D, labels: number[][], inputLengths: number[], opts: CtcOptions = {}): tf.Tensor1D {
  assertShape('ctcLoss', 'logits', logits.shape, [null, null, null]);
  const [B, T, V] = logits.shape;
  const blank = opts.blank ?? 0;
  validate(B, T, V, labels, inputLengths, blank);
  const zeroInf = opts.zeroInfinity ?? false;

  // customGrad's inputs are typed (Tensor | GradSaveFunc)[]; the only input here is the logits tensor.
  const f = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const data = (inputs[0] as tf.Tensor).dataSync();
    const utts = labels.map((label, b) => {
      const lp = logSoftmaxRows(data, b * T * V, inputLengths[b], V);
      return { lp, label, ...ctcAlpha(lp, inputLengths[b], V, label, blank) };
    });
    const loss = utts.map((u) => (zeroInf && u.nll === Infinity ? 0 : u.nll));
    const value = tf.tensor1d(loss, 'float32');
    const gradFunc = (dy: tf.Tensor1D) => {
      const w = dy.dataSync();
      const g = new Float32Array(B * T * V); // padding frames keep 0
      utts.forEach((u, b) => {
        if (zeroInf && u.nll === Infinity) return;
        ctcGradient(u.lp, u.alpha, u.nll, inputLengths[b], V, u.label, blank, w[b], g, b * T * V);
      });
      return tf.tensor3d(g, [B, T, V]);
    };
    return { value, gradFunc };
  });
  return f(logits) as tf.Tensor1D;
}

/**
 * `ctcLoss` on host values of the logits (the same [B, T, V] row-major, read beforehand): per-utterance losses
 * and, as a tensor op, gradient = dy[b] · d nll_b / d logits. For backends without synchronous reads (WebGPU).
 * `values` must be `logits`' own data (the op's gradient is computed from it).
 * @returns the [B] losses (differentiable with respect to `logits`) and the same losses as JS numbers.
 */
export function ctcLossFromValues(
  logits: tf.Tensor3D, values: Float32Array, labels: number[][], inputLengths: number[], opts: CtcOptions = {},
): { loss: tf.Tensor1D; values: number[] } {
  assertShape('ctcLossFromValues', 'logits', logits.shape, [null, null, null]);
  const [B, T, V] = logits.shape;
  if (values.length !== B * T * V) fail(`ctcLossFromValues: ${values.length} values for logits of shape [${logits.shape}]`);
  const blank = opts.blank ?? 0;
  validate(B, T, V, labels, inputLengths, blank);
  const zeroInf = opts.zeroInfinity ?? false;
  const g = new Float32Array(B * T * V); // padding frames and zeroInfinity utterances keep 0
  const loss = labels.map((label, b) => {
    const lp = logSoftmaxRows(values, b * T * V, inputLengths[b], V);
    const { alpha, nll } = ctcAlpha(lp, inputLengths[b], V, label, blank);
    if (zeroInf && nll === Infinity) return 0;
    ctcGradient(lp, alpha, nll, inputLengths[b], V, label, blank, 1, g, b * T * V);
    return nll;
  });
  const f = tf.customGrad((...inputs: (tf.Tensor | tf.GradSaveFunc)[]) => {
    void inputs;
    const value = tf.tensor1d(loss, 'float32');
    const gradFunc = (dy: tf.Tensor1D) => tf.mul(tf.tensor3d(g, [B, T, V]), tf.reshape(dy, [B, 1, 1])); // [B, T, V] · [B, 1, 1]
    return { value, gradFunc };
  });
  return { loss: f(logits) as tf.Tensor1D, values: loss };
}

function validate(B: number, T: number, V: number, labels: number[][], inputLengths: number[], blank: number): void {
  if (labels.length !== B) fail(`ctcLoss: ${labels.length} label sequences for a batch of ${B}`);
  if (inputLengths.length !== B) fail(`ctcLoss: ${inputLengths.length} input lengths for a batch of ${B}`);
  if (!Number.isInteger(blank) || blank < 0 || blank >= V) fail(`ctcLoss: blank ${blank} is outside [0, ${V})`);
  inputLengths.forEach((n, b) => {
    if (!Number.isInteger(n) || n < 1 || n > T) fail(`ctcLoss: inputLengths[${b}] = ${n} is outside [1, ${T}]`);
  });
  labels.forEach((lab, b) =>
    lab.forEach((k, i) => {
      if (!Number.isInteger(k) || k < 0 || k >= V) fail(`ctcLoss: labels[${b}][${i}] = ${k} is outside [0, ${V})`);
      if (k === blank) fail(`ctcLoss: labels[${b}][${i}] is the blank (${blank})`);
    }),
  );
}

/** log-softmax of `rows` rows of width V starting at `off`, in float64: [rows, V] flat. */
function logSoftmaxRows(data: ArrayLike<number>, off: number, rows: number, V: number): Float64Array {
  const out = new Float64Array(rows * V);
  for (let t = 0; t < rows; t++) {
    const o = off + t * V;
    let m = -Infinity;
    for (let k = 0; k < V; k++) m = Math.max(m, data[o + k]);
    let s = 0;
    for (let k = 0; k < V; k++) s += Math.exp(data[o + k] - m);
    const lz = m + Math.log(s);
    for (let k = 0; k < V; k++) out[t * V + k] = data[o + k] - lz;
  }
  return out;
}

function lse(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** The extended label l' = (blank, l1, blank, l2, ..., blank), length S = 2|l| + 1. */
function extend(label: number[], blank: number): Int32Array {
  const ext = new Int32Array(2 * label.length + 1).fill(blank);
  label.forEach((k, i) => (ext[2 * i + 1] = k));
  return ext;
}

/** May the path jump from s - 2 to s (skip the blank between two different labels)? */
function canSkip(ext: Int32Array, s: number, blank: number): boolean {
  return s >= 2 && ext[s] !== blank && ext[s] !== ext[s - 2];
}

/**
 * Forward variables alpha_t(s) = log p(l'_{1..s} prefix, path through frame t ends in s), [T, S] flat, and
 * nll = -log p(l | x) (+Infinity when no path exists).
 */
export function ctcAlpha(lp: Float64Array, T: number, V: number, label: number[], blank: number): { alpha: Float64Array; nll: number } {
  const ext = extend(label, blank);
  const S = ext.length;
  const alpha = new Float64Array(T * S).fill(-Infinity);
  alpha[0] = lp[blank];
  if (S > 1) alpha[1] = lp[ext[1]];
  for (let t = 1; t < T; t++) {
    const prev = (t - 1) * S;
    for (let s = 0; s < S; s++) {
      let a = alpha[prev + s];
      if (s >= 1) a = lse(a, alpha[prev + s - 1]);
      if (canSkip(ext, s, blank)) a = lse(a, alpha[prev + s - 2]);
      alpha[t * S + s] = a === -Infinity ? a : a + lp[t * V + ext[s]];
    }
  }
  const last = (T - 1) * S;
  const ll = S > 1 ? lse(alpha[last + S - 1], alpha[last + S - 2]) : alpha[last];
  return { alpha, nll: -ll };
}

/**
 * Adds weight * d nll / d logits for one utterance into g[off + t*V + k], t < T. Computes the backward
 * variables beta_t(s) (including the frame-t emission) and the posterior occupancy of each symbol.
 */
function ctcGradient(
  lp: Float64Array, alpha: Float64Array, nll: number, T: number, V: number, label: number[], blank: number,
  weight: number, g: Float32Array, off: number,
): void {
  if (nll === Infinity) {
    // As torch: the gradient of an infinite loss is undefined (NaN) on the valid frames.
    for (let i = 0; i < T * V; i++) g[off + i] = NaN;
    return;
  }
  const ext = extend(label, blank);
  const S = ext.length;
  let next = new Float64Array(S).fill(-Infinity);
  let cur = new Float64Array(S);
  const occ = new Float64Array(V);
  for (let t = T - 1; t >= 0; t--) {
    for (let s = 0; s < S; s++) {
      let b: number;
      if (t === T - 1) b = s >= S - 2 ? 0 : -Infinity;
      else {
        b = next[s];
        if (s + 1 < S) b = lse(b, next[s + 1]);
        if (s + 2 < S && canSkip(ext, s + 2, blank)) b = lse(b, next[s + 2]);
      }
      cur[s] = b === -Infinity ? b : b + lp[t * V + ext[s]];
    }
    occ.fill(-Infinity);
    for (let s = 0; s < S; s++) occ[ext[s]] = lse(occ[ext[s]], alpha[t * S + s] + cur[s]);
    for (let k = 0; k < V; k++) {
      const l = lp[t * V + k];
      const post = occ[k] === -Infinity ? 0 : Math.exp(occ[k] - l + nll);
      g[off + t * V + k] = weight * (Math.exp(l) - post);
    }
    [next, cur] = [cur, next];
  }
}
