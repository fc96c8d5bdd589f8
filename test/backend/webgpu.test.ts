/**
 * Training on WebGPU (Dawn) equals training on the cpu backend: a BiRQ step in every Gumbel mode, BEST-RQ and
 * BOME, and a CTC fine-tuning step (the two-pass step of tasks/ctc.ts); a short seeded run resumes exactly; GPU
 * memory does not grow over steps. On a machine without a GPU this runs on Mesa's CPU Vulkan driver, which
 * `npm run setup` unpacks privately (scripts/lavapipe.cjs). No adapter at all is a failure that says why, never
 * a skip.
 *
 * Tolerances (measured on lavapipe, tiny encoder d 16: losses agree to ~1e-7 relative, gradients to ~3e-7 abs):
 * losses within 1e-4 relative (the target); each parameter's gradient within 1e-6 + 1e-4 · max|g_cpu|.
 * Kept small (lavapipe: a 512³ matMul ~150 ms; the first step compiles shaders, ~10 s).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { gpuErrorScope, initBackend } from '../../src/backend';
import { charVocab } from '../../src/decode/vocab';
import { Conformer } from '../../src/model/conformer';
import { CtcFinetuneTask } from '../../src/tasks/ctc';
import { MaskedPredictionTask } from '../../src/tasks/masked-prediction';
import { AdamW, FeatureBatch, ToyFeatureSource, train } from '../../src/train';
import { PretrainConfig } from '../../src/train/config';
import { TaskStep } from '../../src/train/task';
import { tinyConfig } from '../train/tiny';

async function useWebgpu(): Promise<void> {
  try {
    await initBackend({ force: 'webgpu', quiet: true });
  } catch (e) {
    assert.fail(`no WebGPU backend here: ${(e as Error).message}. Run \`npm run setup\`: where no GPU adapter is found it unpacks Mesa's lavapipe into the cache (scripts/lavapipe.cjs), and these tests need it.`);
  }
}

before(async () => {
  await useWebgpu();
});

interface Read {
  losses: Record<string, number>;
  grads: Map<string, Float32Array>;
}

async function read(r: TaskStep): Promise<Read> {
  const grads = new Map<string, Float32Array>();
  for (const [n, g] of r.grads) grads.set(n, (await g.data()) as Float32Array);
  tf.dispose([...r.grads.values()]);
  return { losses: r.losses, grads };
}

function assertSame(cpu: Read, gpu: Read, label: string): void {
  for (const [k, v] of Object.entries(cpu.losses)) {
    const w = gpu.losses[k];
    assert.ok(Math.abs(w - v) <= 1e-4 * Math.abs(v), `${label}: loss ${k} ${w} on webgpu, ${v} on cpu`);
  }
  assert.deepEqual([...gpu.grads.keys()].sort(), [...cpu.grads.keys()].sort(), `${label}: the same parameters get gradients`);
  for (const [n, a] of cpu.grads) {
    const b = gpu.grads.get(n)!;
    let diff = 0;
    let max = 0;
    for (let i = 0; i < a.length; i++) (diff = Math.max(diff, Math.abs(a[i] - b[i]))), (max = Math.max(max, Math.abs(a[i])));
    assert.ok(diff <= 1e-6 + 1e-4 * max, `${label}: gradient of ${n} differs by ${diff} (max |g| ${max})`);
  }
}

/** One masked-prediction step of `c` on `backend`, through the loop's entry point (stepAsync). */
async function pretrainStep(backend: 'cpu' | 'webgpu', c: PretrainConfig): Promise<Read> {
  if (backend === 'cpu') await initBackend({ force: 'cpu', quiet: true });
  else await useWebgpu();
  const task = new MaskedPredictionTask(c);
  const src = new ToyFeatureSource({ seed: c.seed, batchSize: 2, frames: 64, melBins: c.encoder.inputDim });
  try {
    return await read(await task.stepAsync(src.batchAt(1), { step: 1, micro: 0, totalSteps: 4, seed: c.seed }));
  } finally {
    task.dispose();
  }
}

test('a BiRQ step on webgpu equals the cpu backend in every Gumbel mode, and BEST-RQ and BOME too', async () => {
  const cases: [string, PretrainConfig][] = [
    ...(['soft', 'hard-st', 'stopgrad'] as const).map((m): [string, PretrainConfig] => [`birq ${m}`, tinyConfig((c) => (c.enhanced.mode = m))]),
    ['birq whiten', tinyConfig((c) => (c.enhanced.norm = 'whiten'))],
    ['birq bome', tinyConfig((c) => (c.objective.schedule = 'bome'))],
    ['best-rq', tinyConfig((c) => (c.task = 'bestrq'))],
  ];
  for (const [label, c] of cases) assertSame(await pretrainStep('cpu', c), await pretrainStep('webgpu', c), label);
  assert.equal(tf.getBackend(), 'webgpu');
});

