/**
 * The WebGPU backend in Node (docs/gpu.md, docs/tfjs-wasm.md §5): Dawn from the npm package `webgpu`, which loads
 * the system's `libvulkan.so.1`, under `@tensorflow/tfjs-backend-webgpu`.
 *
 * Order matters: Dawn's globals (GPUBufferUsage, ...) and `navigator.gpu` must exist *before* the tfjs backend is
 * imported, because it registers itself only if `navigator.gpu` is there at import time.
 *
 * Without a GPU, `npm run setup` unpacks Mesa's CPU Vulkan driver (lavapipe, scripts/lavapipe.cjs) into the cache;
 * its ICD is added here through VK_ADD_DRIVER_FILES, which adds a driver without hiding a real one, and only under
 * BIRQ_BACKEND=webgpu: it is a fallback adapter (`isFallbackAdapter`), which the ladder would pass over anyway.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BirqError } from '../util/errors';
import { cacheRoot } from '../util/paths';

/** What the adapter says about itself (GPUAdapterInfo), as the backend report shows it. */
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software (CPU) implementation such as lavapipe: correct, slower than wasm. */
  fallback: boolean;
  /** The Vulkan ICD this process added (the private lavapipe), or null. */
  addedDriver: string | null;
}

/** The private lavapipe ICD written by scripts/lavapipe.cjs, if it is there. */
export function privateLavapipeIcd(): string | null {
  const icd = path.join(cacheRoot(), 'lavapipe', 'lvp_icd.json');
  return fs.existsSync(icd) ? icd : null;
}

/** Why setup could not install the private lavapipe (scripts/lavapipe.cjs records it), or ''. */
function lavapipeInstallError(): string {
  const f = path.join(cacheRoot(), 'lavapipe', 'install-error.txt');
  return fs.existsSync(f) ? `; installing lavapipe failed: ${fs.readFileSync(f, 'utf8').trim()}` : '';
}

/**
 * Make the private lavapipe visible to the Vulkan loader, unless the user chose drivers (VK_DRIVER_FILES,
 * VK_ICD_FILENAMES) or already added it. Must run before Dawn creates its instance. Returns the ICD added or null.
 */
function addPrivateLavapipe(): string | null {
  const env = process.env;
  if (env.VK_DRIVER_FILES || env.VK_ICD_FILENAMES) return null;
  const icd = privateLavapipeIcd();
  if (!icd) return null;
  const added = (env.VK_ADD_DRIVER_FILES ?? '').split(':').filter(Boolean);
  if (!added.includes(icd)) env.VK_ADD_DRIVER_FILES = [...added, icd].join(':');
  return icd;
}

/**
 * Vulkan ICD manifests the loader would find (its search path on Linux; VK_DRIVER_FILES / VK_ICD_FILENAMES replace
 * it, VK_ADD_DRIVER_FILES adds to it). Checked before Dawn is touched: Dawn on a machine without any driver
 * prints warnings to stderr, which every notebook would show as an error.
 */
