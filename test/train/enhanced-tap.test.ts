/**
 * BiRQ's enhanced branch reads block k of the unmasked input (the layer tap), and the prediction branch the
 * whole encoder on the masked input: every encoder call a training step makes is recorded and checked.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import type { ForwardOptions } from '../../src/model/conformer';
import { ToyFeatureSource } from '../../src/train';
import { MaskedPredictionTask } from '../../src/tasks/masked-prediction';
import { maxAbsDiff } from '../helpers';
import { tinyConfig } from './tiny';

for (const layer of [1, 2]) {
  test(`a BiRQ step runs blocks 1..${layer} on the unmasked input for its targets and all blocks on the masked input`, async () => {
    await initBackend({ quiet: true });
    const c = tinyConfig((c) => { c.encoder.blocks = 3; c.enhanced.layer = layer; c.memory.recomputeBlocks = false; });
    const task = new MaskedPredictionTask(c);
    const batch = new ToyFeatureSource({ seed: 2, batchSize: 2, frames: 64 }).batchAt(0);
    const calls: { untilBlock: number; unmasked: boolean }[] = [];
    const forward = task.encoder.forward.bind(task.encoder);
    task.encoder.forward = (x: tf.Tensor3D, o: ForwardOptions = {}) => {
      calls.push({ untilBlock: o.untilBlock ?? c.encoder.blocks, unmasked: maxAbsDiff(x.dataSync(), batch.feats) === 0 });
      return forward(x, o);
    };
    const r = task.step(batch, { step: 0, micro: 0, totalSteps: 4, seed: 1 });
    r.grads.forEach((g) => g.dispose());
    task.dispose();
    assert.deepEqual(calls.filter((k) => k.unmasked), [{ untilBlock: layer, unmasked: true }], JSON.stringify(calls));
    assert.ok(calls.some((k) => !k.unmasked && k.untilBlock === 3), JSON.stringify(calls));
    assert.ok(calls.every((k) => k.unmasked || k.untilBlock === 3), 'the masked branch always runs every block');
  });
}
