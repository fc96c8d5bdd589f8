/**
 * A faster Slice for the wasm backend. tfjs-backend-wasm 4.22's Slice reads its input with `readSync`, which
 * copies the WHOLE input tensor out of the wasm heap on every call, so a slice costs O(input) rather than
 * O(output): 32 leading-axis slices of a [32, 200, 200] tensor took 170 ms, and the depthwise conv (K slices),
 * the attention head split, GLU and their gradients (slice is pad's and concat's gradient) all pay it.
 * This kernel reads the input through a view of the heap instead; SplitV (same flaw, one full copy per output)
 * is rebuilt on it, so tf.split is fast too and keeps its cheap gradient (a concat). And Identity shares its
 * input's data (as the cpu backend's does, and wasm's own Reshape) instead of copying it: tfjs clones every
 * tensor it saves for the backward pass, so on wasm each saved activation was copied once more (time and
 * memory). Registered once, only on wasm, by initBackend (patchWasm); every other backend is untouched.
 */
import * as tf from '@tensorflow/tfjs';

type WasmBackend = tf.KernelBackend & {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  incRef(dataId: object): void;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
};

let done = false;

export function patchWasmSlice(): boolean {
  if (done) return true;
  if (tf.getBackend() !== 'wasm') return false;
  const orig = tf.getKernel('Slice', 'wasm');
  if (!orig) return false;
  const kernelFunc = (args: Parameters<tf.KernelFunc>[0]) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === 'string' || x.shape.length > 4) return orig.kernelFunc(args);
    const backend = args.backend as WasmBackend;
    const { begin, size } = args.attrs as unknown as { begin: number[]; size: number[] };
    // Copies: parseSliceParams may hand back the attrs' own arrays, which autodiff reuses for the gradient's pad.
    const [b0, s0] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
    const b = [...b0];
    const s = [...s0];
    const out = backend.makeOutput([...s0], x.dtype);
    if (tf.util.sizeFromShape(s) === 0) return out;
    // Views are taken after makeOutput: allocating may grow (and detach) the heap.
    const xv = backend.typedArrayFromHeap(x);
    const ov = backend.typedArrayFromHeap(out);
    const shape = [...x.shape];
    while (shape.length < 4) {
      shape.unshift(1);
      b.unshift(0);
      s.unshift(1);
    }
    const st = tf.util.computeStrides(shape); // 3 strides for rank 4
    let o = 0;
    for (let i = b[0]; i < b[0] + s[0]; i++)
      for (let j = b[1]; j < b[1] + s[1]; j++)
        for (let k = b[2]; k < b[2] + s[2]; k++) {
          const off = i * st[0] + j * st[1] + k * st[2] + b[3];
          ov.set(xv.subarray(off, off + s[3]), o);
          o += s[3];
        }
    return out;
  };
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({ ...orig, kernelFunc });
  const split = tf.getKernel('SplitV', 'wasm');
  if (split) {
    const splitFunc = (args: Parameters<tf.KernelFunc>[0]) => {
      const x = args.inputs.x as tf.TensorInfo;
      const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
      const ax = tf.util.parseAxisParam(axis, x.shape)[0];
      const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
      const begin = x.shape.map(() => 0);
      return sizes.map((n) => {
        const size = [...x.shape];
        size[ax] = n;
        const out = kernelFunc({ inputs: { x }, backend: args.backend, attrs: { begin: [...begin], size } }) as tf.TensorInfo;
        begin[ax] += n;
        return out;
      });
    };
    tf.unregisterKernel('SplitV', 'wasm');
    tf.registerKernel({ ...split, kernelFunc: splitFunc });
  }
  const identity = tf.getKernel('Identity', 'wasm');
  if (identity) {
    const identityFunc = (args: Parameters<tf.KernelFunc>[0]) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return identity.kernelFunc(args);
      (args.backend as WasmBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
    };
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel({ ...identity, kernelFunc: identityFunc });
  }
  done = true;
  return true;
}
