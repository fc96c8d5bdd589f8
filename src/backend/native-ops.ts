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
import { uniformLaneSeeds } from '../util/rng';
import type { HeapKernels } from './native-kernels';

type KernelArgs = Parameters<tf.KernelFunc>[0];
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  getMemoryOffset(dataId: object): number;
  wasm: { HEAPU8: Uint8Array };
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: string;
}

const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

/**
 * Multiply-add FLOPs (2 per multiply-add) done by the native matMul and attention kernels since the last reset:
 * the benchmark reports them per step, so a ratio of step times can be set beside the ratio of work.
 */
let flops = 0;
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
  if (m === 0 || n === 0 || k === 0) return null;
  const backend = args.backend as unknown as WasmBackend;
  const batch = Math.max(batchA, batchB);
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

/**
 * Model kernels with no tfjs counterpart, registered for wasm under their own names when the native kernels load
 * (src/model and src/objectives use them through hasNativeKernel / tf.engine().runKernel and fall back to their
 * tfjs formulation otherwise). Shapes as in nn-kernels.h.
 */
export const NATIVE_MODEL_KERNELS = ['BirqDepthwiseConv1d', 'BirqDepthwiseConv1dGrad', 'BirqAttention', 'BirqAttentionGrad', 'BirqSoftXent', 'BirqSoftXentGrad', 'BirqDropoutMask', 'BirqGumbelNoise',
  'BirqLayerNorm', 'BirqLayerNormGrad', 'BirqSwish', 'BirqSwishGrad'] as const;

