/**
 * Native kernels on the wasm heap (native/heap-kernels.c + nn-kernels.c, a small N-API addon): matMul through a
 * system BLAS (wasm's own runs ~20 GFLOP/s, OpenBLAS ~60 on one core); exp, log and row sums, which wasm computes
 * ~10-30x slower than a vectorized loop; and the model kernels of native-model-ops.ts. The addon is compiled on first use into the cache (cc + node-api-headers, ~1 s;
 * -march=native, so the cache key includes the CPU's flags) and loaded from there afterwards. Without a compiler
 * or a BLAS the backend keeps wasm's kernels and says why.
 *
 *   BIRQ_NATIVE_BLAS=0       keep wasm's own kernels (for comparisons)
 *   BIRQ_BLAS_THREADS=N      BLAS threads (default 1). On 2 cores, 2 threads make a pretraining step ~25 %
 *                            faster, but sgemm's last bits depend on the thread count, so an exact rerun or
 *                            resume needs the same count: opt in, not default.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cacheRoot } from '../util/paths';

export interface HeapKernels {
  /** C[i] = op(A[i])·op(B[i]) (+ bias row) on the heap; offsets in bytes, strides in elements (0 broadcasts). */
  gemm(heap: ArrayBuffer, batch: number, m: number, n: number, k: number, transA: number, transB: number,
    aOff: number, aStride: number, bOff: number, bStride: number, cOff: number, cStride: number, biasOff: number): void;
  /** op 0: exp, 1: log, elementwise over n floats. */
  unary(heap: ArrayBuffer, op: number, xOff: number, outOff: number, n: number): void;
  /** out[c] = Σ_r x[r, c] for x [rows, cols]. */
  sumRows(heap: ArrayBuffer, xOff: number, rows: number, cols: number, outOff: number): void;
  dwconvFwd(heap: ArrayBuffer, x: number, w: number, bias: number, y: number, B: number, T: number, C: number, K: number): void;
  dwconvBwd(heap: ArrayBuffer, x: number, w: number, dy: number, dx: number, dw: number, dbias: number, B: number, T: number, C: number, K: number): void;
  attentionFwd(heap: ArrayBuffer, qkv: number, keyBias: number, out: number, probs: number, B: number, T: number, D: number, H: number, scale: number): void;
  attentionBwd(heap: ArrayBuffer, qkv: number, probs: number, dout: number, dqkv: number, B: number, T: number, D: number, H: number, scale: number): void;
  xentFwd(heap: ArrayBuffer, logits: number, targets: number, logp: number, loss: number, tsum: number, M: number, V: number): void;
  xentBwd(heap: ArrayBuffer, logp: number, targets: number, tsum: number, s: number, dlogits: number, dtargets: number, M: number, V: number): void;
  dropoutMask(heap: ArrayBuffer, out: number, n: number, keep: number, ...lanes: number[]): void;
  gumbelNoise(heap: ArrayBuffer, out: number, n: number, ...lanes: number[]): void;
  layerNormFwd(heap: ArrayBuffer, x: number, g: number, b: number, y: number, xhat: number, rstd: number, N: number, D: number, eps: number): void;
  layerNormBwd(heap: ArrayBuffer, xhat: number, rstd: number, g: number, dy: number, dx: number, dg: number, db: number, N: number, D: number): void;
  swishFwd(heap: ArrayBuffer, x: number, y: number, n: number): void;
  swishBwd(heap: ArrayBuffer, x: number, dy: number, dx: number, n: number): void;
  setThreads(n: number): void;
  config(): string;
}

export interface NativeBlas {
  kernels: HeapKernels;
  /** The BLAS library that loaded, e.g. libopenblas.so.0. */
  library: string;
  /** The library's own description (OpenBLAS: version, kernel, threading). */
  config: string;
  threads: number;
}

/** Libraries tried in order. Never the netlib reference BLAS: it is slower than wasm's own matMul. */
const LIBRARIES: Record<string, string[]> = {
  linux: ['libopenblas.so.0', 'libopenblas.so', 'libopenblasp-r0.3.so', 'libblis.so.4', 'libmkl_rt.so.2', 'libmkl_rt.so'],
  darwin: ['libopenblas.dylib', '/opt/homebrew/opt/openblas/lib/libopenblas.dylib', '/usr/local/opt/openblas/lib/libopenblas.dylib',
    '/System/Library/Frameworks/Accelerate.framework/Accelerate'],
};

let loaded: { blas: NativeBlas | null; why: string } | null = null;

/** The native BLAS, or null with the reason it is not used. Loads (and if needed compiles) once per process. */
export function nativeBlas(): { blas: NativeBlas | null; why: string } {
  if (loaded) return loaded;
  loaded = load();
  return loaded;
}

