/**
 * Codebook usage statistics (plain JS over label arrays): how many codes are used, the perplexity exp(H) of the
 * empirical code distribution (V for uniform use, 1 for collapse), the histogram; and the normalized mutual
 * information between two label streams (anchor vs enhanced agreement), NMI = I(a; b) / sqrt(H(a) H(b)).
 */
import { streamAgreement } from '../metrics/agreement';

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

/**
 * NMI of two equal-length label arrays, I(a; b) / sqrt(H(a) H(b)): metrics/agreement.ts's `streamAgreement`,
 * the project's one NMI; 0 when either stream is constant or empty.
 */
export function normalizedMutualInformation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`normalizedMutualInformation: lengths ${a.length} and ${b.length} differ`);
  return a.length === 0 ? 0 : streamAgreement(a, b).nmi;
}
