/**
 * Greedy (best-path) CTC decoding: the most likely symbol per frame, repeats merged, blanks removed. This is
 * the labeling of the single most probable path, not the most probable labeling (prefix-beam.ts searches for
 * that).
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape, fail } from '../util/errors';

/** Collapse a frame-level path: merge repeats, then drop blanks. */
export function collapsePath(path: ArrayLike<number>, blank = 0): number[] {
  const out: number[] = [];
  let prev = -1;
  for (let t = 0; t < path.length; t++) {
    const k = path[t];
    if (k !== prev && k !== blank) out.push(k);
    prev = k;
  }
  return out;
}

/** Greedy decoding of one utterance's scores, [T, V] row-major (log-probs, probs or logits: argmax is the same). */
export function greedyDecode(scores: ArrayLike<number>, T: number, V: number, blank = 0): number[] {
  if (scores.length < T * V) fail(`greedyDecode: ${scores.length} scores for T=${T}, V=${V}`);
  const path = new Int32Array(T);
  for (let t = 0; t < T; t++) {
    let best = 0;
    for (let k = 1; k < V; k++) if (scores[t * V + k] > scores[t * V + best]) best = k;
    path[t] = best;
  }
  return collapsePath(path, blank);
}

/** Greedy decoding of a batch: logits [B, T, V], each utterance cut to its length. */
export function greedyDecodeBatch(logits: tf.Tensor3D, lengths: number[], blank = 0): number[][] {
  assertShape('greedyDecodeBatch', 'logits', logits.shape, [lengths.length, null, null]);
  const [, T] = logits.shape;
  const arg = tf.tidy(() => tf.argMax(logits, 2)); // [B, T, V] -> [B, T]
  const path = arg.dataSync();
  arg.dispose();
  return lengths.map((n, b) => {
    if (n > T || n < 0) fail(`greedyDecodeBatch: length ${n} of utterance ${b} is outside [0, ${T}]`);
    return collapsePath(path.subarray(b * T, b * T + n), blank);
  });
}
