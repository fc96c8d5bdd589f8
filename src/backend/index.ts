/**
 * Backend choice (docs/tfjs-wasm.md §1, docs/gpu.md): tfjs-node-gpu -> webgpu on a real (non-fallback) adapter ->
 * tfjs-node -> wasm -> cpu, first that loads wins; BIRQ_BACKEND forces one (webgpu then also on a fallback adapter
 * such as lavapipe). The report says which runs, on which adapter, and why the ones before it were skipped.
 */
import * as tf from '@tensorflow/tfjs';
import { BirqError } from '../util/errors';
import { describeBlas, nativeBlas, setThreads } from './native-kernels';
import { patchWasm } from './wasm-patches';
import { backendReportStream } from './report-stream';
import { AdapterInfo, describeAdapter, probeWebgpu } from './webgpu';

export const BACKENDS = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendReport {
  backend: BackendName;
  tfjsBackend: string;
  skipped: { backend: BackendName; why: string }[];
  patches: string[];
  /** The native BLAS behind wasm's matMul ('libopenblas.so.0, 1 thread'), or null (see patches for why). */
  blas: string | null;
  versions: Record<string, string>;
  /** The WebGPU adapter (on webgpu; also when webgpu was skipped for having only a fallback adapter), or null. */
  adapter: AdapterInfo | null;
}

let current: BackendReport | null = null;

/** The report of the backend in use, or null before initBackend. */
export function backendReport(): BackendReport | null {
  return current;
}

/** Try one backend; resolve to null on success or the reason it cannot be used. */
async function tryBackend(name: BackendName, forced: boolean): Promise<string | null> {
  switch (name) {
    case 'webgpu': {
      const { info, why } = await probeWebgpu(forced);
      if (!info) return why;
      // A software adapter (lavapipe: a 512^3 matMul ~150 ms against ~19 ms on wasm) is for tests, not training.
      if (info.fallback && !forced) return `only a fallback adapter, ${describeAdapter(info)}: slower than wasm (BIRQ_BACKEND=webgpu uses it anyway)`;
      try {
        require('@tensorflow/tfjs-backend-webgpu');
      } catch (e) {
        return `@tensorflow/tfjs-backend-webgpu failed to load: ${(e as Error).message.split('\n')[0]}`;
      }
      if (!tf.findBackendFactory('webgpu')) return '@tensorflow/tfjs-backend-webgpu registered no backend (navigator.gpu was missing at import)';
      if (!(await tf.setBackend('webgpu'))) return `webgpu failed to initialize on ${describeAdapter(info)}`;
      return null;
    }
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const pkg = name === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      let version: string;
      try {
        version = require(`${pkg}/package.json`).version;
        require(pkg);
      } catch (e) {
        // tfjs-node-gpu is an optionalDependency: npm ci tries it and drops it when its install script cannot fetch
        // libtensorflow 2.9.1 (CUDA 11.2, cuDNN 8.1), so an offline install still succeeds.
        const first = (e as Error).message.split('\n')[0];
        return /Cannot find module '@tensorflow\/tfjs-node(-gpu)?(\/package\.json)?'/.test(first)
          ? `${pkg} is not installed (optional; its install script downloads libtensorflow${name === 'tensorflow-gpu' ? ', which needs CUDA 11.2 and cuDNN 8.1' : ''})`
          : `${pkg} failed to load: ${first}`;
      }
      // danfojs-node's tfjs-node dependency is aliased to plain tfjs: it loads but registers no 'tensorflow' backend.
      if (!tf.findBackendFactory('tensorflow')) return `${pkg}@${version} loaded but registered no native backend (an alias of @tensorflow/tfjs)`;
      if (!(await tf.setBackend('tensorflow'))) return `${pkg} failed to initialize`;
      return null;
    }
    case 'wasm': {
      try {
        require('@tensorflow/tfjs-backend-wasm');
      } catch (e) {
        return `@tensorflow/tfjs-backend-wasm failed to load: ${(e as Error).message}`;
      }
      if (!(await tf.setBackend('wasm'))) return 'wasm backend failed to initialize';
      return null;
    }
    case 'cpu':
      return (await tf.setBackend('cpu')) ? null : 'cpu backend failed to initialize';
  }
}

/**
 * Pick and initialize the backend. Idempotent: a second call returns the first report unless `force` differs.
 * `force` (or BIRQ_BACKEND) names one of BACKENDS; an unknown name is an error listing the choices.
 */
