/**
 * Adjusted mutual information (Vinh, Epps & Bailey 2010, "Information theoretic measures for clusterings
 * comparison", JMLR 11), arithmetic normalization:
 *     AMI(a, b) = (I(a; b) - E[I]) / ((H(a) + H(b)) / 2 - E[I])
 * where E[I] is the expectation of I over all labelings with the same label counts (the permutation model:
 * shuffling one stream across frames). Unlike NMI it is ~0 for independent streams whatever the number of
 * labels per frame: two independent labelings of 2,000 frames over 8192 codes have NMI ~ 0.98 and AMI ~ 0.
 *
 * This is scikit-learn's `adjusted_mutual_info_score(a, b)` with its default average_method='arithmetic'
 * (sklearn/metrics/cluster/_supervised.py, _expected_mutual_info_fast.pyx), formula for formula, edge cases
 * included (checked against Debian's python3-sklearn: test/fixtures/make_ami_golden.py):
 *  - both streams constant, or both empty: 1 (sklearn calls it a perfect match);
 *  - one stream constant: I = E[I] = 0, so AMI = 0;
 *  - the denominator is kept at least machine epsilon away from 0 with its sign, so identical streams where
 *    every frame has its own label (I = E[I] = H) give a rounding-noise value, as in sklearn.
 * Natural logs throughout.
 *
 * Speed. sklearn sums the hypergeometric expectation over every (row, column) pair of the contingency table:
 * 8192 x 8192 pairs for two 8192-code streams. The summand depends on a pair only through its two marginal
 * counts, so we sum once per pair of *distinct* marginal values, weighted by how many rows and columns have
 * them. Distinct counts of N frames number at most sqrt(2N), and with many codes they are few (Poisson-like
 * small counts), so 25,000 frames x 8192 codes takes milliseconds instead of ~10^8 terms.
 */
import { fail } from '../util/errors';

export interface AmiParts {
  /** Adjusted mutual information, arithmetic normalization. */
  ami: number;
  /** I(a; b) in nats, as sklearn's mutual_info_score. */
  mutualInfo: number;
  /** E[I(a; b)] under the permutation model, in nats. */
  expectedMutualInfo: number;
  entropyA: number;
  entropyB: number;
  /** Distinct labels in each stream. */
  labelsA: number;
  labelsB: number;
  frames: number;
}

/** Dense ids 0..K-1 in order of first appearance, and the count of each. */
function denseIds(x: ArrayLike<number>): { ids: Int32Array; counts: number[] } {
  const index = new Map<number, number>();
  const counts: number[] = [];
  const ids = new Int32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let k = index.get(x[i]);
    if (k === undefined) {
      index.set(x[i], (k = counts.length));
      counts.push(0);
    }
    counts[k]++;
    ids[i] = k;
  }
  return { ids, counts };
}

/** sklearn's `entropy`: -sum p (log n_i - log N), 0 for a single label. */
function entropyOf(counts: number[], n: number): number {
  if (counts.length <= 1) return 0;
  const logN = Math.log(n);
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / n) * (Math.log(c) - logN);
  return h;
}

/**
 * ln Γ(x) for x > 0. Integers up to 19: the log of the exact factorial (18! < 2^53), so ln Γ(1) = ln Γ(2) = 0
 * exactly. Otherwise Stirling's series with five correction terms for x ≥ 15 (truncation error < 1e-17
 * relative there), shifted up by the recurrence Γ(x + 1) = x Γ(x) below that. Accurate to a few ulp: the EMI
 * sums exp of differences of these, so their absolute error (~1e-16 · ln Γ) is what reaches the result.
 */
export function logGamma(x: number): number {
  if (!(x > 0)) fail(`logGamma: ${x} is not positive`);
  if (x <= 19 && Number.isInteger(x)) {
    let f = 1;
    for (let k = 2; k < x; k++) f *= k;
    return Math.log(f);
  }
  let shift = 0;
  let prod = 1;
  while (x < 15) {
    prod *= x;
    x += 1;
    shift++;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 * (1 / 1188)))));
  const lg = (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series;
  return shift ? lg - Math.log(prod) : lg;
}

/** ln k! = ln Γ(k + 1) for k = 0..n, each evaluated directly (a running sum of logs would accumulate rounding). */
function logFactorials(n: number): Float64Array {
  const lf = new Float64Array(n + 1);
  for (let k = 1; k <= n; k++) lf[k] = logGamma(k + 1);
  return lf;
}

/** value -> how many marginals have it. */
function histogram(counts: ArrayLike<number>): Array<[number, number]> {
  const h = new Map<number, number>();
  for (let i = 0; i < counts.length; i++) if (counts[i] > 0) h.set(counts[i], (h.get(counts[i]) ?? 0) + 1);
  return [...h.entries()].sort((x, y) => x[0] - y[0]);
}

