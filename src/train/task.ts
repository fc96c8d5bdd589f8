/**
 * A training task computes its forward pass, objectives and gradients for one micro-batch; the loop
 * (src/train/loop.ts) owns accumulation, clipping, the optimizer, logging and checkpoints. BEST-RQ and BiRQ
 * (src/tasks/masked-prediction.ts), offline relabeling (src/tasks/kmeans-targets.ts) and CTC fine-tuning (src/tasks/ctc.ts)
 * implement this interface.
 */
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from '../model/params';
import { FeatureBatch } from './feature-source';

export interface StepInfo {
  /** Optimizer step (0-based) and micro-batch within it. */
  step: number;
  micro: number;
  totalSteps: number;
  seed: number;
}

export interface TaskStep {
  /** Gradients by parameter name (the caller disposes them). */
  grads: Map<string, tf.Tensor>;
  /** Loss terms as JS numbers (e.g. F, G, total); the loop stops on a non-finite one and names it. */
  losses: Record<string, number>;
  /** Other per-batch numbers for metrics.jsonl (accuracies, code usage, NMI, weights). */
  metrics: Record<string, number>;
}

export interface LabelSnapshot {
  /** Per stream, labels [B, T] row-major (int32), with lengths in encoder frames. */
  streams: Record<string, Int32Array>;
  shape: [number, number];
  lengths: number[];
  ids: string[];
}

export interface Task {
  readonly name: string;
  readonly params: ParamStore;
  /** Frozen (never trained) tensors by name: quantizer matrices; saved in checkpoints. */
  frozen(): Record<string, tf.Tensor>;
  step(batch: FeatureBatch, info: StepInfo): TaskStep;
  /**
   * The same step with awaited reads, for backends that cannot read synchronously (WebGPU; train/reads.ts). The
   * loop calls it when present; on wasm and cpu it must give exactly `step`'s numbers.
   */
  stepAsync?(batch: FeatureBatch, info: StepInfo): Promise<TaskStep>;
  /**
   * Parameters trained at an optimizer step (default: all of `params.trainable()`). When the set changes (the
   * end of fine-tuning's head-only warm-up), the loop starts a fresh AdamW over the new set at that step.
   */
  trainableAt?(step: number): [string, tf.Variable][];
  /** Labels of a fixed probe set (evaluation mode), for label-quality curves. */
  snapshot?(probe: FeatureBatch): LabelSnapshot;
  snapshotAsync?(probe: FeatureBatch): Promise<LabelSnapshot>;
  dispose(): void;
}