export async function initBackend(opts: { force?: string; quiet?: boolean } = {}): Promise<BackendReport> {
  const force = opts.force ?? process.env.BIRQ_BACKEND;
  if (force !== undefined && force !== '' && !(BACKENDS as readonly string[]).includes(force)) {
    throw new BirqError(`BIRQ_BACKEND=${force} is not a backend; choose one of ${BACKENDS.join(', ')}`);
  }
  if (current && (!force || current.backend === force)) return current;
  // Prod mode silences tfjs's console banners ("looks like you are running TensorFlow.js in Node.js") that would
  // otherwise print into every notebook cell and CLI run; it changes no numerics.
  tf.enableProdMode();
  const order: BackendName[] = force ? [force as BackendName] : [...BACKENDS];
  const skipped: BackendReport['skipped'] = [];
  for (const name of order) {
    const why = await tryBackend(name, Boolean(force));
    if (why !== null) {
      skipped.push({ backend: name, why });
      continue;
    }
    await tf.ready();
    const patches: string[] = [];
    let blas: string | null = null;
    if (name === 'wasm') {
      // BIRQ_WASM_UNPATCHED=1 leaves wasm as shipped: only for measuring what the patches buy (bench/backend.ts).
      const p = process.env.BIRQ_WASM_UNPATCHED === '1' ? { matMul: [], blas: null, blasWhy: 'BIRQ_WASM_UNPATCHED=1', native: [], delegated: [], inPlace: [] } : patchWasm();
      const how = p.blas ? `native BLAS sgemm on the wasm heap (${p.blas}); else explicit transpose` : `explicit transpose instead of transpose flags (no native BLAS: ${p.blasWhy})`;
      patches.push(...p.matMul.map((k) => `${k}: ${how}`));
      patches.push(...p.native.map((k) => `${k}: native ${k.startsWith('Birq') ? 'model kernel' : 'vectorized kernel'} on the wasm heap${k === 'Sum' ? ' (leading axes)' : ''}`));
      blas = p.blas;
      patches.push(...p.inPlace.map((k) => `${k}: ${k === 'Identity' ? 'shares its input data' : 'reads its input in place'} instead of copying it`));
      patches.push(...p.delegated.map((k) => `${k}: delegated to the cpu kernel`));
    }
    const adapter = name === 'webgpu' || skipped.some((s) => s.backend === 'webgpu') ? (await probeWebgpu(Boolean(force))).info : null;
    current = { backend: name, tfjsBackend: tf.getBackend(), skipped, patches, blas, versions: versions(), adapter };
    if (!opts.quiet && process.env.BIRQ_QUIET !== '1') backendReportStream().write(describeBackend(current) + '\n');
    return current;
  }
  throw new BirqError(`no tfjs backend could be initialized: ${skipped.map((s) => `${s.backend} (${s.why})`).join('; ')}`);
}

export function describeBackend(r: BackendReport): string {
  const skipped = r.skipped.map((s) => `${s.backend}: ${s.why}`).join('; ');
  const on = r.backend === 'webgpu' && r.adapter ? ` on ${describeAdapter(r.adapter)}` : '';
  return `[birq] backend ${r.backend}${on}${skipped ? ` (skipped ${skipped})` : ''}`;
}

function versions(): Record<string, string> {
  const out: Record<string, string> = { node: process.versions.node };
  for (const pkg of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-backend-webgpu', 'webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    try {
      out[pkg] = require(`${pkg}/package.json`).version;
    } catch {
      /* not installed */
    }
  }
  return out;
}

export { patchWasm, DELEGATED_KERNELS } from './wasm-patches';
export { describeAdapter, privateLavapipeIcd } from './webgpu';
import { gpuErrorScope as scopeOn } from './webgpu';

/** WebGPU error scopes around a step (webgpu.ts gpuErrorScope); a no-op on every other backend. */
export function gpuErrorScope(): { close(): Promise<void> } {
  return scopeOn(tf.backend() as { device?: unknown }, tf.getBackend() === 'webgpu');
}
export { setBackendReportStream } from './report-stream';
export type { AdapterInfo } from './webgpu';

/** Whether tensors of the current backend can be read synchronously (dataSync); WebGPU's only read is `await data()`. */
export function syncReads(): boolean {
  return tf.getBackend() !== 'webgpu';
}
export { patchWasmSlice } from './wasm-slice';
export { describeBlas, nativeBlas } from './native-kernels';

/**
 * Set the native BLAS's thread count and keep the backend report in step; returns the previous count (null when
 * no native BLAS is in use).
 */
export function setBlasThreads(n: number): number | null {
  const { blas } = nativeBlas();
  if (!blas) return null;
  const before = setThreads(blas, n);
  if (current?.blas) current.blas = describeBlas(blas);
  return before;
}
export { nativeFlops } from './native-ops';
export { hasNativeKernel, NATIVE_MODEL_KERNELS } from './native-model-ops';
export type { NativeBlas } from './native-kernels';
export { matmulGflops, ffnTimes, timeMs } from './microbench';
export type { FfnTimes } from './microbench';
export { tinyTrainingRun } from './selftest';
export type { TinyRunOptions } from './selftest';
