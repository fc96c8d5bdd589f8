/**
 * The GPU check (docs/gpu.md): what a borrowed GPU machine is asked, in one run of a few minutes.
 *   1. the adapter (vendor, architecture, description, fallback or not);
 *   2. one BiRQ step (smoke encoder, toy data) on the GPU against the cpu backend: losses within 1e-4 relative,
 *      gradients within 1e-6 + 1e-4 · max|g| per parameter (the tolerances of test/backend/webgpu.test.ts);
 *   3. pretraining throughput of a preset (c1-small by default: BiRQ, soft targets, 8 s crops, block
 *      recomputation as the preset has it) in seconds of audio per second, at batch 8, then doubling the batch
 *      until a step fails to fit (a WebGPU out-of-memory or validation error, a thrown error, a non-finite loss)
 *      or exceeds --max-step-s; the largest batch that fits and the best throughput are reported.
 * Every result is one JSON line on stdout. The same code runs here (`npm run bench -- gpu`, any backend: the wasm
 * figure beside it comes from `BIRQ_BACKEND=wasm npm run bench -- gpu --no-check`) and bundled in the prepared
 * folder (bench/gpu/prepare.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { gpuErrorScope, initBackend } from '../../src/backend';
import { SUBSAMPLING } from '../../src/model/config';
import { MaskedPredictionTask } from '../../src/tasks/masked-prediction';
import { AdamW } from '../../src/train/adamw';
import { PretrainConfig, presetConfig, validateConfig } from '../../src/train/config';
import { ToyFeatureSource } from '../../src/train/feature-source';
import { TaskStep } from '../../src/train/task';

export interface CheckOptions {
  /** Backend to measure (default webgpu, forced: also a fallback adapter such as lavapipe). */
  backend: string;
  preset: string;
  steps: number;
  warmup: number;
  batches: number[];
  maxBatch: number;
  maxStepSeconds: number;
  check: boolean;
  /** The wasm figure of the same command on the 2-core machine (prepared beside the check), or null. */
  wasmReference: Record<string, unknown> | null;
}

type Emit = (row: Record<string, unknown>) => void;

export async function gpuCheck(o: CheckOptions, emit: Emit): Promise<boolean> {
  const report = await initBackend({ force: o.backend, quiet: true });
  emit({ check: 'backend', backend: report.backend, adapter: report.adapter, versions: report.versions });
  let ok = true;
  if (o.check) ok = (await stepAgainstCpu(o.backend, emit)) && ok;
  const rows = await throughput(o, emit);
  const fit = rows.filter((r) => r.fits);
  const best = fit.reduce<Row | null>((b, r) => (!b || r.audio_s_per_s! > b.audio_s_per_s! ? r : b), null);
  const at8 = fit.find((r) => r.batch === 8) ?? null;
  // The wasm figure only compares with a run of the same preset.
  const ref = o.wasmReference && o.wasmReference.preset === o.preset ? o.wasmReference : null;
  const wasm = ref && typeof ref.audio_s_per_s === 'number' ? ref.audio_s_per_s : null;
  emit({
    check: 'summary', preset: o.preset, backend: report.backend, adapter: report.adapter?.description ?? null,
    batch8_audio_s_per_s: at8?.audio_s_per_s ?? null, largest_batch: fit.at(-1)?.batch ?? null,
    best_batch: best?.batch ?? null, best_audio_s_per_s: best?.audio_s_per_s ?? null,
    wasm_2core_audio_s_per_s: wasm, speedup_vs_wasm: wasm && best ? Math.round((best.audio_s_per_s! / wasm) * 10) / 10 : null,
    wasm_reference: o.wasmReference, step_check_ok: o.check ? ok : null,
  });
  return ok && fit.length > 0;
}

/** One BiRQ step of the smoke encoder on toy data, on the cpu backend and then on `backend`. */
async function stepAgainstCpu(backend: string, emit: Emit): Promise<boolean> {
  const c = presetConfig('smoke');
  c.data = { ...c.data, source: 'toy', batchSize: 2, maxFrames: 96 };
  const run = async (name: string) => {
    await initBackend({ force: name, quiet: true });
    const task = new MaskedPredictionTask(validateConfig(structuredClone(c)));
    const src = new ToyFeatureSource({ seed: c.seed, batchSize: 2, frames: 96, melBins: c.encoder.inputDim });
    try {
      const r: TaskStep = await task.stepAsync(src.batchAt(1), { step: 1, micro: 0, totalSteps: 10, seed: c.seed });
      const grads = new Map<string, Float32Array>();
      for (const [n, g] of r.grads) grads.set(n, (await g.data()) as Float32Array);
      tf.dispose([...r.grads.values()]);
      return { losses: r.losses, grads };
    } finally {
      task.dispose();
    }
  };
  const cpu = await run('cpu');
  const gpu = await run(backend);
  let lossRel = 0;
  for (const [k, v] of Object.entries(cpu.losses)) lossRel = Math.max(lossRel, Math.abs(gpu.losses[k] - v) / Math.abs(v));
  let worst = { name: '', diff: 0, max: 0, ratio: 0 };
  for (const [n, a] of cpu.grads) {
    const b = gpu.grads.get(n);
    if (!b) return emit({ check: 'birq-step-vs-cpu', ok: false, why: `no gradient for ${n} on ${backend}` }), false;
    let diff = 0;
    let max = 0;
    for (let i = 0; i < a.length; i++) (diff = Math.max(diff, Math.abs(a[i] - b[i]))), (max = Math.max(max, Math.abs(a[i])));
    const ratio = diff / (1e-6 + 1e-4 * max);
    if (ratio > worst.ratio) worst = { name: n, diff, max, ratio };
  }
  const ok = lossRel <= 1e-4 && worst.ratio <= 1 && gpu.grads.size === cpu.grads.size;
  emit({ check: 'birq-step-vs-cpu', ok, losses_cpu: cpu.losses, losses_gpu: gpu.losses, max_loss_rel_diff: lossRel, worst_gradient: worst, tolerance: 'loss 1e-4 relative; gradient 1e-6 + 1e-4 max|g| per parameter' });
  await initBackend({ force: backend, quiet: true });
  return ok;
}

