/**
 * 4x subsampling front ends, features [B, 4T, F] -> [B, T, D]. Both avoid conv2d (its weight gradient is
 * cpu-delegated on wasm, docs/tfjs-wasm.md §3): stacking is a reshape; the conv front end slices frames explicitly and
 * uses matMul, so its backward is matMul, pad and slice.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { SUBSAMPLING } from './config';
import { addLinear, ParamStore } from './params';
import { linear, swish } from './layers';

/** Trim the feature axis to a multiple of 4: [B, T_in, F] -> [B, 4T, F]. */
export function trimToStack(x: tf.Tensor3D): tf.Tensor3D {
  const [B, Tin, F] = x.shape;
  const T = Math.floor(Tin / SUBSAMPLING);
  return Tin === T * SUBSAMPLING ? x : (tf.slice(x, [0, 0, 0], [B, T * SUBSAMPLING, F]) as tf.Tensor3D);
}

/** Stack 4 consecutive frames: [B, 4T, F] -> [B, T, 4F] (the anchor quantizer's input u_t too). */
export function stackFramesTensor(x: tf.Tensor3D): tf.Tensor3D {
  const t = trimToStack(x);
  const [B, Tin, F] = t.shape;
  return tf.reshape(t, [B, Tin / SUBSAMPLING, F * SUBSAMPLING]); // [B, 4T, F] -> [B, T, 4F]
}

/**
 * One time convolution, kernel 3, stride 2, as frame slicing + matMul: [B, 2T', C] -> [B, T', Out].
 * y_t = W [x_2t, x_2t+1, x_2t+2] + b, x beyond the end is zero.
 */
export function strideTwoConv(x: tf.Tensor3D, w: tf.Tensor, b: tf.Tensor): tf.Tensor3D {
  const [B, T2, C] = x.shape;
  const Tp = T2 >> 1;
  const pairs = tf.reshape(x, [B, Tp, 2 * C]); // [B, 2T', C] -> [B, T', 2C] = [x_2t, x_2t+1]
  const next = tf.slice(tf.pad(pairs, [[0, 0], [0, 1], [0, 0]]), [0, 1, 0], [B, Tp, C]); // x_2t+2: [B, T', C]
  return linear(tf.concat([pairs, next], -1), w, b) as tf.Tensor3D; // [B, T', 3C] -> [B, T', Out]
}

export function addFrontEnd(p: ParamStore, kind: 'stack' | 'conv', F: number, D: number, rng: Rng): void {
  if (kind === 'stack') addLinear(p, 'front.proj', SUBSAMPLING * F, D, rng);
  else {
    addLinear(p, 'front.conv1', 3 * F, D, rng);
    addLinear(p, 'front.conv2', 3 * D, D, rng);
    addLinear(p, 'front.proj', D, D, rng);
  }
}

/** Features [B, T_in, F] -> [B, floor(T_in/4), D]. */
export function frontEnd(p: ParamStore, kind: 'stack' | 'conv', x: tf.Tensor3D): tf.Tensor3D {
  if (kind === 'stack') return linear(stackFramesTensor(x), p.get('front.proj.w'), p.get('front.proj.b')) as tf.Tensor3D;
  const h1 = swish(strideTwoConv(trimToStack(x), p.get('front.conv1.w'), p.get('front.conv1.b'))) as tf.Tensor3D;
  const h2 = swish(strideTwoConv(h1, p.get('front.conv2.w'), p.get('front.conv2.b'))) as tf.Tensor3D;
  return linear(h2, p.get('front.proj.w'), p.get('front.proj.b')) as tf.Tensor3D;
}
