/**
 * The report's paired comparisons: every arm against the suite's first arm on each scored test split, with the
 * two sources of uncertainty a difference has at this scale, side by side:
 *  - training noise: the standard error of the difference of seed means (from the seeds' spread);
 *  - test-set sampling: a paired bootstrap over the split's utterances (metrics/bootstrap.ts), read from the
 *    transcripts each evaluation stage wrote (its eval.json), so no rerun is needed.
 * A difference is called resolved when it exceeds twice both combined, sqrt(se_seeds^2 + se_test^2); with one seed on
 * either side the training noise is unknown and nothing is called resolved.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BootstrapDelta, meanOverSeeds, pairedBootstrap, utteranceErrors, UtteranceErrors } from '../metrics/bootstrap';
import { charTokens, wordTokens } from '../metrics/error-rate';
import { fail } from '../util/errors';
import { readJson } from '../util/fs';
import { Figure, PALETTE } from '../viz/figure';
import { differenceSe, pct, ResultRow, summarizeMetric } from './store';

export interface PairedComparison {
  stage: string;
  /** `per` (phones) or `wer` (characters + LM, scored in words). */
  unit: 'per' | 'wer';
  base: string;
  arm: string;
  seeds: { base: number; arm: number };
  /** Standard error of the difference of seed means (NaN with one seed on either side). */
  seedSe: number;
  test: BootstrapDelta;
  /** sqrt(seedSe^2 + test.se^2), the seeds' part taken as 0 with one seed. */
  combinedSe: number;
  resolved: boolean;
}

/** Evaluation stages with transcripts: phone `eval-<budget>-<split>` (per.rate) and character `…-chars-…` (wer.rate). */
export function pairedComparisons(rows: ResultRow[], arms: string[], opts: { replicates?: number } = {}): { comparisons: PairedComparison[]; missing: string[] } {
  const missing: string[] = [];
  const comparisons: PairedComparison[] = [];
  const evalStages = [...new Set(rows.filter((r) => r.stage.startsWith('eval-') && (r.metric === 'per.rate' || r.metric === 'wer.rate')).map((r) => r.stage))];
  for (const stage of evalStages) {
    const unit = rows.some((r) => r.stage === stage && r.metric === 'wer.rate') ? 'wer' : 'per';
    const metric = `${unit}.rate`;
    const errs = new Map<string, UtteranceErrors>();
    for (const arm of arms) {
      const e = armErrors(rows, arm, stage, metric, missing);
      if (e) errs.set(arm, e);
    }
    // The base is the first arm scored on this stage (a suite's first arm may be a pretraining-only pilot).
    const base = arms.find((x) => errs.has(x));
    if (!base) continue;
    const a = errs.get(base)!;
    const sums = new Map(summarizeMetric(rows, stage, metric).map((s) => [s.arm, s]));
    for (const arm of arms.slice(arms.indexOf(base) + 1)) {
      const b = errs.get(arm);
      if (!b) continue;
      const sa = sums.get(base)!;
      const sb = sums.get(arm)!;
      const seedSe = differenceSe(sa, sb);
      const test = pairedBootstrap(a, b, { replicates: opts.replicates ?? 2000, seed: 0, names: [`${base}/${stage}`, `${arm}/${stage}`] });
      const combinedSe = Math.sqrt((Number.isFinite(seedSe) ? seedSe : 0) ** 2 + test.se ** 2);
      comparisons.push({ stage, unit, base, arm, seeds: { base: sa.n, arm: sb.n }, seedSe, test, combinedSe, resolved: Number.isFinite(seedSe) && Math.abs(test.delta) > 2 * combinedSe });
    }
  }
  return { comparisons, missing };
}

