/**
 * Penalty form of BiRQ's bilevel problem (docs/method.md §5):
 *   min F(θ)  s.t.  G(θ) - min G ≤ δ   ->   min w1·F + w2·G      (min G is a constant)
 * Variants: BEST-RQ (w1 = 0), enhanced-only (w2 = 0, expected to collapse), an increasing penalty (w2 ramps
 * from w2Start to w2 over the run, the classic penalty-method schedule), and BOME, whose adaptive λ takes the
 * place of w2 (update w1∇F + λ∇G; see `bomeDirection`).
 * Measured (docs/protocol.md, test/experiments/collapse.test.ts): without the anchor term the enhanced labels
 * collapse sooner, but with the paper's per-frame LayerNorm they collapse with it too; the anchor alone does not
 * keep them spread at our scale (enhanced.norm is the lever).
 */
import * as tf from '@tensorflow/tfjs';
import { addN } from '../backend/add-n';
import { BirqError } from '../util/errors';

export const PENALTY_SCHEDULES = ['constant', 'increasing', 'bome'] as const;
export type PenaltySchedule = (typeof PENALTY_SCHEDULES)[number];

export interface PenaltyConfig {
  /** Weight of F (enhanced labels, upper level). Paper 0.1. */
  w1: number;
  /** Weight of G (anchor labels, lower level). Paper 2.4. */
  w2: number;
  schedule: PenaltySchedule;
  /** 'increasing': w2 at step 0 (linear ramp to w2 at the last step). */
  w2Start: number;
  /** 'bome': η in λ = max(η‖∇G‖² − <w1∇F, ∇G>, 0) / ‖∇G‖² (w2 is not used under 'bome'). */
  bomeEta: number;
}

export const DEFAULT_PENALTY: PenaltyConfig = { w1: 0.1, w2: 2.4, schedule: 'constant', w2Start: 0.24, bomeEta: 0.5 };

/** w1, w2 at a step. Under 'bome' the returned w2 is not applied: `bomeDirection`'s λ weighs ∇G instead. */
export function penaltyWeights(c: PenaltyConfig, step: number, totalSteps: number): { w1: number; w2: number } {
  if (c.w1 < 0 || c.w2 < 0) throw new BirqError(`penalty weights must be >= 0, got w1=${c.w1} w2=${c.w2}`);
  if (c.schedule === 'increasing') {
    const f = totalSteps > 1 ? Math.min(1, step / (totalSteps - 1)) : 1;
    return { w1: c.w1, w2: c.w2Start + (c.w2 - c.w2Start) * f };
  }
  return { w1: c.w1, w2: c.w2 };
}

/**
 * BOME (Liu et al. 2022, "BOME! Bilevel optimization made easy") on our problem, with the upper objective
 * f = w1·F and the lower-level gap q = G − min G (so ∇q = ∇G):
 *   d = w1∇F + λ∇G,   λ = max(η‖∇G‖² − <w1∇F, ∇G>, 0) / ‖∇G‖²
 * λ is the smallest non-negative weight with <d, ∇G> ≥ η‖∇G‖²: the step always keeps decreasing G. When ∇F
 * points against ∇G (obtuse angle) λ grows; when they agree strongly, λ = 0. λ replaces the penalty weight w2;
 * it is not added to it.
 */
export function bomeLambda(dotFG: number, normG2: number, eta: number): number {
  if (!(normG2 > 0)) return 0;
  return Math.max(eta * normG2 - dotFG, 0) / normG2;
}

/**
 * BOME's update direction from the two gradients by parameter name: `gradF` must already be w1∇F. A parameter
 * missing from one map (e.g. the other stream's head) has a zero gradient there. The returned tensors are new
 * (the caller disposes them and the inputs).
 */
export function bomeDirection(gradF: Map<string, tf.Tensor>, gradG: Map<string, tf.Tensor>, eta: number): { direction: Map<string, tf.Tensor>; lambda: number } {
  const [dot, normG2] = bomeInnerProducts(gradF, gradG);
  const lambda = bomeLambda(dot.dataSync()[0], normG2.dataSync()[0], eta);
  tf.dispose([dot, normG2]);
  return { direction: bomeDirectionWith(gradF, gradG, lambda), lambda };
}

/** ⟨w1∇F, ∇G⟩ and ‖∇G‖² as scalars (new tensors), for `bomeLambda`: read them as the backend allows. */
export function bomeInnerProducts(gradF: Map<string, tf.Tensor>, gradG: Map<string, tf.Tensor>): [tf.Scalar, tf.Scalar] {
  return tf.tidy(() => [
    addN([tf.scalar(0), ...[...gradF].filter(([n]) => gradG.has(n)).map(([n, f]) => tf.sum(tf.mul(f, gradG.get(n)!)))]),
    addN([tf.scalar(0), ...[...gradG.values()].map((g) => tf.sum(tf.square(g)))]),
  ]) as [tf.Scalar, tf.Scalar];
}

/** w1∇F + λ∇G by parameter name (new tensors). */
export function bomeDirectionWith(gradF: Map<string, tf.Tensor>, gradG: Map<string, tf.Tensor>, lambda: number): Map<string, tf.Tensor> {
  const direction = new Map<string, tf.Tensor>();
  for (const name of new Set([...gradF.keys(), ...gradG.keys()])) {
    const f = gradF.get(name);
    const g = gradG.get(name);
    direction.set(name, tf.tidy(() => (f && g ? tf.add(f, tf.mul(g, lambda)) : f ? f.clone() : tf.mul(g!, lambda))));
  }
  return direction;
}

/** The combined loss value (for logging; gradients use the same weights). */
export function penaltyLoss(F: number, G: number, w1: number, w2: number): number {
  return w1 * F + w2 * G;
}