export function registerModelKernels(native: HeapKernels): string[] {
  const heap = (b: WasmBackend) => b.wasm.HEAPU8.buffer as ArrayBuffer;
  const impl: Record<(typeof NATIVE_MODEL_KERNELS)[number], (args: KernelArgs) => tf.TensorInfo | tf.TensorInfo[]> = {
    // x [B, T, C], w [K, C], bias [C] -> y [B, T, C]
    BirqDepthwiseConv1d: (args) => {
      const { x, w, bias } = args.inputs as Record<string, tf.TensorInfo>;
      const b = args.backend as unknown as WasmBackend;
      const [B, T, C] = x.shape, K = w.shape[0];
      const y = b.makeOutput(x.shape, 'float32');
      native.dwconvFwd(heap(b), off(b, x), off(b, w), off(b, bias), off(b, y), B, T, C, K);
      return y;
    },
    // x, w, dy -> [dx, dw, dbias]
    BirqDepthwiseConv1dGrad: (args) => {
      const { x, w, dy } = args.inputs as Record<string, tf.TensorInfo>;
      const b = args.backend as unknown as WasmBackend;
      const [B, T, C] = x.shape, K = w.shape[0];
      const dx = b.makeOutput(x.shape, 'float32'), dw = b.makeOutput(w.shape, 'float32'), db = b.makeOutput([C], 'float32');
      native.dwconvBwd(heap(b), off(b, x), off(b, w), off(b, dy), off(b, dx), off(b, dw), off(b, db), B, T, C, K);
      return [dx, dw, db];
    },
    // qkv [B, T, 3D], keyBias [B, T]; attrs heads -> [out [B, T, D], probs [B, H, T, T]]
    BirqAttention: (args) => {
      const { qkv, keyBias } = args.inputs as Record<string, tf.TensorInfo>;
      const { heads } = args.attrs as unknown as { heads: number };
      const b = args.backend as unknown as WasmBackend;
      const [B, T, D3] = qkv.shape, D = D3 / 3;
      const out = b.makeOutput([B, T, D], 'float32'), probs = b.makeOutput([B, heads, T, T], 'float32');
      flops += 4 * B * heads * T * T * (D / heads); // Q Kᵀ and P V
      native.attentionFwd(heap(b), off(b, qkv), off(b, keyBias), off(b, out), off(b, probs), B, T, D, heads, 1 / Math.sqrt(D / heads));
      return [out, probs];
    },
    // qkv, probs, dout -> dqkv [B, T, 3D]
    BirqAttentionGrad: (args) => {
      const { qkv, probs, dout } = args.inputs as Record<string, tf.TensorInfo>;
      const b = args.backend as unknown as WasmBackend;
      const [B, T, D3] = qkv.shape, D = D3 / 3, H = probs.shape[1];
      const dqkv = b.makeOutput(qkv.shape, 'float32');
      flops += 8 * B * H * T * T * (D / H); // dV, dP, dQ, dK
      native.attentionBwd(heap(b), off(b, qkv), off(b, probs), off(b, dout), off(b, dqkv), B, T, D, H, 1 / Math.sqrt(D / H));
      return dqkv;
    },
    // logits [M, V], targets [M, V] -> [logp [M, V], loss [M], tsum [M]]
    BirqSoftXent: (args) => {
      const { logits, targets } = args.inputs as Record<string, tf.TensorInfo>;
      const b = args.backend as unknown as WasmBackend;
      const [M, V] = logits.shape;
      const logp = b.makeOutput([M, V], 'float32'), loss = b.makeOutput([M], 'float32'), tsum = b.makeOutput([M], 'float32');
      native.xentFwd(heap(b), off(b, logits), off(b, targets), off(b, logp), off(b, loss), off(b, tsum), M, V);
      return [logp, loss, tsum];
    },
    // logp, targets, tsum; attrs scale -> [dlogits, dtargets]
    BirqSoftXentGrad: (args) => {
      const { logp, targets, tsum } = args.inputs as Record<string, tf.TensorInfo>;
      const { scale } = args.attrs as unknown as { scale: number };
      const b = args.backend as unknown as WasmBackend;
      const [M, V] = logp.shape;
      const dl = b.makeOutput([M, V], 'float32'), dt = b.makeOutput([M, V], 'float32');
      native.xentBwd(heap(b), off(b, logp), off(b, targets), off(b, tsum), scale, off(b, dl), off(b, dt), M, V);
      return [dl, dt];
    },
    // no inputs; attrs shape, seed, keep -> the scaled keep-mask (the same numbers as util/rng's JS version)
    BirqDropoutMask: (args) => {
      const { shape, seed, keep } = args.attrs as unknown as { shape: number[]; seed: number; keep: number };
      const b = args.backend as unknown as WasmBackend;
      const out = b.makeOutput(shape, 'float32');
      native.dropoutMask(heap(b), off(b, out), size(shape), keep, ...uniformLaneSeeds(seed));
      return out;
    },
    // no inputs; attrs shape, seed -> Gumbel(0, 1) noise over util/rng's uniformFloats(n, seed)
    BirqGumbelNoise: (args) => {
      const { shape, seed } = args.attrs as unknown as { shape: number[]; seed: number };
      const b = args.backend as unknown as WasmBackend;
      const out = b.makeOutput(shape, 'float32');
      native.gumbelNoise(heap(b), off(b, out), size(shape), ...uniformLaneSeeds(seed));
      return out;
    },
    // x [..., D], g [D], b [D]; attrs eps -> [y [..., D], xhat [..., D], rstd [N]]
    BirqLayerNorm: (args) => {
      const { x, g, b: beta } = args.inputs as Record<string, tf.TensorInfo>;
      const { eps } = args.attrs as unknown as { eps: number };
      const b = args.backend as unknown as WasmBackend;
      const D = x.shape[x.shape.length - 1], N = size(x.shape) / D;
      const y = b.makeOutput(x.shape, 'float32'), xhat = b.makeOutput(x.shape, 'float32'), rstd = b.makeOutput([N], 'float32');
      native.layerNormFwd(heap(b), off(b, x), off(b, g), off(b, beta), off(b, y), off(b, xhat), off(b, rstd), N, D, eps);
      return [y, xhat, rstd];
    },
    // xhat, rstd, g, dy -> [dx, dg, db]
    BirqLayerNormGrad: (args) => {
      const { xhat, rstd, g, dy } = args.inputs as Record<string, tf.TensorInfo>;
      const b = args.backend as unknown as WasmBackend;
      const D = xhat.shape[xhat.shape.length - 1], N = size(xhat.shape) / D;
      const dx = b.makeOutput(xhat.shape, 'float32'), dg = b.makeOutput([D], 'float32'), db = b.makeOutput([D], 'float32');
      native.layerNormBwd(heap(b), off(b, xhat), off(b, rstd), off(b, g), off(b, dy), off(b, dx), off(b, dg), off(b, db), N, D);
      return [dx, dg, db];
    },
    // x -> x·sigmoid(x)
    BirqSwish: (args) => {
      const { x } = args.inputs as Record<string, tf.TensorInfo>;
      const b = args.backend as unknown as WasmBackend;
      const y = b.makeOutput(x.shape, 'float32');
      native.swishFwd(heap(b), off(b, x), off(b, y), size(x.shape));
      return y;
    },
    // x, dy -> dx
    BirqSwishGrad: (args) => {
      const { x, dy } = args.inputs as Record<string, tf.TensorInfo>;
      const b = args.backend as unknown as WasmBackend;
      const dx = b.makeOutput(x.shape, 'float32');
      native.swishBwd(heap(b), off(b, x), off(b, dy), off(b, dx), size(x.shape));
      return dx;
    },
  };
  const names: string[] = [];
  for (const name of NATIVE_MODEL_KERNELS) {
    if (!tf.getKernel(name, 'wasm')) tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: impl[name] as tf.KernelFunc });
    names.push(name);
  }
  return names;
}

const off = (b: WasmBackend, t: tf.TensorInfo) => b.getMemoryOffset(t.dataId);

/** True when the active backend has the named native model kernel (wasm with the native kernels loaded). */
export function hasNativeKernel(name: (typeof NATIVE_MODEL_KERNELS)[number]): boolean {
  return tf.getKernel(name, tf.getBackend()) !== undefined;
}
