/**
 * wasm kernels computed by the native heap kernels (native-kernels.ts). Each returns null for a case it leaves
 * to wasm's own kernel.
 *
 * BatchMatMul and _FusedMatMul go through the system BLAS. Transpose flags go to
 * sgemm as they are (no transposed copies), a bias [N] is folded into the product, and a right operand without a
 * batch folds the left operand's batch into its rows: one sgemm call for the common [B·T, D]·[D, F]. Anything
 * else (int tensors, broadcast batches, activations, prelu) returns null and takes wasm's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import type { HeapKernels } from './native-kernels';

export type KernelArgs = Parameters<tf.KernelFunc>[0];
export interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  getMemoryOffset(dataId: object): number;
  wasm: { HEAPU8: Uint8Array };
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
}

export const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * Multiply-add FLOPs (2 per multiply-add) done by the native matMul and attention kernels since the last reset:
 * the benchmark reports them per step, so a ratio of step times can be set beside the ratio of work.
 */
let flops = 0;
/** Add to the count (the model kernels' attention). */
export function countFlops(n: number): void {
  flops += n;
}
export function nativeFlops(reset = false): number {
  const f = flops;
  if (reset) flops = 0;
  return f;
}

export function nativeMatMul(args: KernelArgs, native: HeapKernels): tf.TensorInfo | null {
  const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined>;
  const attrs = args.attrs as unknown as MatMulAttrs;
  if (!a || !b || a.dtype !== 'float32' || b.dtype !== 'float32') return null;
  if (preluActivationWeights || (attrs.activation && attrs.activation !== 'linear')) return null;
  const ra = a.shape.length, rb = b.shape.length;
  if (ra < 2 || rb < 2) return null;
  const m = attrs.transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = attrs.transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const kb = attrs.transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
  const n = attrs.transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
  if (k !== kb) return null; // wasm's kernel raises tfjs's own message
  const batchA = size(a.shape.slice(0, -2)), batchB = size(b.shape.slice(0, -2));
  const outer = batchA >= batchB ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
  // Equal batches, or one side without a batch (size 1); other broadcasts are left to wasm.
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) return null;
  if (bias && (bias.dtype !== 'float32' || size(bias.shape) !== n || (bias.shape.length > 1 && bias.shape[bias.shape.length - 1] !== n))) return null;
  if (m === 0 || n === 0) return null;
  const backend = args.backend as unknown as WasmBackend;
  const batch = Math.max(batchA, batchB);
  if (k === 0) {
    // An empty sum: zeros (plus the bias). wasm's own kernel returns uninitialized memory here.
    const out = backend.makeOutput([...outer, m, n], 'float32');
    const y = new Float32Array(backend.wasm.HEAPU8.buffer, backend.getMemoryOffset(out.dataId), batch * m * n).fill(0);
    if (bias) {
      const bv = new Float32Array(backend.wasm.HEAPU8.buffer, backend.getMemoryOffset(bias.dataId), n);
      for (let i = 0; i < y.length; i++) y[i] = bv[i % n];
    }
    return out;
  }
  flops += 2 * batch * m * n * k;
  const out = backend.makeOutput([...outer, m, n], 'float32');
  // Read the heap after makeOutput: allocating may grow wasm memory and replace the ArrayBuffer.
  const heap = backend.wasm.HEAPU8.buffer as ArrayBuffer;
  const off = (t: tf.TensorInfo) => backend.getMemoryOffset(t.dataId);
  const biasOff = bias ? off(bias) : -1;
  if (batchB === 1 && batchA > 1 && !attrs.transposeA) {
    // [batch, M, K]·[K, N] is one [batch·M, K]·[K, N].
    native.gemm(heap, 1, batch * m, n, k, 0, attrs.transposeB ? 1 : 0, off(a), 0, off(b), 0, off(out), 0, biasOff);
  } else {
    native.gemm(heap, batch, m, n, k, attrs.transposeA ? 1 : 0, attrs.transposeB ? 1 : 0,
      off(a), batchA === 1 ? 0 : m * k, off(b), batchB === 1 ? 0 : k * n, off(out), m * n, biasOff);
  }
  return out;
}

/** Exp (op 0) and Log (op 1) of a float32 tensor. */
export function nativeUnary(op: 0 | 1, args: KernelArgs, native: HeapKernels): tf.TensorInfo | null {
  const x = (args.inputs as { x: tf.TensorInfo }).x;
  const n = size(x.shape);
  if (x.dtype !== 'float32' || n === 0) return null;
  const backend = args.backend as unknown as WasmBackend;
  const out = backend.makeOutput(x.shape, 'float32');
  native.unary(backend.wasm.HEAPU8.buffer as ArrayBuffer, op, backend.getMemoryOffset(x.dataId), backend.getMemoryOffset(out.dataId), n);
  return out;
}

/**
 * Sum over leading axes (axis [0], [0, 1], ...: bias gradients, batch sums). wasm reduces only the innermost axis
 * and transposes first for any other; a row sum reads the tensor once in place.
 */
export function nativeSumLeading(args: KernelArgs, native: HeapKernels): tf.TensorInfo | null {
  const x = (args.inputs as { x: tf.TensorInfo }).x;
  const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
  const rank = x.shape.length;
  const axes = [...new Set((Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)))].sort((p, q) => p - q);
  const j = axes.length;
  if (x.dtype !== 'float32' || j === 0 || j >= rank || axes.some((a, i) => a !== i)) return null;
  const rows = size(x.shape.slice(0, j)), cols = size(x.shape.slice(j));
  if (rows === 0 || cols === 0) return null;
  const backend = args.backend as unknown as WasmBackend;
  const out = backend.makeOutput(keepDims ? [...Array(j).fill(1), ...x.shape.slice(j)] : x.shape.slice(j), 'float32');
  native.sumRows(backend.wasm.HEAPU8.buffer as ArrayBuffer, backend.getMemoryOffset(x.dataId), rows, cols, backend.getMemoryOffset(out.dataId));
  return out;
}
