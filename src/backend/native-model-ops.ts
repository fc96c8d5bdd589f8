/**
 * Model kernels with no single tfjs op, registered for wasm under their own names when the native kernels load
 * (nn-kernels.c does the work). src/model, src/objectives and src/quantizers use them through hasNativeKernel /
 * tf.engine().runKernel and fall back to their tfjs formulation otherwise. Shapes as in nn-kernels.h.
 */
import * as tf from '@tensorflow/tfjs';
import { uniformLaneSeeds } from '../util/rng';
import type { HeapKernels } from './native-kernels';
import { countFlops, KernelArgs, size, WasmBackend } from './native-ops';

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
      countFlops(4 * B * heads * T * T * (D / heads)); // Q Kᵀ and P V
      native.attentionFwd(heap(b), off(b, qkv), off(b, keyBias), off(b, out), off(b, probs), B, T, D, heads, 1 / Math.sqrt(D / heads));
      return [out, probs];
    },
    // qkv, probs, dout -> dqkv [B, T, 3D]
    BirqAttentionGrad: (args) => {
      const { qkv, probs, dout } = args.inputs as Record<string, tf.TensorInfo>;
      const b = args.backend as unknown as WasmBackend;
      const [B, T, D3] = qkv.shape, D = D3 / 3, H = probs.shape[1];
      const dqkv = b.makeOutput(qkv.shape, 'float32');
      countFlops(8 * B * H * T * T * (D / H)); // dV, dP, dQ, dK
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
    // logp, targets, tsum, dy (the mean loss's upstream gradient, a scalar) -> [dlogits, dtargets]
    BirqSoftXentGrad: (args) => {
      const { logp, targets, tsum, dy } = args.inputs as Record<string, tf.TensorInfo>;
      const b = args.backend as unknown as WasmBackend;
      const [M, V] = logp.shape;
      const scale = new Float32Array(heap(b), off(b, dy), 1)[0] / M; // read on the heap: no sync through the engine
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