test('a CTC fine-tuning step on webgpu (two passes, no synchronous read) equals the cpu backend', async () => {
  const vocab = charVocab();
  const src = new ToyFeatureSource({ seed: 3, batchSize: 3, frames: 64, melBins: 80 });
  const batch: FeatureBatch = src.batchAt(0);
  // Labels of 2..5 symbols (16 encoder frames each): possible alignments, with a repeat in one.
  const targets = new Map(batch.ids.map((id, b): [string, number[]] => [id, [[3, 4], [5, 5, 6], [7, 8, 9, 10, 11]][b % 3]]));
  const step = async (backend: 'cpu' | 'webgpu', s: number) => {
    if (backend === 'cpu') await initBackend({ force: 'cpu', quiet: true });
    else await useWebgpu();
    const enc = new Conformer({ ...tinyConfig().encoder, inputDim: 80 }, 7);
    const task = new CtcFinetuneTask(enc, vocab, targets, { freezeEncoderSteps: 1, seed: 1 });
    try {
      return await read(await task.stepAsync(batch, { step: s, micro: 0, totalSteps: 4, seed: 1 }));
    } finally {
      task.dispose();
    }
  };
  for (const s of [0, 2]) assertSame(await step('cpu', s), await step('webgpu', s), `ctc step ${s} (${s === 0 ? 'head only' : 'whole model'})`);
});

test('a seeded webgpu run stopped and resumed logs exactly the losses of an uninterrupted one', async () => {
  await useWebgpu();
  const c = tinyConfig((c) => (c.run.steps = 4));
  const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'birq-webgpu-'));
  const losses = (m: Record<string, number>[]) => m.map((x) => [x.step, x.F, x.G, x.grad_norm]);
  const a = tmp();
  const full = await train({ config: c, runDir: a, quiet: true });
  const b = tmp();
  await train({ config: c, runDir: b, quiet: true, stopAtStep: 2 });
  const resumed = await train({ config: c, runDir: b, quiet: true, resume: true });
  assert.equal(tf.getBackend(), 'webgpu');
  assert.deepEqual(losses(resumed.metrics), losses(full.metrics.slice(2)));
  assert.ok(fs.readdirSync(path.join(b, 'labels')).length > 0, 'label snapshots written on webgpu');
  // The whole loop (clipping's global norm, AdamW, four updates) against the cpu backend.
  await initBackend({ force: 'cpu', quiet: true });
  const d = tmp();
  const cpu = await train({ config: c, runDir: d, quiet: true });
  for (const [i, row] of losses(cpu.metrics).entries()) {
    row.forEach((v, k) => assert.ok(Math.abs(losses(full.metrics)[i][k] - v) <= 1e-4 * Math.abs(v), `step ${row[0]}: webgpu ${losses(full.metrics)[i]} against cpu ${row}`));
  }
  [a, b, d].forEach((x) => fs.rmSync(x, { recursive: true, force: true }));
});

test('GPU memory does not grow over webgpu training steps', async () => {
  await useWebgpu();
  const c = tinyConfig();
  const task = new MaskedPredictionTask(c);
  const opt = new AdamW(c.optim, task.params.trainable());
  const src = new ToyFeatureSource({ seed: c.seed, batchSize: 2, frames: 64, melBins: c.encoder.inputDim });
  const seen: { tensors: number; gpuBytes: number }[] = [];
  for (let s = 0; s < 6; s++) {
    const r = await task.stepAsync(src.batchAt(s), { step: s, micro: 0, totalSteps: 6, seed: c.seed });
    opt.step(r.grads, 1e-3);
    tf.dispose([...r.grads.values()]);
    const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number };
    seen.push({ tensors: m.numTensors, gpuBytes: m.numBytesInGPU ?? NaN });
  }
  opt.dispose();
  task.dispose();
  // After the first step (positional tables, AdamW moments), every step leaves the same tensors and bytes behind.
  for (const x of seen.slice(2)) assert.deepEqual(x, seen[1], `tensors and GPU bytes by step: ${JSON.stringify(seen)}`);
  assert.ok(seen[1].gpuBytes > 0, 'tf.memory() reports GPU bytes on webgpu');
});

test('a WebGPU error that tfjs does not throw (an invalid pipeline) is caught by the step\'s error scope', async () => {
  await useWebgpu();
  const scope = gpuErrorScope();
  // tf.addN of 20 tensors: one shader with 21 storage buffers, over the device's 8 (src/backend/add-n.ts).
  const xs = Array.from({ length: 20 }, (_, i) => tf.fill([64], i + 1));
  const sum = tf.addN(xs);
  await sum.data();
  await assert.rejects(scope.close(), /WebGPU reported .*storage buffers/);
  tf.dispose([...xs, sum]);
});
