/**
 * Per-step randomness as a pure function of (run seed, step, micro-batch, stream): masking, noise, dropout and
 * Gumbel noise each draw from their own stream, so a resumed run draws exactly what an uninterrupted one would,
 * and turning one consumer on or off (e.g. the enhanced branch) never shifts another's numbers.
 */
import { Rng } from '../util/rng';

export const STREAMS = { mask: 1, noise: 2, dropoutMasked: 3, dropoutEnhanced: 4, gumbel: 5, specAugment: 6 } as const;
export type StreamName = keyof typeof STREAMS;

export function streamRng(seed: number, step: number, micro: number, stream: StreamName): Rng {
  // Four words through splitmix32 (inside Rng) via an xor-fold; distinct tuples give distinct seeds in practice.
  const h = (seed * 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b) ^ Math.imul(micro + 1, 0xc2b2ae35) ^ Math.imul(STREAMS[stream], 0x27d4eb2f);
  const r = new Rng(h >>> 0);
  r.nextU32();
  return r;
}
