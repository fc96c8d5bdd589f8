/**
 * HuBERT's label quality (label-quality.ts) beside its chance level. With thousands of codes over a few thousand
 * frames, PNMI and phone purity are large for labels that carry no phone information at all (independent
 * labels with a c1-small anchor histogram score PNMI ~ 0.26 on 22,933 dev frames), so a number means something
 * only next to what the same label histogram scores by chance. Two chance references:
 *  - shuffled: the same statistic for the labels permuted across frames (seeded Fisher-Yates, `repeats`
 *    permutations averaged, with their sample sd). Keeps both histograms, destroys the pairing.
 *  - analytic: E[I(phone; label)] / H(phone) under that same permutation model (Vinh et al. 2010; the
 *    expected MI of ami.ts), the expectation the shuffled PNMI estimates, without sampling noise.
 * `adjustedPnmi` = (I - E[I]) / (H(phone) - E[I]) rescales PNMI so chance is 0 and phone-determined labels 1.
 */
import { fail } from '../util/errors';
import { Rng } from '../util/rng';
import { expectedMutualInformation } from './ami';
import { contingency, labelQuality, LabelQuality } from './label-quality';

export interface MeanSd {
  mean: number;
  /** Sample standard deviation over the repeats (0 for one repeat). */
  sd: number;
}

export interface LabelChance {
  /** The statistics of the labels shuffled across frames. */
  pnmi: MeanSd;
  phonePurity: MeanSd;
  clusterPurity: MeanSd;
  /** E[I(phone; label)] / H(phone): the analytic chance PNMI (NaN for a single phone). */
  expectedPnmi: number;
  /** E[I(phone; label)] in nats. */
  expectedMutualInfo: number;
  repeats: number;
  seed: number;
}

export interface LabelQualityWithChance extends LabelQuality {
  chance: LabelChance;
  /** (I - E[I]) / (H(phone) - E[I]): 0 at chance, 1 when the labels determine the phone (NaN for one phone). */
  adjustedPnmi: number;
}

export interface ChanceOptions {
  /** Seed of the permutations (default 0). */
  seed?: number;
  /** Permutations averaged (default 5). */
  repeats?: number;
}

export function meanSd(xs: number[]): MeanSd {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd };
}

/** A seeded Fisher-Yates permutation of `x` (a copy). */
export function shuffled(x: ArrayLike<number>, rng: Rng): Int32Array {
  const y = Int32Array.from(x);
  for (let i = y.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = y[i];
    y[i] = y[j];
    y[j] = t;
  }
  return y;
}

/** Chance levels of `labels` against `phones`: shuffled statistics and the analytic expected PNMI. */
export function labelChance(phones: ArrayLike<number>, labels: ArrayLike<number>, opts: ChanceOptions = {}): LabelChance {
  const repeats = opts.repeats ?? 5;
  const seed = opts.seed ?? 0;
  if (!(Number.isInteger(repeats) && repeats >= 1)) fail(`labelChance: repeats ${repeats} must be a positive integer`);
  if (phones.length !== labels.length) fail(`labelChance: the streams have ${phones.length} and ${labels.length} frames`);
  if (phones.length === 0) fail('labelChance: no frames');
  const rng = new Rng(seed);
  const qs = Array.from({ length: repeats }, () => labelQuality(phones, shuffled(labels, rng)));
  const t = contingency(phones, labels, 'labelChance');
  const emi = expectedMutualInformation([...t.rowTotals.values()], [...t.colTotals.values()]);
  const hy = qs[0].phoneEntropy;
  return {
    pnmi: meanSd(qs.map((q) => q.pnmi)),
    phonePurity: meanSd(qs.map((q) => q.phonePurity)),
    clusterPurity: meanSd(qs.map((q) => q.clusterPurity)),
    expectedPnmi: hy > 0 ? emi / hy : NaN,
    expectedMutualInfo: emi,
    repeats,
    seed,
  };
}

/** labelQuality with its chance levels beside it (see the file comment). */
export function labelQualityWithChance(phones: ArrayLike<number>, labels: ArrayLike<number>, opts: ChanceOptions = {}): LabelQualityWithChance {
  const q = labelQuality(phones, labels);
  const chance = labelChance(phones, labels, opts);
  const e = chance.expectedMutualInfo;
  const den = q.phoneEntropy - e;
  return { ...q, chance, adjustedPnmi: q.phoneEntropy > 0 ? (den > 0 ? (q.mutualInfo - e) / den : 0) : NaN };
}
