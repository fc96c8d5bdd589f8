/**
 * Can the test set resolve a difference in error rate between two systems? The paired bootstrap over utterances
 * (Bisani & Ney 2004, "Bootstrap estimates for confidence intervals in ASR performance evaluation"): both systems
 * are scored on the same resampled sets of utterances, so what they share (an utterance hard for both) cancels,
 * and the spread of the difference over replicates is the test set's sampling uncertainty.
 *
 * Seeds are averaged per utterance before resampling, so the interval is that of the seed-mean difference the
 * tables report. It does not hold the training noise between seeds; reports show the seed spread beside it.
 *
 * An error rate is a ratio, errors / reference tokens, summed over the utterances drawn (as sclite scores a set),
 * never a mean of per-utterance rates.
 */
import { fail } from '../util/errors';
import { Rng } from '../util/rng';
import { errorCounts } from './edit-distance';
import { Tokenizer } from './error-rate';

/** Per-utterance errors (S + D + I) and reference tokens of one system on one test set, in utterance order. */
export interface UtteranceErrors {
  ids: string[];
  errors: Float64Array;
  refTokens: Float64Array;
}

export interface BootstrapDelta {
  /** rate(b) - rate(a) on the whole test set: negative when b makes fewer errors. */
  delta: number;
  /** Percentile interval of the difference over replicates, at `level`. */
  lo: number;
  hi: number;
  level: number;
  /** Standard deviation of the difference over replicates. */
  se: number;
  /** Share of replicates in which b has the lower error rate (ties count half): Bisani & Ney's "probability of improvement". */
  pBetter: number;
  replicates: number;
  utterances: number;
}

export interface BootstrapOptions {
  replicates?: number;
  seed?: number;
  level?: number;
  /** What a and b are, for errors (default 'system a', 'system b'). */
  names?: [string, string];
}

/** Errors per utterance of decoded transcripts; `where` names the source in errors. */
export function utteranceErrors(transcripts: readonly { id: string; ref: string; hyp: string }[], tokens: Tokenizer, where = 'transcripts'): UtteranceErrors {
  if (!transcripts.length) fail(`${where}: no transcripts to score`);
  const n = transcripts.length;
  const out: UtteranceErrors = { ids: [], errors: new Float64Array(n), refTokens: new Float64Array(n) };
  transcripts.forEach((t, i) => {
    if (typeof t?.id !== 'string' || typeof t.ref !== 'string' || typeof t.hyp !== 'string') fail(`${where}: transcript ${i + 1} lacks a string id, ref or hyp`);
    const ref = tokens(t.ref);
    const c = errorCounts(ref, tokens(t.hyp));
    out.ids.push(t.id);
    out.errors[i] = c.substitutions + c.deletions + c.insertions;
    out.refTokens[i] = ref.length;
  });
  return out;
}

/** The per-utterance mean over seeds of one system (every seed scored on the same utterances). */
export function meanOverSeeds(seeds: readonly UtteranceErrors[], names: readonly string[] = seeds.map((_, i) => `seed ${i + 1}`)): UtteranceErrors {
  if (!seeds.length) fail('meanOverSeeds: no seeds');
  const first = seeds[0];
  const errors = new Float64Array(first.ids.length);
  seeds.forEach((s, k) => {
    sameUtterances(first, s, names[0], names[k]);
    for (let i = 0; i < errors.length; i++) errors[i] += s.errors[i] / seeds.length;
  });
  return { ids: first.ids, errors, refTokens: first.refTokens };
}

export function errorRateOf(u: UtteranceErrors): number {
  return sum(u.errors) / sum(u.refTokens);
}

/** The paired bootstrap of rate(b) - rate(a) over `replicates` resamplings of the utterances (default 2,000). */
export function pairedBootstrap(a: UtteranceErrors, b: UtteranceErrors, opts: BootstrapOptions = {}): BootstrapDelta {
  const replicates = opts.replicates ?? 2000;
  const level = opts.level ?? 0.95;
  if (!(Number.isInteger(replicates) && replicates >= 1)) fail(`pairedBootstrap: replicates must be an integer >= 1, got ${replicates}`);
  if (!(level > 0 && level < 1)) fail(`pairedBootstrap: level must lie in (0, 1), got ${level}`);
  sameUtterances(a, b, ...(opts.names ?? ['system a', 'system b']));
  const n = a.ids.length;
  // d_i = b's errors minus a's on utterance i: the difference of the two ratios is sum(d) / sum(ref).
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = b.errors[i] - a.errors[i];
  const rng = new Rng(opts.seed ?? 0);
  const deltas = new Float64Array(replicates);
  let better = 0;
  for (let r = 0; r < replicates; r++) {
    let dd = 0;
    let rr = 0;
    for (let k = 0; k < n; k++) {
      const i = rng.int(n);
      dd += d[i];
      rr += a.refTokens[i];
    }
    deltas[r] = dd / rr;
    better += dd < 0 ? 1 : dd === 0 ? 0.5 : 0;
  }
  const mean = deltas.reduce((s, x) => s + x, 0) / replicates;
  const se = replicates > 1 ? Math.sqrt(deltas.reduce((s, x) => s + (x - mean) ** 2, 0) / (replicates - 1)) : 0;
  deltas.sort();
  return {
    delta: sum(d) / sum(a.refTokens), lo: quantile(deltas, (1 - level) / 2), hi: quantile(deltas, (1 + level) / 2), level, se,
    pBetter: better / replicates, replicates, utterances: n,
  };
}

function sameUtterances(a: UtteranceErrors, b: UtteranceErrors, na: string, nb: string): void {
  if (a.ids.length !== b.ids.length) fail(`${nb} scores ${b.ids.length} utterances, ${na} ${a.ids.length}: a paired comparison needs the same test set`);
  for (let i = 0; i < a.ids.length; i++) {
    if (a.ids[i] !== b.ids[i]) fail(`${nb}: utterance ${i + 1} is ${b.ids[i]}, ${na} has ${a.ids[i]} there: a paired comparison needs the same test set in the same order`);
    if (a.refTokens[i] !== b.refTokens[i]) fail(`${nb}: utterance ${b.ids[i]} has ${b.refTokens[i]} reference tokens, ${na} ${a.refTokens[i]}: the references differ`);
  }
}

/** Linear interpolation between order statistics (numpy's default, R's type 7) of sorted `x`. */
export function quantile(x: Float64Array, q: number): number {
  const h = (x.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, x.length - 1);
  return x[lo] + (h - lo) * (x[hi] - x[lo]);
}

function sum(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s;
}