/** One arm's per-utterance errors on a stage, averaged over its seeds; null (and noted) when a transcript file is gone. */
function armErrors(rows: ResultRow[], arm: string, stage: string, metric: string, missing: string[]): UtteranceErrors | null {
  const runs = rows.filter((r) => r.arm === arm && r.stage === stage && r.metric === metric).sort((x, y) => x.seed - y.seed);
  if (!runs.length) return null;
  const seeds: UtteranceErrors[] = [];
  for (const r of runs) {
    const file = path.join(r.runDir, 'eval.json');
    if (!fs.existsSync(file)) {
      missing.push(`${arm}/seed-${r.seed}/${stage}`);
      return null;
    }
    seeds.push(readEvalErrors(file, metric === 'wer.rate' ? 'wer' : 'per'));
  }
  return meanOverSeeds(seeds, runs.map((r) => `${arm}/seed-${r.seed}/${stage}`));
}

/** Per-utterance errors of the transcripts a `birq eval` wrote (eval.json): phones or words, or characters (`cer`). */
export function readEvalErrors(file: string, unit: 'per' | 'wer' | 'cer'): UtteranceErrors {
  const ev = readJson<{ transcripts?: unknown }>(file, 'evaluation result');
  if (!Array.isArray(ev.transcripts)) fail('holds no transcripts: give the eval.json that `birq eval` wrote', file);
  return utteranceErrors(ev.transcripts as { id: string; ref: string; hyp: string }[], unit === 'cer' ? charTokens : wordTokens, file);
}

/** The comparisons as a markdown table (points = percentage points; negative: the arm makes fewer errors). */
export function pairedTable(c: PairedComparison[]): string {
  const signed = (x: number) => `${x > 0 ? '+' : ''}${pct(x)}`;
  const lines = ['| arm − base | stage | unit | difference (points) | ± seed SE (seeds) | test-set 95 % interval (utterances) | P(arm better) | resolved |', '|---|---|---|---|---|---|---|---|'];
  for (const x of c) {
    lines.push(`| ${x.arm} − ${x.base} | ${x.stage} | ${x.unit.toUpperCase()} | ${signed(x.test.delta)} | ${Number.isFinite(x.seedSe) ? `± ${pct(x.seedSe)}` : '–'} (${x.seeds.arm} vs ${x.seeds.base}) | [${signed(x.test.lo)}, ${signed(x.test.hi)}] (${x.test.utterances}) | ${x.test.pBetter.toFixed(2)} | ${Number.isFinite(x.seedSe) ? (x.resolved ? 'yes' : 'no') : 'n/a (1 seed)'} |`);
  }
  return lines.join('\n');
}

/** Short name of an evaluation stage for an axis: `eval-train-1h-chars-test-other` → `1h chars→other`. */
export function stageLabel(stage: string): string {
  return stage.replace(/^eval-/, '').replace(/^train-/, '').replace(/-chars-/, ' chars-').replace(/-test-/, '→').replace(/-(dev|test)$/, '→$1');
}

/**
 * The differences as grouped bars (one group per evaluation stage, one bar per arm), each with the whisker a
 * difference must clear to be called resolved: ±2 sqrt(se_seeds^2 + se_test^2) (the test set's alone with one seed).
 */
export function pairedFigure(c: PairedComparison[]): Figure {
  const arms = [...new Set(c.map((x) => x.arm))];
  const stages = [...new Set(c.map((x) => x.stage))];
  const base = [...new Set(c.map((x) => x.base))].join(' / ');
  return {
    data: arms.map((arm, k) => {
      const at = stages.map((st) => c.find((x) => x.arm === arm && x.stage === st));
      return {
        type: 'bar' as const, name: `${arm} − ${base}`, x: stages.map(stageLabel), y: at.map((x) => (x ? 100 * x.test.delta : NaN)),
        error_y: { type: 'data', array: at.map((x) => (x ? 200 * x.combinedSe : 0)) }, marker: { color: PALETTE[(k + 1) % PALETTE.length] },
      };
    }),
    layout: { title: `difference from ${base} (points; negative = fewer errors)`, yaxis: { title: 'Δ PER / WER (points)' }, barmode: 'group' },
  };
}
