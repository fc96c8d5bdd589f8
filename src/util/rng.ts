/**
 * Seeded random numbers whose whole state is four uint32 (xoshiro128**), so checkpoints can save and restore it
 * and a resumed run draws exactly what an uninterrupted one would.
 */
export type RngState = [number, number, number, number];

export class Rng {
  private s: Uint32Array;
  private spare: number | null = null;

  constructor(seed: number | RngState) {
    this.s = new Uint32Array(4);
    if (Array.isArray(seed)) this.s.set(seed);
    else {
      // splitmix32 expands one seed into four non-zero words.
      let x = seed >>> 0;
      for (let i = 0; i < 4; i++) {
        x = (x + 0x9e3779b9) >>> 0;
        let z = x;
        z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
        z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
        this.s[i] = (z ^ (z >>> 16)) >>> 0 || 1;
      }
    }
  }

  /** Uniform uint32. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller, caching the second value; the cache is part of the state). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A fresh seed for tfjs ops that take one (tf.randomNormal etc.), drawn from this stream. */
  seed(): number {
    return this.nextU32();
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }

  getState(): { s: RngState; spare: number | null } {
    return { s: [this.s[0], this.s[1], this.s[2], this.s[3]], spare: this.spare };
  }

  setState(st: { s: RngState; spare: number | null }): void {
    this.s.set(st.s);
    this.spare = st.spare;
  }

  /** An independent child stream (for per-utterance or per-worker randomness). */
  fork(tag: number): Rng {
    return new Rng((this.nextU32() ^ Math.imul(tag + 1, 0x9e3779b1)) >>> 0);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Lanes of uniformFloats: independent xorshift32 streams, interleaved (element i belongs to lane i mod 8). */
export const UNIFORM_LANES = 8;

/** The lanes' start states for a seed: splitmix32 of seed + lane·golden, never 0 (xorshift's fixed point). */
export function uniformLaneSeeds(seed: number): Uint32Array {
  const s = new Uint32Array(UNIFORM_LANES);
  for (let l = 0; l < UNIFORM_LANES; l++) {
    let z = (seed + Math.imul(l + 1, 0x9e3779b9)) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    s[l] = (z ^ (z >>> 16)) >>> 0 || 0x9e3779b9;
  }
  return s;
}

/**
 * n uniforms strictly inside (0, 1) from a 32-bit seed: the bulk draws of a training step (dropout masks, masking
 * noise, Gumbel noise). tf.randomUniform / randomNormal with a seed run tfjs's JS generator at ~40 ns a number,
 * which made dropout alone ~15 % of a c1-small step. Eight interleaved xorshift32 lanes rather than one stream, so
 * the native dropout kernel (src/backend/native/nn-kernels.c), which computes exactly these numbers, vectorizes.
 * 23 random bits per number, so no float32 rounding reaches 0 or 1.
 */
export function uniformFloats(n: number, seed: number): Float32Array {
  const u = new Float32Array(n);
  const s = uniformLaneSeeds(seed);
  for (let i = 0; i < n; i++) {
    const l = i & (UNIFORM_LANES - 1);
    let x = s[l];
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    s[l] = x;
    u[i] = (((x >>> 0) >>> 9) + 0.5) / 8388608;
  }
  return u;
}

/** n draws of N(0, std²) from a 32-bit seed (Box-Muller on uniformFloats, both values of each pair used). */
export function normalFloats(n: number, seed: number, std = 1): Float32Array {
  const u = uniformFloats(n + (n & 1), seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = std * Math.sqrt(-2 * Math.log(u[i]));
    const a = 2 * Math.PI * u[i + 1];
    out[i] = r * Math.cos(a);
    if (i + 1 < n) out[i + 1] = r * Math.sin(a);
  }
  return out;
}
