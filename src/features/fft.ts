/**
 * Real-input FFT of even power-of-two size N, computed as one complex FFT of size N/2 on (x[2k] + i·x[2k+1])
 * followed by the standard split step. Float64 throughout (torch's float32 STFT is the noisier of the two).
 * `power()` returns |X[k]|² for k = 0..N/2, the one-sided power spectrum.
 */
export class RealFFT {
  readonly n: number;
  private m: number;
  private re: Float64Array;
  private im: Float64Array;
  private rev: Uint32Array;
  private cosT: Float64Array; // twiddles of the size-M complex FFT
  private sinT: Float64Array;
  private wc: Float64Array; // split-step twiddles e^{-2πik/N}
  private ws: Float64Array;

  constructor(n: number) {
    if (n < 4 || (n & (n - 1)) !== 0) throw new Error(`RealFFT: size ${n} is not a power of two >= 4`);
    this.n = n;
    const m = (this.m = n >> 1);
    this.re = new Float64Array(m);
    this.im = new Float64Array(m);
    this.rev = new Uint32Array(m);
    const bits = Math.log2(m);
    for (let i = 0; i < m; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.cosT = new Float64Array(m >> 1);
    this.sinT = new Float64Array(m >> 1);
    for (let i = 0; i < m >> 1; i++) {
      this.cosT[i] = Math.cos((2 * Math.PI * i) / m);
      this.sinT[i] = -Math.sin((2 * Math.PI * i) / m);
    }
    this.wc = new Float64Array(m + 1);
    this.ws = new Float64Array(m + 1);
    for (let k = 0; k <= m; k++) {
      this.wc[k] = Math.cos((2 * Math.PI * k) / n);
      this.ws[k] = -Math.sin((2 * Math.PI * k) / n);
    }
  }

  /** One-sided power spectrum of `x` (length N) into `out` (length N/2 + 1). */
  power(x: Float64Array, out: Float64Array): void {
    const { m, re, im, rev } = this;
    for (let i = 0; i < m; i++) {
      const r = rev[i];
      re[r] = x[2 * i];
      im[r] = x[2 * i + 1];
    }
    this.complexInPlace();
    out[0] = (re[0] + im[0]) ** 2;
    out[m] = (re[0] - im[0]) ** 2;
    for (let k = 1; k < m; k++) {
      const ar = re[k], ai = im[k], br = re[m - k], bi = im[m - k];
      const er = 0.5 * (ar + br), ei = 0.5 * (ai - bi);
      const or = 0.5 * (ai + bi), oi = -0.5 * (ar - br);
      const c = this.wc[k], s = this.ws[k];
      const xr = er + c * or - s * oi;
      const xi = ei + c * oi + s * or;
      out[k] = xr * xr + xi * xi;
    }
  }

  private complexInPlace(): void {
    const { m, re, im, cosT, sinT } = this;
    // Stage of size 2: twiddle 1, plain sums and differences.
    for (let a = 0; a < m; a += 2) {
      const b = a + 1;
      const tr = re[b], ti = im[b];
      re[b] = re[a] - tr; im[b] = im[a] - ti;
      re[a] += tr; im[a] += ti;
    }
    for (let size = 4; size <= m; size <<= 1) {
      const half = size >> 1;
      const step = m / size;
      // Twiddle-outer order: each twiddle is loaded once per stage.
      for (let j = 0, t = 0; j < half; j++, t += step) {
        const c = cosT[t], s = sinT[t];
        for (let a = j; a < m; a += size) {
          const b = a + half;
          const xr = re[b], xi = im[b];
          const tr = xr * c - xi * s;
          const ti = xr * s + xi * c;
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
        }
      }
    }
  }
}
