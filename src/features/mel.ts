/**
 * Mel filterbank exactly as torchaudio's `F.melscale_fbanks(n_freqs, f_min, f_max, n_mels, sample_rate,
 * norm=None, mel_scale='htk')`: triangles between n_mels + 2 points equally spaced on the HTK mel scale
 * (2595·log10(1 + f/700)), evaluated at the n_freqs = n_fft/2 + 1 FFT bin frequencies linspace(0, sr/2).
 * Stored sparsely (each filter's first bin and weights) since each triangle touches few bins.
 */
export interface MelBank { nMels: number; nFreqs: number; start: Int32Array; weights: Float64Array[] }

const hzToMel = (f: number) => 2595 * Math.log10(1 + f / 700);
const melToHz = (m: number) => 700 * (10 ** (m / 2595) - 1);

export function melFilterbank(nFreqs: number, fMin: number, fMax: number, nMels: number, sampleRate: number): MelBank {
  const freqs = Array.from({ length: nFreqs }, (_, i) => ((sampleRate / 2) * i) / (nFreqs - 1));
  const mMin = hzToMel(fMin), mMax = hzToMel(fMax);
  const fPts = Array.from({ length: nMels + 2 }, (_, i) => melToHz(mMin + ((mMax - mMin) * i) / (nMels + 1)));
  const start = new Int32Array(nMels);
  const weights: Float64Array[] = [];
  for (let m = 0; m < nMels; m++) {
    const lo = fPts[m], mid = fPts[m + 1], hi = fPts[m + 2];
    const w: number[] = [];
    let first = -1;
    for (let k = 0; k < nFreqs; k++) {
      const down = (freqs[k] - lo) / (mid - lo);
      const up = (hi - freqs[k]) / (hi - mid);
      const v = Math.max(0, Math.min(down, up));
      if (v > 0) {
        if (first < 0) first = k;
        // Fill any gap (cannot happen for a triangle, kept for safety) so weights stay contiguous.
        while (first + w.length < k) w.push(0);
        w.push(v);
      }
    }
    start[m] = Math.max(0, first);
    weights.push(Float64Array.from(w));
  }
  return { nMels, nFreqs, start, weights };
}
