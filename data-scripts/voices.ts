/**
 * Base voices and the "speakers" drawn from them. A speaker is a base voice plus a fixed speaking rate
 * (duration stretch) and pitch (flite CG `f0_shift`, or sox `pitch` in cents, which keeps durations exactly so
 * alignments hold). Every base voice contributes train speakers and held-out speakers (dev, test-clean and
 * test-other each get their own); speaker ids are disjoint between pools by construction.
 */
import { Rng } from '../src/util/rng';

export type Engine = 'flite' | 'festival' | 'espeak';

export interface BaseVoice {
  engine: Engine;
  /** flite `-voice` name, festival voice function suffix, or espeak-ng voice+variant. */
  name: string;
  gender: 'F' | 'M';
  /** Native output rate in Hz (resampled to 16 kHz afterwards). */
  rate: number;
  /** How pitch is varied: flite CG voices take `f0_shift`, espeak its pitch parameter; the rest sox `pitch` (cents). */
  pitchBy: 'f0_shift' | 'sox' | 'espeak';
  /** Whether the engine honours a duration stretch. */
  stretch: boolean;
}

export const BASE_VOICES: BaseVoice[] = [
  { engine: 'flite', name: 'slt', gender: 'F', rate: 16000, pitchBy: 'f0_shift', stretch: true },
  { engine: 'flite', name: 'rms', gender: 'M', rate: 16000, pitchBy: 'f0_shift', stretch: true },
  { engine: 'flite', name: 'awb', gender: 'M', rate: 16000, pitchBy: 'f0_shift', stretch: true },
  { engine: 'flite', name: 'kal16', gender: 'M', rate: 16000, pitchBy: 'sox', stretch: true },
  { engine: 'festival', name: 'kal_diphone', gender: 'M', rate: 16000, pitchBy: 'sox', stretch: true },
  { engine: 'festival', name: 'ked_diphone', gender: 'M', rate: 16000, pitchBy: 'sox', stretch: true },
  // HTS ignores Duration_Stretch (docs/data.md §2), so its speakers differ by pitch only.
  { engine: 'festival', name: 'cmu_us_slt_arctic_hts', gender: 'F', rate: 32000, pitchBy: 'sox', stretch: false },
  // espeak-ng: formant synthesis, four accents (US, RP, Scottish, Caribbean) with voice variants.
  { engine: 'espeak', name: 'en-us+f2', gender: 'F', rate: 22050, pitchBy: 'espeak', stretch: true },
  { engine: 'espeak', name: 'en-gb-x-rp+m3', gender: 'M', rate: 22050, pitchBy: 'espeak', stretch: true },
  { engine: 'espeak', name: 'en-gb-scotland+f4', gender: 'F', rate: 22050, pitchBy: 'espeak', stretch: true },
  { engine: 'espeak', name: 'en-029+m1', gender: 'M', rate: 22050, pitchBy: 'espeak', stretch: true },
];

export type Pool = 'train' | 'dev' | 'test-clean' | 'test-other';

export interface Speaker {
  id: number;
  base: BaseVoice;
  pool: Pool;
  /** Duration multiplier (>1 slower), 1 when the engine ignores it. */
  stretch: number;
  /** f0 multiplier for flite CG and espeak voices (1 otherwise). */
  f0Shift: number;
  /** sox pitch shift in cents (0 when f0Shift is used). */
  pitchCents: number;
}

/** Per base voice: `trainPerVoice` train speakers, then `heldOutPerVoice` each for dev, test-clean, test-other. */
export function makeSpeakers(seed: number, trainPerVoice: number, heldOutPerVoice = 1, bases: BaseVoice[] = BASE_VOICES): Speaker[] {
  const rng = new Rng(seed ^ 0x5eed5);
  const out: Speaker[] = [];
  bases.forEach((base, b) => {
    const held = (p: Pool) => Array<Pool>(heldOutPerVoice).fill(p);
    const pools: Pool[] = [...Array<Pool>(trainPerVoice).fill('train'), ...held('dev'), ...held('test-clean'), ...held('test-other')];
    pools.forEach((pool, k) => {
      const stretch = base.stretch ? round(0.85 + 0.35 * rng.uniform(), 3) : 1;
      const p = rng.uniform();
      const f0Shift = base.pitchBy === 'sox' ? 1 : round(0.8 + 0.45 * p, 3);
      const pitchCents = base.pitchBy === 'sox' ? Math.round(-300 + 600 * p) : 0;
      out.push({ id: 1000 + 100 * b + k, base, pool, stretch, f0Shift, pitchCents });
    });
  });
  return out;
}

function round(x: number, d: number): number {
  const m = 10 ** d;
  return Math.round(x * m) / m;
}