function load(): { blas: NativeBlas | null; why: string } {
  if (process.env.BIRQ_NATIVE_BLAS === '0') return { blas: null, why: 'BIRQ_NATIVE_BLAS=0' };
  const libs = LIBRARIES[process.platform];
  if (!libs) return { blas: null, why: `no BLAS search list for platform ${process.platform}` };
  let addon: HeapKernels & { load(paths: string[]): string };
  try {
    const file = compiledAddon();
    if (typeof file !== 'string') return { blas: null, why: file.why };
    addon = require(file);
  } catch (e) {
    return { blas: null, why: `the native kernels' addon failed to load: ${(e as Error).message}` };
  }
  let library: string;
  try {
    library = addon.load(libs);
  } catch {
    return { blas: null, why: `no BLAS found (tried ${libs.join(', ')}); on Debian: apt-get install libopenblas0-pthread` };
  }
  const blas: NativeBlas = { kernels: addon, library, config: addon.config(), threads: 1 };
  setThreads(blas, Number(process.env.BIRQ_BLAS_THREADS) || 1);
  return { blas, why: '' };
}

/** 'libopenblas.so.0, 1 thread': the library and its threads, as reports and run directories show them. */
export function describeBlas(blas: NativeBlas): string {
  return `${blas.library}, ${blas.threads} thread${blas.threads > 1 ? 's' : ''}`;
}

/** Set the BLAS thread count (OpenBLAS, BLIS); returns the previous one. */
export function setThreads(blas: NativeBlas, n: number): number {
  const before = blas.threads;
  blas.threads = Math.max(1, Math.floor(n));
  blas.kernels.setThreads(blas.threads);
  return before;
}

/** The CPU's feature flags (Linux), so an addon built with -march=native is never loaded on another CPU. */
function cpuFlags(): string {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:.*$/m)?.[0] ?? '';
  } catch {
    return '';
  }
}

const SOURCES = ['heap-kernels.c', 'nn-kernels.c'];
const HEADERS = ['fast-math.h', 'nn-kernels.h'];

/** The directory of the C sources: next to this file (tsx) or in src/ beside dist/ (compiled). */
function sourceDir(): string | null {
  for (const d of [path.join(__dirname, 'native'), path.resolve(__dirname, '../../src/backend/native')]) {
    if (fs.existsSync(path.join(d, SOURCES[0]))) return d;
  }
  return null;
}

function apiHeaders(): string | null {
  try {
    return path.join(path.dirname(require.resolve('node-api-headers/package.json')), 'include');
  } catch {
    const sys = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
    return fs.existsSync(path.join(sys, 'node_api.h')) ? sys : null;
  }
}

/** Path of the compiled addon (keyed on the source's hash), compiling it atomically if missing. */
function compiledAddon(): string | { why: string } {
  const dir = sourceDir();
  if (!dir) return { why: 'native/heap-kernels.c not found next to the backend' };
  const h = crypto.createHash('sha256');
  for (const f of [...SOURCES, ...HEADERS]) h.update(fs.readFileSync(path.join(dir, f)));
  const hash = h.update(process.platform + process.arch + cpuFlags()).digest('hex').slice(0, 12);
  const src = SOURCES.map((f) => path.join(dir, f));
  const out = path.join(cacheRoot(), 'native', `heap-kernels-${hash}.node`);
  if (fs.existsSync(out)) return out;
  const include = apiHeaders();
  if (!include) return { why: 'Node-API headers not found (npm package node-api-headers)' };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const link = process.platform === 'darwin' ? ['-bundle', '-undefined', 'dynamic_lookup'] : ['-shared', '-fPIC'];
  const compilers = process.env.CC ? [process.env.CC] : ['cc', 'gcc', 'clang'];
  const cc = compilers.find((c) => !spawnSync(c, ['--version']).error);
  if (!cc) return { why: `no C compiler (tried ${compilers.join(', ')}) to build the native kernels; on Debian: apt-get install gcc libc6-dev` };
  // -O3 -march=native -fno-trapping-math lets the branch-free exp/log loops vectorize; plain -O2 if refused.
  const compile = (opt: string[]) =>
    spawnSync(cc, [...opt, ...link, '-DNODE_GYP_MODULE_NAME=birq_heap_kernels', `-I${include}`, '-o', tmp, ...src, '-ldl'], { encoding: 'utf8' });
  let r = compile(['-O3', '-march=native', '-fno-math-errno', '-fno-trapping-math']);
  if (!r.error && r.status !== 0) r = compile(['-O2']);
  if (r.error) return { why: `${cc} could not be run to build the native kernels: ${r.error.message}` };
  if (r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    return { why: `compiling ${dir} failed: ${(r.stderr || '').trim().split('\n').slice(0, 3).join(' ')}` };
  }
  fs.renameSync(tmp, out);
  return out;
}
