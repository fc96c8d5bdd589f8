/**
 * `birq eval --checkpoint MODEL --split S [--corpus C] [--decoder greedy|beam] [--beam 16] [--lm FILE]
 *            [--lm-weight 0.5] [--bonus 0] [--out FILE] [--json]`
 * `--lm-weight 0.3,0.5,0.8 --bonus 0,1` decodes every combination from one pass of the model and marks the best
 * (tune on dev, then evaluate test with the chosen values).
 * Transcribes a split with a fine-tuned CTC model (model.ckpt from `birq finetune`) and prints WER and CER with
 * substitutions / deletions / insertions (PER for a phone model); writes the result JSON with every transcript
 * (default: next to the model, eval-<split>-<decoder>.json).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../backend';
import { loadLm } from '../decode/ngram-lm';
import { formatErrorRate } from '../metrics/error-rate';
import { DecodeOptions, evaluateModelGrid, EvalResult } from '../finetune/eval';
import { fail } from '../util/errors';
import { writeJsonAtomic } from '../util/fs';
import { parseFlags } from './args';

/** What ranks decoders: WER (ties broken by CER) for characters, PER for phones. */
function rate(r: EvalResult): number {
  return (r.wer ?? r.per)!.rate + 1e-6 * (r.cer?.rate ?? 0);
}

export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('eval', args, {
    checkpoint: { type: 'string', help: 'fine-tuned model (model.ckpt) or its run directory' },
    split: { type: 'string' },
    corpus: { type: 'string' },
    decoder: { type: 'string', choices: ['greedy', 'beam'], help: 'default beam with --lm, else greedy' },
    beam: { type: 'number', help: 'beam width (default 16)', range: { integer: true, min: 1 } },
    lm: { type: 'string' },
    'lm-weight': { type: 'numbers', help: 'LM weight, or a comma list to sweep', range: { min: 0 } },
    bonus: { type: 'numbers', help: 'insertion bonus, or a comma list to sweep' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    'skip-bad': { type: 'boolean', help: 'use the good part of a corpus with problems (default: refuse, listing them)' },
  });
  if (flags['skip-bad']) process.env.BIRQ_SKIP_BAD = '1';
  if (!flags.checkpoint) fail('eval: give --checkpoint (a model.ckpt from birq finetune, or its run directory)');
  // A corpus of one's own without --split means all of it; the built-in corpus mixes train and test, so it needs one.
  if (!flags.split && !flags.corpus) fail('eval: give --split (e.g. dev, test-clean, test-other), or --corpus DIR to evaluate all of DIR');
  let file = flags.checkpoint as string;
  if (!file.endsWith('.ckpt')) file = path.join(file, 'model.ckpt');
  if (!fs.existsSync(file)) fail('no fine-tuned model here (--checkpoint: a model.ckpt from birq finetune, or its run directory)', file);
  await initBackend({ quiet: Boolean(flags.quiet) });
  const lm = flags.lm ? loadLm(flags.lm as string) : undefined;
  const decoder = (flags.decoder as string | undefined) ?? (lm ? 'beam' : 'greedy');
  // --lm-weight and --bonus take comma lists: every combination is decoded from one pass of the model.
  const list = (name: string): (number | undefined)[] => (flags[name] as number[] | undefined) ?? [undefined];
  const grid = list('lm-weight').flatMap((lmWeight) => list('bonus').map((insertionBonus) => ({ decoder, beamWidth: flags.beam as number | undefined, lm, lmWeight, insertionBonus } as DecodeOptions)));
  if (grid.length > 1 && decoder !== 'beam') fail('eval: a grid of --lm-weight / --bonus values needs --decoder beam');
  const results = evaluateModelGrid(file, { split: (flags.split as string | undefined) ?? '', corpus: flags.corpus as string | undefined }, grid);
  const tag = `${decoder}${lm ? '-lm' : ''}${grid.length > 1 ? '-grid' : ''}`;
  const out = (flags.out as string | undefined) ?? path.join(path.dirname(file), `eval-${results[0].split || 'all'}-${tag}.json`);
  writeJsonAtomic(out, grid.length === 1 ? { model: path.resolve(file), ...results[0] } : { model: path.resolve(file), grid: results });
  const best = results.reduce((a, b) => (rate(b) < rate(a) ? b : a));
  if (flags.json) {
    const strip = ({ transcripts: _t, ...rest }: EvalResult) => rest;
    process.stdout.write(JSON.stringify(grid.length === 1 ? { ...strip(results[0]), out } : { grid: results.map(strip), best: strip(best), out }) + '\n');
  } else {
    const r = results[0];
    process.stdout.write(`${r.split} (${r.utterances} utterances, ${decoder}${lm ? ' + LM' : ''}):\n`);
    for (const x of results) {
      const lines = x.wer ? [formatErrorRate('WER', x.wer), formatErrorRate('CER', x.cer!)] : [formatErrorRate('PER', x.per!)];
      const knobs = grid.length > 1 ? `lm-weight ${x.decoder.lmWeight ?? '-'} bonus ${x.decoder.insertionBonus ?? 0}${x === best ? '  (best)' : ''}\n  ` : '';
      process.stdout.write(`  ${knobs}${lines.join('\n  ')}\n`);
    }
    process.stdout.write(`wrote ${out}\n`);
  }
  return 0;
}
