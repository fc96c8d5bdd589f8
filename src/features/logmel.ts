/**
 * Log-mel features, defined as torchaudio computes
 *   `MelSpectrogram(sample_rate=16000, n_fft=512, win_length=400, hop_length=160, n_mels=80)`
 * (periodic Hann window of 400 zero-padded to 512 in the middle, `center=True` with reflect padding of
 * n_fft/2, power 2, HTK mel 0–8000 Hz, no filter normalization), then ln(x + 1e-6).
 * Frames = 1 + floor(n / 160); frame t is centred on sample 160·t. Output `data` is row-major [T, F].
 * Inputs at another rate are resampled to 16 kHz first (src/audio/resample).
 * Matches test/fixtures/features/*.json (torchaudio 0.13, float64) within 1e-3 on log values.
 */
import { resample } from '../audio/resample';
import { fail } from '../util/errors';
import { RealFFT } from './fft';
import { MelBank, melFilterbank } from './mel';

export interface Features {
  /** Row-major [frames, bins]. */
  data: Float32Array;
  frames: number;
  bins: number;
}

export interface LogMelConfig {
  sampleRate: number;
  nFft: number;
  winLength: number;
  hopLength: number;
  nMels: number;
  fMin: number;
  fMax: number;
  /** Added before the log (torch recipes' usual floor). */
  eps: number;
}

export const LOGMEL_DEFAULTS: LogMelConfig = { sampleRate: 16000, nFft: 512, winLength: 400, hopLength: 160, nMels: 80, fMin: 0, fMax: 8000, eps: 1e-6 };

/** The stateful layer: holds the FFT plan, window and filterbank for one configuration. */
export class LogMel {
  readonly cfg: LogMelConfig;
  private fft: RealFFT;
  private window: Float64Array; // length n_fft, the Hann window centred with zeros either side
  private bank: MelBank;
  private frame: Float64Array;
  private spec: Float64Array;

  constructor(cfg: Partial<LogMelConfig> = {}) {
    this.cfg = { ...LOGMEL_DEFAULTS, ...cfg };
    const { nFft, winLength, nMels, fMin, fMax, sampleRate } = this.cfg;
    this.fft = new RealFFT(nFft);
    this.window = new Float64Array(nFft);
    const left = (nFft - winLength) >> 1;
    // Periodic Hann (torch.hann_window(periodic=True)): 0.5 - 0.5·cos(2πn/N), N = win_length.
    for (let i = 0; i < winLength; i++) this.window[left + i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / winLength);
    this.bank = melFilterbank(nFft / 2 + 1, fMin, fMax, nMels, sampleRate);
    this.frame = new Float64Array(nFft);
    this.spec = new Float64Array(nFft / 2 + 1);
  }

  /** `x` mono at cfg.sampleRate. */
  compute(x: Float32Array): Features {
    const { nFft, hopLength, nMels, eps, winLength } = this.cfg;
    const n = x.length;
    if (n === 0) fail('computeLogMel: empty signal');
    const pad = nFft >> 1;
    const frames = 1 + Math.floor(n / hopLength);
    const out = new Float32Array(frames * nMels);
    const { frame, spec, window, bank } = this;
    const left = (nFft - winLength) >> 1;
    for (let t = 0; t < frames; t++) {
      const base = t * hopLength - pad; // signal index of frame sample 0
      // Only the window's support is non-zero; the rest of the frame stays zero.
      if (base + left >= 0 && base + left + winLength <= n) for (let j = left; j < left + winLength; j++) frame[j] = window[j] * x[base + j];
      else for (let j = left; j < left + winLength; j++) frame[j] = window[j] * x[reflect(base + j, n)];
      this.fft.power(frame, spec);
      const row = t * nMels;
      for (let m = 0; m < nMels; m++) {
        const w = bank.weights[m];
        const s0 = bank.start[m];
        let acc = 0;
        for (let k = 0; k < w.length; k++) acc += w[k] * spec[s0 + k];
        out[row + m] = Math.log(acc + eps);
      }
    }
    return { data: out, frames, bins: nMels };
  }
}

/** Reflect padding index (torch 'reflect': the edge sample is not repeated); repeats for very short inputs. */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const p = 2 * (n - 1);
  i = ((i % p) + p) % p;
  return i < n ? i : p - i;
}

let shared: LogMel | null = null;

/** Log-mel of mono `samples` at `sampleRate` (resampled to 16 kHz if needed): [frames, 80] row-major. */
export function computeLogMel(samples: Float32Array, sampleRate: number): Features {
  if (!(sampleRate > 0)) fail(`computeLogMel: invalid sample rate ${sampleRate}`);
  shared ??= new LogMel();
  const x = sampleRate === shared.cfg.sampleRate ? samples : resample(samples, sampleRate, shared.cfg.sampleRate);
  return shared.compute(x);
}
