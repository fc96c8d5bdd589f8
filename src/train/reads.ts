/**
 * Reading tensors on every backend with one piece of code. WebGPU in Node has no synchronous read (`dataSync()`
 * throws: OffscreenCanvas is not defined), only `await t.data()`; wasm and cpu have both, and a sync read keeps
 * today's call sites and tests as they are.
 *
 * A computation that needs host values is written once as a generator that `yield`s the tensors it must read and
 * receives their values: `const [g, acc] = yield [G, predA];`. `runSync` answers with dataSync (wasm, cpu: the
 * same values, in the same order, as the code had before), `runAsync` with one awaited `data()` per tensor, all
 * at once (WebGPU: one wait per yield, none per tensor).
 */
import * as tf from '@tensorflow/tfjs';

export type Reads<R> = Generator<tf.Tensor[], R, tf.TypedArray[]>;

export function runSync<R>(g: Reads<R>): R {
  let r = g.next();
  while (!r.done) r = g.next(r.value.map((t) => t.dataSync()));
  return r.value;
}

export async function runAsync<R>(g: Reads<R>): Promise<R> {
  let r = g.next();
  while (!r.done) {
    let values: tf.TypedArray[];
    try {
      values = await Promise.all(r.value.map((t) => t.data()));
    } catch (e) {
      r = g.throw(e);
      continue;
    }
    r = g.next(values);
  }
  return r.value;
}
