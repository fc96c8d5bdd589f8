/**
 * How well a frame-level label stream (quantizer codes, k-means clusters) tells phones apart: HuBERT's label
 * quality measures (Hsu et al. 2021, §IV-E; fairseq examples/hubert/measure_teacher_quality.py), computed from
 * the joint distribution p(y, z) of phone y and label z over aligned frames:
 *  - phone purity   = sum_z max_y p(y, z)  = E_z[max_y p(y | z)]   (how pure in phones each label is)
 *  - cluster purity = sum_y max_z p(y, z)  = E_y[max_z p(z | y)]   (how concentrated each phone's labels are)
 *  - PNMI           = I(y; z) / H(y)                                (phone uncertainty removed by the label)
 * Natural logs; 0 log 0 = 0 (fairseq adds 1e-8 inside its logs, which moves results by < 1e-6). PNMI is NaN
 * when H(y) = 0 (a single phone): the ratio is undefined there.
 */
import { fail } from '../util/errors';

export interface LabelQuality {
  phonePurity: number;
  clusterPurity: number;
  pnmi: number;
  /** I(phone; label) and H(phone), H(label) in nats, for plots that want the parts. */
  mutualInfo: number;
  phoneEntropy: number;
  labelEntropy: number;
  frames: number;
}

/** Sparse joint counts of two aligned streams: rows a, columns b. */
export interface Contingency {
  total: number;
  /** counts.get(a).get(b) = frames with first stream a and second stream b. */
  counts: Map<number, Map<number, number>>;
  rowTotals: Map<number, number>;
  colTotals: Map<number, number>;
}

export function contingency(a: ArrayLike<number>, b: ArrayLike<number>, fn = 'contingency'): Contingency {
  if (a.length !== b.length) fail(`${fn}: the streams have ${a.length} and ${b.length} frames`);
  const counts = new Map<number, Map<number, number>>();
  const rowTotals = new Map<number, number>();
  const colTotals = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    let row = counts.get(a[i]);
    if (!row) counts.set(a[i], (row = new Map()));
    row.set(b[i], (row.get(b[i]) ?? 0) + 1);
    rowTotals.set(a[i], (rowTotals.get(a[i]) ?? 0) + 1);
    colTotals.set(b[i], (colTotals.get(b[i]) ?? 0) + 1);
  }
  return { total: a.length, counts, rowTotals, colTotals };
}

/** Entropy in nats of a histogram given as counts. */
export function entropyOfCounts(counts: Iterable<number>, total: number): number {
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / total) * Math.log(c / total);
  return h;
}

/** I(a; b) in nats from a contingency table. */
export function mutualInformation(t: Contingency): number {
  let mi = 0;
  for (const [a, row] of t.counts) {
    const pa = t.rowTotals.get(a)! / t.total;
    for (const [b, c] of row) {
      const p = c / t.total;
      mi += p * Math.log(p / (pa * (t.colTotals.get(b)! / t.total)));
    }
  }
  return Math.max(0, mi); // rounding can leave -1e-17 for independent streams
}

/**
 * HuBERT's label quality of `labels` against frame-level `phones` (same length, same frame rate: bring the
 * phone alignment to the label frame rate first, e.g. with `framesToRate`).
 */
export function labelQuality(phones: ArrayLike<number>, labels: ArrayLike<number>): LabelQuality {
  if (phones.length === 0) fail('labelQuality: no frames');
  const t = contingency(phones, labels, 'labelQuality');
  const colMax = new Map<number, number>();
  let clusterMass = 0;
  for (const row of t.counts.values()) {
    let m = 0;
    for (const [z, c] of row) {
      m = Math.max(m, c);
      colMax.set(z, Math.max(colMax.get(z) ?? 0, c));
    }
    clusterMass += m;
  }
  let phoneMass = 0;
  for (const m of colMax.values()) phoneMass += m;
  const mi = mutualInformation(t);
  const hy = entropyOfCounts(t.rowTotals.values(), t.total);
  return {
    phonePurity: phoneMass / t.total,
    clusterPurity: clusterMass / t.total,
    pnmi: hy > 0 ? mi / hy : NaN,
    mutualInfo: mi,
    phoneEntropy: hy,
    labelEntropy: entropyOfCounts(t.colTotals.values(), t.total),
    frames: t.total,
  };
}
