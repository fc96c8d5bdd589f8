/**
 * Codebook usage statistics (plain JS over label arrays): how many codes are used, the perplexity exp(H) of the
 * empirical code distribution (V for uniform use, 1 for collapse), the histogram; and the normalized mutual
 * information between two label streams (anchor vs enhanced agreement), NMI = I(a; b) / sqrt(H(a) H(b)).
 */
export interface CodeUsage {
  /** Distinct codes seen. */
  used: number;
  /** exp(entropy in nats) of the code histogram. */
  perplexity: number;
  /** Count per code, length V. */
  histogram: Int32Array;
  total: number;
}

export function codeUsage(labels: ArrayLike<number>, numCodes: number): CodeUsage {
  const histogram = new Int32Array(numCodes);
  for (let i = 0; i < labels.length; i++) histogram[labels[i]]++;
  let used = 0;
  let h = 0;
  const n = labels.length;
  for (let j = 0; j < numCodes; j++) {
    const c = histogram[j];
    if (c === 0) continue;
    used++;
    const p = c / n;
    h -= p * Math.log(p);
  }
  return { used, perplexity: n > 0 ? Math.exp(h) : 0, histogram, total: n };
}

/** NMI of two equal-length label arrays, geometric-mean normalization; 0 when either stream is constant. */
export function normalizedMutualInformation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length) throw new Error(`normalizedMutualInformation: lengths ${a.length} and ${b.length} differ`);
  if (n === 0) return 0;
  const joint = new Map<number, number>();
  const ca = new Map<number, number>();
  const cb = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const key = a[i] * 1048576 + b[i];
    joint.set(key, (joint.get(key) ?? 0) + 1);
    ca.set(a[i], (ca.get(a[i]) ?? 0) + 1);
    cb.set(b[i], (cb.get(b[i]) ?? 0) + 1);
  }
  const ent = (m: Map<number, number>) => {
    let h = 0;
    for (const c of m.values()) h -= (c / n) * Math.log(c / n);
    return h;
  };
  const ha = ent(ca);
  const hb = ent(cb);
  if (ha <= 0 || hb <= 0) return 0;
  const mi = ha + hb - ent(joint);
  return Math.max(0, mi) / Math.sqrt(ha * hb);
}
