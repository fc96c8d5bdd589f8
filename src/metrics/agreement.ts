/**
 * Comparing two frame-level label streams over the same frames (anchor vs enhanced labels, or one stream at two
 * checkpoints): normalized mutual information, a co-occurrence table for heatmaps, and label churn.
 * NMI = I(a; b) / sqrt(H(a) H(b)) (geometric-mean normalization, the same definition as
 * quantizers/usage.ts's normalizedMutualInformation; 0 when either stream is constant).
 */
import { fail } from '../util/errors';
import { contingency, entropyOfCounts, mutualInformation } from './label-quality';

export interface StreamAgreement {
  nmi: number;
  mutualInfo: number;
  entropyA: number;
  entropyB: number;
  /** exp(H): the effective number of labels each stream uses. */
  perplexityA: number;
  perplexityB: number;
  frames: number;
}

export function streamAgreement(a: ArrayLike<number>, b: ArrayLike<number>): StreamAgreement {
  if (a.length === 0) fail('streamAgreement: no frames');
  const t = contingency(a, b, 'streamAgreement');
  const ha = entropyOfCounts(t.rowTotals.values(), t.total);
  const hb = entropyOfCounts(t.colTotals.values(), t.total);
  const mi = mutualInformation(t);
  return {
    nmi: ha > 0 && hb > 0 ? Math.min(1, mi / Math.sqrt(ha * hb)) : 0,
    mutualInfo: mi,
    entropyA: ha,
    entropyB: hb,
    perplexityA: Math.exp(ha),
    perplexityB: Math.exp(hb),
    frames: t.total,
  };
}

export interface Cooccurrence {
  /** Label ids of stream a (rows) and b (columns), most frequent first. */
  rows: number[];
  cols: number[];
  /** counts[i][j] = frames with a = rows[i] and b = cols[j]. */
  counts: number[][];
  /** Frames outside the shown rows or columns (the heatmap's missing mass). */
  otherFrames: number;
  frames: number;
}

/**
 * Co-occurrence counts of the `top` most frequent labels of each stream (default 64: an 8192-code table
 * would be 67 M cells). Rows can be reordered for display with `orderRowsByArgmax`.
 */
export function cooccurrence(a: ArrayLike<number>, b: ArrayLike<number>, top = 64): Cooccurrence {
  const t = contingency(a, b, 'cooccurrence');
  const pick = (m: Map<number, number>) => [...m.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, top).map((e) => e[0]);
  const rows = pick(t.rowTotals);
  const cols = pick(t.colTotals);
  let shown = 0;
  const counts = rows.map((r) => cols.map((c) => {
    const n = t.counts.get(r)?.get(c) ?? 0;
    shown += n;
    return n;
  }));
  return { rows, cols, counts, otherFrames: t.total - shown, frames: t.total };
}

/** Rows sorted by the column of their largest count, so a good mapping shows as a diagonal. */
export function orderRowsByArgmax(c: Cooccurrence): Cooccurrence {
  const arg = c.counts.map((row) => row.reduce((best, v, j) => (v > row[best] ? j : best), 0));
  const order = c.rows.map((_, i) => i).sort((x, y) => arg[x] - arg[y] || x - y);
  return { ...c, rows: order.map((i) => c.rows[i]), counts: order.map((i) => c.counts[i]) };
}

export interface LabelChurn {
  /** Fraction of frames whose label differs between the two snapshots. */
  changed: number;
  /** NMI between the snapshots: 1 when they agree up to a renaming of labels. */
  nmi: number;
  frames: number;
}

/** How much a label stream moved between two checkpoints (same frames, same order). */
export function labelChurn(before: ArrayLike<number>, after: ArrayLike<number>): LabelChurn {
  if (before.length !== after.length) fail(`labelChurn: the snapshots have ${before.length} and ${after.length} frames`);
  if (before.length === 0) fail('labelChurn: no frames');
  let changed = 0;
  for (let i = 0; i < before.length; i++) if (before[i] !== after[i]) changed++;
  return { changed: changed / before.length, nmi: streamAgreement(before, after).nmi, frames: before.length };
}