interface Row {
  batch: number;
  fits: boolean;
  audio_s_per_s?: number;
  why?: string;
}

async function throughput(o: CheckOptions, emit: Emit): Promise<Row[]> {
  const sizes = o.batches.length ? o.batches : doublings(8, o.maxBatch);
  const rows: Row[] = [];
  for (const B of sizes) {
    const row = await measure(o, B);
    rows.push(row);
    emit({ check: 'throughput', preset: o.preset, backend: tf.getBackend(), ...row });
    if (!row.fits) break;
  }
  return rows;
}

function doublings(from: number, to: number): number[] {
  const out: number[] = [];
  for (let b = from; b <= to; b *= 2) out.push(b);
  return out.length ? out : [to];
}

/** Steps of preset `o.preset` at batch B on full-length toy crops; median step time -> audio seconds per second. */
async function measure(o: CheckOptions, B: number): Promise<Row & Record<string, unknown>> {
  let c: PretrainConfig = presetConfig(o.preset);
  c = validateConfig({ ...c, data: { ...c.data, source: 'toy', batchSize: B } });
  const frames = c.data.maxFrames - (c.data.maxFrames % SUBSAMPLING); // input frames, 10 ms each
  const task = new MaskedPredictionTask(c);
  const opt = new AdamW(c.optim, task.params.trainable());
  const src = new ToyFeatureSource({ seed: 1, batchSize: B, frames, melBins: c.encoder.inputDim });
  const batch = src.batchAt(0);
  batch.lengths = batch.lengths.map(() => frames);
  const times: number[] = [];
  try {
    for (let i = 0; i < o.warmup + o.steps; i++) {
      const scope = gpuErrorScope(); // an out-of-memory or validation error: the batch does not fit
      const t0 = performance.now();
      const r = await task.stepAsync(batch, { step: i, micro: 0, totalSteps: 1000, seed: 1 });
      opt.step(r.grads, 1e-4);
      tf.dispose([...r.grads.values()]);
      // The loop reads once per step (the losses, inside stepAsync); wait for the update too before timing.
      await opt.stateTensors()[Object.keys(opt.stateTensors())[0]]?.data();
      const ms = performance.now() - t0;
      await scope.close();
      const bad = Object.entries(r.losses).find(([, v]) => !Number.isFinite(v));
      if (bad) return { batch: B, fits: false, why: `loss ${bad[0]} is ${bad[1]}` };
      if (i >= o.warmup) times.push(ms);
      // Warm-up steps compile the shaders (seconds on a GPU, ~30 s for c1-small on lavapipe): allowed 10x longer.
      const limit = i < o.warmup ? 10 * o.maxStepSeconds : o.maxStepSeconds;
      if (ms / 1000 > limit) return { batch: B, fits: false, why: `a step took ${(ms / 1000).toFixed(1)} s (> ${limit} s; --max-step-s ${o.maxStepSeconds})` };
    }
  } catch (e) {
    return { batch: B, fits: false, why: (e as Error).message.split('\n')[0] };
  } finally {
    opt.dispose();
    task.dispose();
  }
  const sorted = [...times].sort((a, b) => a - b);
  const ms = sorted[Math.floor(sorted.length / 2)];
  const mem = tf.memory() as tf.MemoryInfo & { numBytesAllocatedInGPU?: number };
  return {
    batch: B, fits: true, audio_s_per_s: Math.round(((B * frames * 0.01) / (ms / 1000)) * 10) / 10, step_ms: Math.round(ms), steps_ms: times.map(Math.round),
    crop_s: frames * 0.01, task: c.task, gumbel: c.enhanced.mode, recompute: c.memory.recomputeBlocks, gpu_bytes_allocated: mem.numBytesAllocatedInGPU ?? null,
  };
}