export function vulkanDrivers(): string[] {
  const env = process.env;
  const list = (v: string | undefined) => (v ?? '').split(':').filter(Boolean);
  const fromDirs = (dirs: string[]) => dirs.flatMap((d) => {
    try {
      return fs.readdirSync(d).filter((f) => f.endsWith('.json')).map((f) => path.join(d, f));
    } catch {
      return [];
    }
  });
  const files = (v: string[]) => v.flatMap((f) => (fs.existsSync(f) && fs.statSync(f).isDirectory() ? fromDirs([f]) : fs.existsSync(f) ? [f] : []));
  const replace = list(env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES);
  if (replace.length) return files(replace);
  const xdgConfig = [env.XDG_CONFIG_HOME ?? path.join(env.HOME ?? '/', '.config'), ...list(env.XDG_CONFIG_DIRS ?? '/etc/xdg')];
  const xdgData = [env.XDG_DATA_HOME ?? path.join(env.HOME ?? '/', '.local/share'), ...list(env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share')];
  const dirs = [...xdgConfig, '/etc', ...xdgData].map((d) => path.join(d, 'vulkan', 'icd.d'));
  return [...fromDirs(dirs), ...files(list(env.VK_ADD_DRIVER_FILES))];
}

let probed: { info: AdapterInfo | null; why: string | null } | null = null;

/**
 * Install Dawn's globals and find the adapter tfjs will use (tfjs asks for 'high-performance' too). Resolves
 * to the adapter or to why there is none. Called once per process; later calls return the first answer.
 */
export async function probeWebgpu(forced: boolean): Promise<{ info: AdapterInfo | null; why: string | null }> {
  if (probed) return probed;
  // Unforced, the ladder would pass a fallback adapter over anyway; leaving lavapipe out then spares every run
  // the probe of a software driver and Dawn's warnings about it on stderr.
  const addedDriver = forced ? addPrivateLavapipe() : null;
  if (!vulkanDrivers().length) {
    const lvp = privateLavapipeIcd();
    const hint = lvp ? 'the private lavapipe (a fallback adapter) is added only under BIRQ_BACKEND=webgpu' : 'npm run setup installs a private lavapipe where no GPU is found';
    return (probed = { info: null, why: `no Vulkan driver installed (no ICD in the loader's search path; ${hint})${lavapipeInstallError()}` });
  }
  let dawn: { create(opts: string[]): GpuLike; globals: Record<string, unknown> };
  try {
    dawn = require('webgpu');
  } catch (e) {
    return (probed = { info: null, why: `the npm package webgpu (Dawn) failed to load: ${(e as Error).message.split('\n')[0]}` });
  }
  const g = globalThis as Record<string, unknown>;
  Object.assign(g, dawn.globals);
  const gpu = dawn.create([]);
  // Node >= 21 defines `navigator` (without gpu); define our own property either way.
  const nav = (g.navigator as Record<string, unknown> | undefined) ?? {};
  if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
  if (!g.navigator) Object.defineProperty(g, 'navigator', { value: nav, configurable: true, writable: true });
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    const lvp = privateLavapipeIcd();
    const hint = addedDriver ? `not even the private lavapipe (${addedDriver})`
      : lvp ? `and the private lavapipe (a fallback adapter) is added only under BIRQ_BACKEND=webgpu`
      : 'and there is no private lavapipe (npm run setup installs one where no GPU is found)';
    return (probed = { info: null, why: `no WebGPU adapter: Dawn found no usable Vulkan driver, ${hint}${lavapipeInstallError()}` });
  }
  const i = adapter.info ?? {};
  const info: AdapterInfo = {
    vendor: i.vendor || '?', architecture: i.architecture || '?', device: i.device || '?', description: i.description || '?',
    fallback: Boolean(i.isFallbackAdapter), addedDriver,
  };
  return (probed = { info, why: null });
}

/** One line: "nvidia hopper (NVIDIA H200 ...)" or "mesa software (llvmpipe ...), fallback". */
export function describeAdapter(a: AdapterInfo): string {
  return `${a.vendor} ${a.architecture} (${a.description})${a.fallback ? ', a fallback (CPU) adapter' : ''}`;
}

/** The part of Dawn's GPU object this file uses. */
interface GpuLike {
  requestAdapter(o?: { powerPreference?: string }): Promise<{
    info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  } | null>;
}

/** The part of GPUDevice used for error scopes. */
interface ScopedDevice {
  pushErrorScope(filter: 'validation' | 'out-of-memory'): void;
  popErrorScope(): Promise<{ message: string } | null>;
}

/**
 * Catch what WebGPU reports without throwing. An invalid pipeline or an allocation that does not fit is reported
 * through the device's error scopes (and printed by Dawn), while the ops involved return wrong numbers: a
 * training step must not go on from there. Open before the work, `close()` after its last read: throws naming
 * the errors. Off webgpu both are no-ops.
 */
export function gpuErrorScope(backend: { device?: unknown } | null, isWebgpu: boolean): { close(): Promise<void> } {
  const device = isWebgpu ? (backend?.device as ScopedDevice | undefined) : undefined;
  if (!device) return { close: async () => {} };
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  return {
    async close() {
      const errors = [await device.popErrorScope(), await device.popErrorScope()].filter((e): e is { message: string } => e !== null);
      if (errors.length) throw new BirqError(`WebGPU reported ${errors.map((e) => e.message.split('\n')[0]).join('; ')}`);
    },
  };
}
