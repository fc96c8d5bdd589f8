/**
 * Frame stacking (BEST-RQ's input to the random projection, docs/method.md §1): s consecutive frames
 * [T, F] -> [floor(T/s), F·s], row t = frames s·t .. s·t+s-1 concatenated. A trailing partial group is dropped
 * ('drop', as a reshape would) or zero-padded ('pad', keeps the last frames: ceil(T/s) rows).
 */
import { fail } from '../util/errors';
import { Features } from './logmel';

export function stackFrames(f: Features, s: number, tail: 'drop' | 'pad' = 'drop'): Features {
  if (!Number.isInteger(s) || s < 1) fail(`stackFrames: stacking factor must be a positive integer, got ${s}`);
  const frames = tail === 'drop' ? Math.floor(f.frames / s) : Math.ceil(f.frames / s);
  const bins = f.bins * s;
  const data = new Float32Array(frames * bins);
  // [T, F] row-major is already [T/s, s·F] for the whole groups: a copy of the prefix.
  data.set(f.data.subarray(0, Math.min(f.data.length, frames * bins)));
  return { data, frames, bins };
}
