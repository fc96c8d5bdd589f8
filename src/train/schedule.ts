/**
 * Learning-rate schedules: linear warm-up to the peak, then a decay. Step numbers are 0-based updates.
 *   constant      peak after warm-up
 *   linear        peak -> peak·minRatio linearly until the last step
 *   cosine        peak -> peak·minRatio along a half cosine
 *   inverse-sqrt  peak · sqrt(warmup / step) (Transformer / Conformer recipe), floored at peak·minRatio
 */
import { BirqError } from '../util/errors';

export const LR_DECAYS = ['constant', 'linear', 'cosine', 'inverse-sqrt'] as const;
export type LrDecay = (typeof LR_DECAYS)[number];

export interface LrScheduleConfig {
  lr: number;
  warmupSteps: number;
  decay: LrDecay;
  minLrRatio: number;
}

export function learningRate(c: LrScheduleConfig, step: number, totalSteps: number): number {
  if (step < c.warmupSteps) return (c.lr * (step + 1)) / c.warmupSteps;
  const floor = c.lr * c.minLrRatio;
  const span = Math.max(1, totalSteps - c.warmupSteps);
  const f = Math.min(1, (step - c.warmupSteps) / span);
  switch (c.decay) {
    case 'constant':
      return c.lr;
    case 'linear':
      return c.lr + (floor - c.lr) * f;
    case 'cosine':
      return floor + (c.lr - floor) * 0.5 * (1 + Math.cos(Math.PI * f));
    case 'inverse-sqrt':
      return Math.max(floor, c.lr * Math.sqrt(Math.max(1, c.warmupSteps) / Math.max(1, step + 1)));
    default:
      throw new BirqError(`unknown lr decay '${c.decay as string}'`);
  }
}
