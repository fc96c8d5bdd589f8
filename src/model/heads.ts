/** Softmax prediction heads: a linear layer D -> V per label stream, weights in the shared ParamStore. */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../util/rng';
import { linear } from './layers';
import { addLinear, ParamStore } from './params';

export function addHead(p: ParamStore, name: string, dim: number, codes: number, rng: Rng): void {
  addLinear(p, `head.${name}`, dim, codes, rng);
}

/** Rows h [N, D] -> logits [N, V]. */
export function headLogits(p: ParamStore, name: string, h: tf.Tensor2D): tf.Tensor2D {
  return linear(h, p.get(`head.${name}.w`), p.get(`head.${name}.b`)) as tf.Tensor2D;
}
