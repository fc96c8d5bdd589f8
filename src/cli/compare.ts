/**
 * `birq compare --a EVAL[,EVAL...] --b EVAL[,EVAL...] [--unit per|wer|cer] [--replicates N] [--seed S] [--json]`
 * Is system b better than system a on this test set, beyond what the test set and the seeds can resolve? Each side
 * is one or more eval.json files of `birq eval` (one per seed, the same split). Prints the seed-mean error rates,
 * their difference, the seeds' standard error of it, and a paired bootstrap over the utterances (its interval and
 * the probability that b is better), as the suite reports do (src/experiments/paired.ts).
 */
import { errorRateOf, meanOverSeeds, pairedBootstrap } from '../metrics/bootstrap';
import { meanSd } from '../metrics/label-chance';
import { readEvalErrors } from '../experiments/paired';
import { differenceSe } from '../experiments/store';
import { fail } from '../util/errors';
import { readJson } from '../util/fs';
import { parseFlags } from './args';

export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('compare', args, {
    a: { type: 'string', help: 'system a: eval.json file(s) of `birq eval`, comma-separated, one per seed' },
    b: { type: 'string', help: 'system b: the same, on the same split' },
    unit: { type: 'string', choices: ['per', 'wer', 'cer'], help: 'error unit: per (phones) / wer (words) from the tokens as written, cer (characters); default per for phone models, wer for character models' },
    replicates: { type: 'number', range: { min: 1, max: 1e6, integer: true }, help: 'bootstrap replicates (default 2000)' },
    seed: { type: 'number', range: { min: 0, integer: true }, help: 'seed of the resampling (default 0)' },
    level: { type: 'number', range: { above: 0, below: 1 }, help: 'interval level (default 0.95)' },
    json: { type: 'boolean', help: 'one JSON object on stdout' },
  });
  if (!flags.a || !flags.b) fail('compare: give --a and --b, each one or more eval.json files (comma-separated)');
  const files = (x: unknown) => String(x).split(',').map((f) => f.trim()).filter(Boolean);
  const [fa, fb] = [files(flags.a), files(flags.b)];
  const vocab = readJson<{ vocab?: string }>(fa[0], 'evaluation result').vocab;
  const unit = (flags.unit as 'per' | 'wer' | 'cer' | undefined) ?? (vocab === 'chars' ? 'wer' : 'per');
  const side = (fs: string[]) => {
    const seeds = fs.map((f) => readEvalErrors(f, unit));
    const rates = seeds.map(errorRateOf);
    return { files: fs, seeds, rates, ...meanSd(rates), errors: meanOverSeeds(seeds, fs) };
  };
  const [A, B] = [side(fa), side(fb)];
  const test = pairedBootstrap(A.errors, B.errors, { replicates: flags.replicates as number | undefined, seed: flags.seed as number | undefined, level: flags.level as number | undefined, names: [`a (${fa.join(', ')})`, `b (${fb.join(', ')})`] });
  const se = differenceSe({ sd: A.sd, n: fa.length }, { sd: B.sd, n: fb.length });
  const seedSe = Number.isFinite(se) ? se : null;
  const out = { unit, a: { files: fa, rates: A.rates, mean: A.mean }, b: { files: fb, rates: B.rates, mean: B.mean }, seedSe, ...test };
  if (flags.json) {
    process.stdout.write(JSON.stringify(out) + '\n');
    return 0;
  }
  const p = (x: number) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(2)}`;
  const U = unit.toUpperCase();
  process.stdout.write(
    `a: ${U} ${(100 * A.mean).toFixed(2)} % (${fa.length} seed${fa.length > 1 ? 's' : ''})   b: ${U} ${(100 * B.mean).toFixed(2)} % (${fb.length} seed${fb.length > 1 ? 's' : ''})   on ${test.utterances} utterances\n` +
    `b − a: ${p(test.delta)} points; seeds' SE ${seedSe === null ? '– (one seed on a side)' : `± ${(100 * seedSe).toFixed(2)}`}; test set ${Math.round(100 * test.level)} % interval [${p(test.lo)}, ${p(test.hi)}] (paired bootstrap, ${test.replicates} replicates); P(b better) ${test.pBetter.toFixed(3)}\n`);
  return 0;
}
