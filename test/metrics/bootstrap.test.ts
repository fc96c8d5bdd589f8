/**
 * The paired utterance bootstrap: its point estimate is the sclite-exact corpus rate difference (error-rate.ts),
 * its spread matches the delta-method standard error of a difference of ratios (an independent, analytic
 * reference), its interval covers the truth at about its level on simulated test sets, and it refuses to pair
 * two different test sets.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorRateOf, meanOverSeeds, pairedBootstrap, quantile, utteranceErrors, UtteranceErrors } from '../../src/metrics/bootstrap';
import { phoneErrorRate, wordTokens } from '../../src/metrics/error-rate';
import { BirqError } from '../../src/util/errors';
import { Rng } from '../../src/util/rng';

/** A simulated test set: utterance lengths 5..40 tokens, per-token error probability pa (a) and pb (b), shared difficulty. */
function simulate(n: number, pa: number, pb: number, seed: number): [UtteranceErrors, UtteranceErrors] {
  const rng = new Rng(seed);
  const ids: string[] = [];
  const ref = new Float64Array(n);
  const ea = new Float64Array(n);
  const eb = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ids.push(`u${i}`);
    ref[i] = 5 + rng.int(36);
    const hard = 0.5 + rng.uniform(); // an utterance hard for one system is hard for the other
    for (let t = 0; t < ref[i]; t++) {
      if (rng.uniform() < Math.min(1, pa * hard)) ea[i]++;
      if (rng.uniform() < Math.min(1, pb * hard)) eb[i]++;
    }
  }
  return [{ ids, errors: ea, refTokens: ref }, { ids, errors: eb, refTokens: ref }];
}

/** Delta-method standard error of sum(d)/sum(r) under resampling of utterances. */
function deltaMethodSe(a: UtteranceErrors, b: UtteranceErrors): number {
  const n = a.ids.length;
  const R = a.refTokens.reduce((s, x) => s + x, 0);
  let D = 0;
  for (let i = 0; i < n; i++) D += b.errors[i] - a.errors[i];
  const delta = D / R;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (b.errors[i] - a.errors[i] - delta * a.refTokens[i]) ** 2;
  return Math.sqrt(ss / n) * Math.sqrt(n) / R;
}

describe('utteranceErrors', () => {
  it('sums to the sclite-exact corpus error rate', () => {
    const t = [
      { id: 'a', ref: 'dh ah k ae t', hyp: 'dh ah k ae t s' },
      { id: 'b', ref: 's ae t aa n', hyp: 's t aa m' },
      { id: 'c', ref: 'dh ah m ae t', hyp: '' },
    ];
    const u = utteranceErrors(t, wordTokens);
    assert.deepEqual([...u.errors], [1, 2, 5]);
    assert.deepEqual([...u.refTokens], [5, 5, 5]);
    const r = phoneErrorRate(t.map((x) => x.ref), t.map((x) => x.hyp));
    assert.equal(errorRateOf(u), r.rate);
  });

  it('names the source and the transcript that is malformed', () => {
    assert.throws(() => utteranceErrors([{ id: 'a', ref: 'x' } as never], wordTokens, 'runs/x/eval.json'), (e: unknown) => e instanceof BirqError && /runs\/x\/eval\.json: transcript 1 lacks/.test(e.message));
    assert.throws(() => utteranceErrors([], wordTokens, 'e.json'), /e\.json: no transcripts/);
  });
});

describe('meanOverSeeds', () => {
  it('averages per utterance and refuses seeds scored on other utterances', () => {
    const s1: UtteranceErrors = { ids: ['a', 'b'], errors: Float64Array.from([1, 4]), refTokens: Float64Array.from([5, 8]) };
    const s2: UtteranceErrors = { ids: ['a', 'b'], errors: Float64Array.from([3, 0]), refTokens: Float64Array.from([5, 8]) };
    assert.deepEqual([...meanOverSeeds([s1, s2]).errors], [2, 2]);
    const other: UtteranceErrors = { ids: ['a', 'c'], errors: Float64Array.from([0, 0]), refTokens: Float64Array.from([5, 8]) };
    assert.throws(() => meanOverSeeds([s1, other], ['seed 1', 'seed 2']), /seed 2: utterance 2 is c, seed 1 has b there/);
  });
});

