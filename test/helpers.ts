/** Shared test helpers: backend switching, tensor-leak checks, numeric comparisons, finite differences. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { initBackend } from '../src/backend';

/** Run `fn` on a given backend and return plain arrays (so results can be compared across backends). */
export async function onBackend<T>(name: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  await initBackend({ force: name, quiet: true });
  return fn();
}

/** Assert `fn` leaves no tensors behind. */
export function assertNoLeak<T>(label: string, fn: () => T): T {
  const before = tf.memory().numTensors;
  const out = fn();
  const after = tf.memory().numTensors;
  assert.equal(after, before, `${label}: ${after - before} tensors leaked`);
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max |a-b| / max(|b|, floor): a relative error that does not explode on tiny entries. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor));
  return m;
}

/**
 * Central finite differences of a scalar function of one tensor, at `probes` random coordinates, in float64
 * arithmetic on the host (f must return a JS number). Returns [analytic, numeric] pairs for those coordinates.
 */
export function finiteDifferences(
  f: (x: Float32Array) => number,
  x: Float32Array,
  grad: ArrayLike<number>,
  probes = 12,
  eps = 1e-2,
  seed = 1,
): { index: number; analytic: number; numeric: number }[] {
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
  const out: { index: number; analytic: number; numeric: number }[] = [];
  for (let k = 0; k < probes; k++) {
    const i = Math.floor(rand() * x.length);
    const xp = Float32Array.from(x);
    const xm = Float32Array.from(x);
    xp[i] += eps;
    xm[i] -= eps;
    out.push({ index: i, analytic: grad[i], numeric: (f(xp) - f(xm)) / (2 * eps) });
  }
  return out;
}

/**
 * A two-step smoke pretraining run on the built-in smoke corpus (built if missing) into `runDir`: the small real
 * teacher / pretrained run that label-stream, probe, relabel and stage tests start from. Returns the corpus root.
 */
export async function smokePretrainRun(runDir: string, opts: { snapshotEvery?: number } = {}): Promise<string> {
  const { buildCorpus } = await import('../data-scripts');
  const { presetConfig } = await import('../src/train/config');
  const { train } = await import('../src/train/loop');
  await initBackend({ quiet: true });
  const corpus = (await buildCorpus({ profile: 'smoke', quiet: true })).root;
  const c = presetConfig('smoke');
  c.data = { ...c.data, source: 'corpus', corpus, batchSize: 4, maxFrames: 160 };
  c.run = { steps: 2, logEvery: 1, checkpointEvery: 2, snapshotEvery: opts.snapshotEvery ?? 0, keepCheckpoints: 1 };
  await train({ config: c, runDir, quiet: true });
  return corpus;
}
