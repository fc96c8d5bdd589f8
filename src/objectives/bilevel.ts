/**
 * Penalty form of BiRQ's bilevel problem (docs/method.md §5):
 *   min F(θ)  s.t.  G(θ) - min G ≤ δ   ->   min w1·F + w2·G      (min G is a constant)
 * Variants: BEST-RQ (w1 = 0), enhanced-only (w2 = 0, expected to collapse), an increasing penalty (w2 ramps
 * from w2Start to w2 over the run, the classic penalty-method schedule), and a BOME-style adaptive weight.
 */
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
  /** 'bome': η in λ = max(η‖∇G‖² - <∇F, ∇G>, 0) / ‖∇G‖². */
  bomeEta: number;
}

export const DEFAULT_PENALTY: PenaltyConfig = { w1: 0.1, w2: 2.4, schedule: 'constant', w2Start: 0.24, bomeEta: 0.5 };

/** w1, w2 at a step (for 'bome', w2 is the fixed part; the adaptive λ is added by `bomeLambda`). */
export function penaltyWeights(c: PenaltyConfig, step: number, totalSteps: number): { w1: number; w2: number } {
  if (c.w1 < 0 || c.w2 < 0) throw new BirqError(`penalty weights must be >= 0, got w1=${c.w1} w2=${c.w2}`);
  if (c.schedule === 'increasing') {
    const f = totalSteps > 1 ? Math.min(1, step / (totalSteps - 1)) : 1;
    return { w1: c.w1, w2: c.w2Start + (c.w2 - c.w2Start) * f };
  }
  return { w1: c.w1, w2: c.w2 };
}

/**
 * BOME (Liu et al. 2022, "BOME! Bilevel optimization made easy") adapted to our penalty: the update is
 * w1∇F + (w2 + λ)∇G with λ = max(η‖∇G‖² − <w1∇F, ∇G>, 0) / ‖∇G‖². When ∇F points against ∇G (obtuse angle)
 * λ grows and the step keeps decreasing G; when they agree, λ = η.
 */
export function bomeLambda(dotFG: number, normG2: number, eta: number): number {
  if (!(normG2 > 0)) return 0;
  return Math.max(eta * normG2 - dotFG, 0) / normG2;
}

/** The combined loss value (for logging; gradients use the same weights). */
export function penaltyLoss(F: number, G: number, w1: number, w2: number): number {
  return w1 * F + w2 * G;
}