describe('pairedBootstrap', () => {
  it('is exactly zero for identical systems', () => {
    const [a] = simulate(50, 0.3, 0.3, 1);
    const r = pairedBootstrap(a, a, { replicates: 200 });
    assert.deepEqual([r.delta, r.lo, r.hi, r.se, r.pBetter], [0, 0, 0, 0, 0.5]);
  });

  it('matches the delta-method standard error and centres on the corpus difference', () => {
    const [a, b] = simulate(400, 0.3, 0.27, 7);
    const r = pairedBootstrap(a, b, { replicates: 20000, seed: 3 });
    assert.ok(Math.abs(r.delta - (errorRateOf(b) - errorRateOf(a))) < 1e-15);
    const se = deltaMethodSe(a, b);
    assert.ok(Math.abs(r.se / se - 1) < 0.04, `bootstrap se ${r.se} vs delta-method ${se}`);
    // For a near-normal statistic the 95 % percentile interval is delta ± 1.96 se.
    assert.ok(Math.abs((r.hi - r.lo) / (2 * 1.96 * se) - 1) < 0.06, `width ${r.hi - r.lo}`);
    assert.ok(r.lo < r.delta && r.delta < r.hi);
    assert.equal(r.utterances, 400);
  });

  it('covers the true difference at about its level over simulated test sets', () => {
    // True per-token rates differ by 0.03 times the mean difficulty (1.0): the population delta is -0.03.
    let covered = 0;
    const trials = 120;
    for (let k = 0; k < trials; k++) {
      const [a, b] = simulate(150, 0.3, 0.27, 100 + k);
      const r = pairedBootstrap(a, b, { replicates: 400, seed: k });
      if (r.lo <= -0.03 && -0.03 <= r.hi) covered++;
    }
    // Binomial(120, 0.95) lies in [106, 120] with probability > 0.999.
    assert.ok(covered >= 106, `covered ${covered} of ${trials}`);
  });

  it('calls a clear improvement certain and is deterministic in its seed', () => {
    const [a, b] = simulate(300, 0.4, 0.2, 11);
    const r = pairedBootstrap(a, b, { replicates: 500, seed: 5 });
    assert.equal(r.pBetter, 1);
    assert.ok(r.hi < 0);
    assert.deepEqual(pairedBootstrap(a, b, { replicates: 500, seed: 5 }), r);
    assert.notEqual(pairedBootstrap(a, b, { replicates: 500, seed: 6 }).lo, r.lo);
  });

  it('refuses test sets that differ and options out of range', () => {
    const [a, b] = simulate(20, 0.3, 0.3, 2);
    const short: UtteranceErrors = { ids: a.ids.slice(1), errors: a.errors.slice(1), refTokens: a.refTokens.slice(1) };
    assert.throws(() => pairedBootstrap(a, short), /system b scores 19 utterances, system a 20/);
    const refs = Float64Array.from(b.refTokens);
    refs[3]++;
    assert.throws(() => pairedBootstrap(a, { ...b, refTokens: refs }), /utterance u3 has .* reference tokens/);
    assert.throws(() => pairedBootstrap(a, b, { replicates: 0 }), /replicates must be an integer >= 1/);
    assert.throws(() => pairedBootstrap(a, b, { level: 1 }), /level must lie in \(0, 1\)/);
  });
});

describe('quantile', () => {
  it('interpolates like numpy.quantile', () => {
    const x = Float64Array.from([1, 2, 4, 8]);
    // numpy.quantile([1, 2, 4, 8], [0, 0.25, 0.5, 0.9, 1]) = [1, 1.75, 3, 6.8, 8]
    assert.deepEqual([0, 0.25, 0.5, 0.9, 1].map((q) => +quantile(x, q).toFixed(12)), [1, 1.75, 3, 6.8, 8]);
  });
});
