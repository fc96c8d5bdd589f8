/**
 * What the wasm backend needs to train fast and completely (docs/tfjs-wasm.md):
 *
 * 1. MatMul. Where a system BLAS loads (native-kernels.ts), BatchMatMul and _FusedMatMul run as cblas_sgemm on the
 *    wasm heap, ~3x wasm's own speed, transpose flags included. Otherwise, and for the cases the BLAS path leaves
 *    out: wasm's BatchMatMul with transposeA/transposeB runs ~10x slower than an explicit Transpose followed by a
 *    plain matMul, and autodiff of matMul uses exactly those flags, so every backward pass paid it; we transpose
 *    first. Either way the gradient definitions stay tfjs's own.
 * 2. Slice / SplitV copied their whole input out of the heap per call, Identity copied every tensor autodiff
 *    saves: replaced by in-place reads and shared data (wasm-slice.ts).
 * 3. Exp, Log and Sum over leading axes: with the native kernels loaded, computed by them (wasm's exp/log cost
 *    ~15 ns per element, and the step's [M, 8192] softmaxes take several).
 *    Model kernels tfjs has no op for (depthwise conv over time, the attention core, soft cross-entropy) are
 *    registered under their own names (native-model-ops.ts); src/model and src/objectives use them when present.
 * 4. Kernels wasm lacks but training touches (conv weight gradients, depthwise conv gradients, the gradient of
 *    gather, einsum). They delegate to the cpu backend's kernel: correct, slow; the hot path avoids them
 *    (see src/model for depthwise conv as shifted slices).
 */
import * as tf from '@tensorflow/tfjs';
import { describeBlas, nativeBlas } from './native-kernels';
import { registerModelKernels } from './native-model-ops';
import { nativeMatMul, nativeSumLeading, nativeUnary } from './native-ops';
import { patchWasmSlice } from './wasm-slice';

type KernelArgs = Parameters<tf.KernelFunc>[0];
type Backend = tf.KernelBackend & {
  write(values: tf.backend_util.BackendValues | null, shape: number[], dtype: tf.DataType): object;
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeOutput?(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
};

/** Kernels delegated to cpu when wasm lacks them. */
export const DELEGATED_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
  'Einsum',
] as const;

const patched = new Set<string>();

export interface WasmPatches {
  matMul: string[];
  /** The BLAS behind matMul, e.g. 'libopenblas.so.0, 1 thread', or null with `blasWhy` saying why not. */
  blas: string | null;
  blasWhy: string;
  /** Kernels computed by the native heap kernels where they apply (Exp, Log, Sum over leading axes). */
  native: string[];
  delegated: string[];
  inPlace: string[];
}

export function patchWasm(): WasmPatches {
  const matMul: string[] = [];
  const { blas, why } = nativeBlas();
  for (const name of ['BatchMatMul', '_FusedMatMul']) if (patchMatMul(name)) matMul.push(name);
  const inPlace = patchWasmSlice() ? ['Slice', 'SplitV', 'Identity'] : [];
  const delegated: string[] = [];
  for (const name of DELEGATED_KERNELS) if (delegateToCpu(name)) delegated.push(name);
  const native: string[] = [];
  if (blas) {
    const k = blas.kernels;
    for (const [name, f] of [['Exp', (a: KernelArgs) => nativeUnary(0, a, k)], ['Log', (a: KernelArgs) => nativeUnary(1, a, k)], ['Sum', (a: KernelArgs) => nativeSumLeading(a, k)]] as const)
      if (preferNative(name, f)) native.push(name);
    native.push(...registerModelKernels(k));
  }
  const blasName = blas ? describeBlas(blas) : null;
  return { matMul, blas: blasName, blasWhy: why, native, delegated, inPlace };
}

function swapLastTwo(rank: number): number[] {
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return perm;
}

function patchMatMul(name: string): boolean {
  const key = `${name}/wasm`;
  if (patched.has(key)) return true;
  const orig = tf.getKernel(name, 'wasm');
  const transpose = tf.getKernel('Transpose', 'wasm');
  if (!orig || !transpose) return false;
  const blas = nativeBlas().blas;
  const kernelFunc = (args: KernelArgs) => {
    const viaBlas = blas ? nativeMatMul(args, blas.kernels) : null;
    if (viaBlas) return viaBlas;
    const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
    if (!attrs.transposeA && !attrs.transposeB) return orig.kernelFunc(args);
    const backend = args.backend as Backend;
    const temps: tf.TensorInfo[] = [];
    const t = (x: tf.TensorInfo): tf.TensorInfo => {
      const y = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm: swapLastTwo(x.shape.length) } }) as tf.TensorInfo;
      temps.push(y);
      return y;
    };
    const inputs = { ...args.inputs } as Record<string, tf.TensorInfo>;
    if (attrs.transposeA) inputs.a = t(inputs.a);
    if (attrs.transposeB) inputs.b = t(inputs.b);
    const out = orig.kernelFunc({ ...args, inputs, attrs: { ...args.attrs, transposeA: false, transposeB: false } });
    for (const x of temps) backend.disposeData(x.dataId);
    return out;
  };
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...orig, kernelFunc });
  patched.add(key);
  return true;
}

/** Re-register wasm's `name` to try `native` first and fall back to wasm's own kernel where it returns null. */
function preferNative(name: string, native: (args: KernelArgs) => tf.TensorInfo | null): boolean {
  const key = `${name}/wasm`;
  if (patched.has(key)) return true;
  const orig = tf.getKernel(name, 'wasm');
  if (!orig) return false;
  tf.unregisterKernel(name, 'wasm');
  tf.registerKernel({ ...orig, kernelFunc: (args: KernelArgs) => native(args) ?? orig.kernelFunc(args) });
  patched.add(key);
  return true;
}

function delegateToCpu(name: string): boolean {
  const key = `${name}/wasm`;
  if (patched.has(key)) return true;
  if (tf.getKernel(name, 'wasm')) return false; // a native kernel exists: keep it
  const cpuKernel = tf.getKernel(name, 'cpu');
  if (!cpuKernel) return false;
  const kernelFunc = (args: KernelArgs) => {
    const wasm = args.backend as Backend;
    const cpu = tf.engine().findBackend('cpu') as Backend;
    const cpuInputs: Record<string, tf.TensorInfo> = {};
    for (const [k, x] of Object.entries(args.inputs as Record<string, tf.TensorInfo>)) {
      if (!x) continue;
      cpuInputs[k] = { dataId: cpu.write(wasm.readSync(x.dataId), x.shape, x.dtype), shape: x.shape, dtype: x.dtype };
    }
    const out = cpuKernel.kernelFunc({ inputs: cpuInputs, backend: cpu, attrs: args.attrs });
    const outs = Array.isArray(out) ? out : [out];
    const results = outs.map((o) => {
      const values = cpu.readSync(o.dataId);
      const r = wasm.makeOutput!(o.shape, o.dtype, undefined, values);
      cpu.disposeData(o.dataId);
      return r;
    });
    for (const x of Object.values(cpuInputs)) cpu.disposeData(x.dataId);
    return Array.isArray(out) ? results : results[0];
  };
  tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc });
  patched.add(key);
  return true;
}
