/**
 * The training-step benchmark: the same workload as bench/torch_step.py (stack-4 front end,
 * K Conformer blocks with batch norm and no dropout, softmax head(s) over V codes, masked CE, AdamW), run through
 * our real task and optimizer, so the number is what pretraining pays per step. ~40% of frames masked, as the
 * reference's --mask-frac 0.4 (start probability 0.05 with 10-frame spans). Our step also computes the anchor
 * labels and the masking noise, which the reference skips.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, nativeFlops, setBlasThreads } from '../backend';
import { SUBSAMPLING } from '../model/config';
import { presetConfig, validateConfig } from './config';
import { AdamW } from './adamw';
import { ToyFeatureSource } from './feature-source';
import { MaskedPredictionTask } from '../tasks/masked-prediction';
import type { GumbelMode } from '../quantizers/gumbel';

/** An arm of the benchmark: BEST-RQ, or BiRQ with its Gumbel mode ('birq' alone is the config default, soft). */
export type BenchArm = 'bestrq' | 'birq' | `birq/${GumbelMode}`;

export interface BenchStepOptions {
  mode: 'bestrq' | 'birq';
  layers: number;
  k: number;
  dim: number;
  heads: number;
  ffn: number;
  kernel: number;
  batch: number;
  /** Encoder frames (40 ms each); input frames are 4x. */
  frames: number;
  codes: number;
  steps: number;
  warmup: number;
  /** Per-op profile of one step (tf.profile), printed to stderr; BIRQ_PROFILE_SHAPES=1 splits it by input shapes. */
  profile?: boolean;
  /** memory.recomputeBlocks (off by default: the reference keeps all activations too). */
  recompute?: boolean;
  /** BiRQ's Gumbel mode (default: the config's, soft). */
  gumbel?: GumbelMode;
  /** Native BLAS threads while measuring (default 1, as the PyTorch reference). */
  threads?: number;
}

export const BENCH_DEFAULTS: BenchStepOptions = { mode: 'bestrq', layers: 4, k: 3, dim: 144, heads: 4, ffn: 576, kernel: 15, batch: 8, frames: 200, codes: 8192, steps: 5, warmup: 2 };

/** One mode's step time (see benchSteps for several modes measured side by side). */
export async function benchStep(o: BenchStepOptions): Promise<Record<string, unknown>> {
  return (await benchSteps(o, [o.mode === 'birq' && o.gumbel ? `birq/${o.gumbel}` : o.mode]))[0];
}

/**
 * Several modes measured interleaved (step of mode A, step of mode B, ...) so that a shared, noisy machine
 * slows all of them alike and their ratio stays meaningful; median per mode.
 */
export async function benchSteps(o: BenchStepOptions, modes: BenchArm[]): Promise<Record<string, unknown>[]> {
  const backend = await initBackend({ quiet: true });
  const threadsBefore = setBlasThreads(o.threads ?? 1);
  const arms = modes.map((arm) => {
    const [mode, gumbel] = arm.split('/') as ['bestrq' | 'birq', GumbelMode | undefined];
    let c = presetConfig('c1-small');
    c = validateConfig({
      ...c,
      task: mode,
      encoder: { ...c.encoder, blocks: o.layers, dim: o.dim, heads: o.heads, ffnDim: o.ffn, kernel: o.kernel, dropout: 0 },
      anchor: { ...c.anchor, codes: o.codes },
      enhanced: { ...c.enhanced, codes: o.codes, layer: Math.min(o.k, o.layers), mode: gumbel ?? c.enhanced.mode },
      masking: { ...c.masking, startProb: 0.05 },
      data: { ...c.data, batchSize: o.batch, maxFrames: SUBSAMPLING * o.frames },
      memory: { recomputeBlocks: Boolean(o.recompute) },
    });
    const task = new MaskedPredictionTask(c);
    return { mode: arm, gumbel: mode === 'birq' ? c.enhanced.mode : undefined, task, opt: new AdamW(c.optim, task.params.trainable()), times: [] as number[], gflop: 0 };
  });
  // Full-length utterances, as the reference.
  const src = new ToyFeatureSource({ seed: 1, batchSize: o.batch, frames: SUBSAMPLING * o.frames });
  const batch = src.batchAt(0);
  batch.lengths = batch.lengths.map(() => SUBSAMPLING * o.frames);
  const step = (a: (typeof arms)[number], i: number) => {
    const r = a.task.step(batch, { step: i, micro: 0, totalSteps: 1000, seed: 1 });
    a.opt.step(r.grads, 1e-4);
    for (const g of r.grads.values()) g.dispose();
  };
  for (let i = 0; i < o.warmup; i++) for (const a of arms) step(a, i);
  for (let i = 0; i < o.steps; i++)
    for (const a of arms) {
      nativeFlops(true);
      const t0 = performance.now();
      step(a, o.warmup + i);
      a.times.push(performance.now() - t0);
      a.gflop = nativeFlops(true) / 1e9;
    }
  if (o.profile) {
    const info = await tf.profile(() => step(arms[0], 99));
    const byKernel = new Map<string, number>();
    for (const k of info.kernels) {
      const key = process.env.BIRQ_PROFILE_SHAPES === '1' ? `${k.name} ${JSON.stringify(k.inputShapes)}` : k.name;
      byKernel.set(key, (byKernel.get(key) ?? 0) + (k.kernelTimeMs as number));
    }
    const rows = [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, process.env.BIRQ_PROFILE_SHAPES === '1' ? 60 : 25);
    process.stderr.write(rows.map(([n, ms]) => `${n.padEnd(28)} ${ms.toFixed(1)} ms`).join('\n') + '\n');
  }
  const out = arms.map((a) => {
    const sorted = [...a.times].sort((x, y) => x - y);
    const ms = sorted[Math.floor(sorted.length / 2)];
    return {
      impl: 'birq-lab-tfjs', backend: backend.backend, blas: backend.blas, mode: a.mode.split('/')[0], gumbel: a.gumbel, layers: o.layers, dim: o.dim, batch: o.batch, frames: o.frames, codes: o.codes,
      recompute: Boolean(o.recompute), matmul_gflop: Math.round(a.gflop * 100) / 100, step_ms: Math.round(ms * 10) / 10, steps_ms: a.times.map((t) => Math.round(t)),
      audio_s_per_s: Math.round(((o.batch * o.frames * 0.04) / (ms / 1000)) * 10) / 10,
      params: a.task.params.count(), rss_mb: Math.round(process.memoryUsage().rss / 1048576),
    };
  });
  for (const a of arms) {
    a.opt.dispose();
    a.task.dispose();
  }
  if (threadsBefore !== null) setBlasThreads(threadsBefore);
  return out;
}