/**
 * E[I(a; b)] in nats for streams with label counts `rowTotals` and `colTotals` (each summing to the number
 * of frames), under the permutation model: n_ij is hypergeometric(N, a_i, b_j) and
 *   E[I] = sum_ij sum_{n = max(1, a_i + b_j - N)}^{min(a_i, b_j)} n/N · ln(N n / (a_i b_j)) · P(n_ij = n),
 *   P(n) = a! b! (N-a)! (N-b)! / (N! n! (a-n)! (b-n)! (N-a-b+n)!)  (evaluated in log space, as sklearn).
 * 0 when either stream has a single label (sklearn's shortcut).
 */
export function expectedMutualInformation(rowTotals: ArrayLike<number>, colTotals: ArrayLike<number>): number {
  const rows = histogram(rowTotals);
  const cols = histogram(colTotals);
  const n = rows.reduce((s, [v, c]) => s + v * c, 0);
  const nCols = cols.reduce((s, [v, c]) => s + v * c, 0);
  if (n !== nCols) fail(`expectedMutualInformation: the row totals sum to ${n}, the column totals to ${nCols}`);
  let nRowLabels = 0;
  let nColLabels = 0;
  for (const [, c] of rows) nRowLabels += c;
  for (const [, c] of cols) nColLabels += c;
  if (nRowLabels <= 1 || nColLabels <= 1) return 0;
  const lf = logFactorials(n);
  const logN = Math.log(n);
  let emi = 0;
  for (const [a, ca] of rows) {
    const logA = Math.log(a);
    for (const [b, cb] of cols) {
      const logB = Math.log(b);
      // The terms of n_ij that do not depend on n: ln(a! b! (N-a)! (N-b)! / N!).
      const fixed = lf[a] + lf[b] + lf[n - a] + lf[n - b] - lf[n];
      let s = 0;
      const end = Math.min(a, b);
      for (let k = Math.max(1, a + b - n); k <= end; k++) {
        const gln = fixed - lf[k] - lf[a - k] - lf[b - k] - lf[n - a - b + k];
        s += (k / n) * (logN + Math.log(k) - logA - logB) * Math.exp(gln);
      }
      emi += ca * cb * s;
    }
  }
  return emi;
}

/** AMI with its parts (I, E[I], both entropies): scikit-learn's adjusted_mutual_info_score, arithmetic. */
export function adjustedMutualInformationParts(a: ArrayLike<number>, b: ArrayLike<number>): AmiParts {
  if (a.length !== b.length) fail(`adjustedMutualInformation: the streams have ${a.length} and ${b.length} frames`);
  const n = a.length;
  const A = denseIds(a);
  const B = denseIds(b);
  const base = { frames: n, labelsA: A.counts.length, labelsB: B.counts.length };
  // sklearn: both streams without any split of the data (one label each, or no frames) are a perfect match.
  if ((A.counts.length === 1 && B.counts.length === 1) || n === 0) {
    return { ami: 1, mutualInfo: 0, expectedMutualInfo: 0, entropyA: 0, entropyB: 0, ...base };
  }
  const entropyA = entropyOf(A.counts, n);
  const entropyB = entropyOf(B.counts, n);
  // Nonzero cells of the contingency table, keyed ia · |B| + ib (< 2^53 for any realistic label counts).
  let mi = 0;
  if (A.counts.length > 1 && B.counts.length > 1) {
    const cells = new Map<number, number>();
    const nb = B.counts.length;
    for (let i = 0; i < n; i++) {
      const key = A.ids[i] * nb + B.ids[i];
      cells.set(key, (cells.get(key) ?? 0) + 1);
    }
    const logN = Math.log(n);
    for (const [key, c] of cells) {
      const ia = Math.floor(key / nb);
      const ib = key - ia * nb;
      const p = c / n;
      // sklearn's per-cell term, with its flush of |term| < eps to 0.
      const term = p * (Math.log(c) - logN) + p * (-Math.log(A.counts[ia] * B.counts[ib]) + logN + logN);
      if (Math.abs(term) >= Number.EPSILON) mi += term;
    }
    mi = Math.max(0, mi);
  }
  const emi = expectedMutualInformation(A.counts, B.counts);
  const normalizer = (entropyA + entropyB) / 2;
  let denominator = normalizer - emi;
  // sklearn: E[I] can exceed the normalizer by rounding; keep the sign and stay eps away from 0.
  denominator = denominator < 0 ? Math.min(denominator, -Number.EPSILON) : Math.max(denominator, Number.EPSILON);
  return { ami: (mi - emi) / denominator, mutualInfo: mi, expectedMutualInfo: emi, entropyA, entropyB, ...base };
}

/** scikit-learn's adjusted_mutual_info_score(a, b) (arithmetic normalization): ~0 for independent streams, 1 for equal ones. */
export function adjustedMutualInformation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return adjustedMutualInformationParts(a, b).ami;
}
