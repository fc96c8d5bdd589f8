/**
 * `birq eval --checkpoint MODEL --split S [--corpus C] [--decoder greedy|beam] [--beam 16] [--lm FILE]
 *            [--lm-weight 0.5] [--bonus 0] [--out FILE] [--json]`
 * `--lm-weight 0.3,0.5,0.8 --bonus 0,1` decodes every combination from one pass of the model and marks the best;
 * with `--tune-split dev` the grid is decoded on dev, and --split is decoded once, with the values dev chose (so a
 * test number is never the best of several tries on the test set). `--tuned-from EVAL_JSON` takes the values an
 * earlier `--tune-split` eval of the same model chose (its file records the model's SHA-1), so a second test
 * split does not decode the dev grid again. `--lm builtin` is `birq lm`'s default LM
 * (6-gram on the training books), trained here the first time it is asked for.
 * Transcribes a split with a fine-tuned CTC model (model.ckpt from `birq finetune`) and prints WER and CER with
 * substitutions / deletions / insertions (PER for a phone model); writes the result JSON with every transcript
 * (default: next to the model, eval-<split>-<decoder>.json).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../backend';
import { loadLm } from '../decode/ngram-lm';
import { formatErrorRate } from '../metrics/error-rate';
import { DecodeOptions, evaluateModelGridAsync, EvalResult } from '../finetune/eval';
import { fail } from '../util/errors';
import { readJson, writeJsonAtomic } from '../util/fs';
import { parseFlags } from './args';
import { builtinLm } from './lm';

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
    lm: { type: 'string', help: "character LM JSON from birq lm, or 'builtin' (trained on first use)" },
    'tune-split': { type: 'string', help: 'choose --lm-weight / --bonus on this split (e.g. dev), then decode --split with them' },
    'tuned-from': { type: 'string', help: "decode with the values an earlier --tune-split eval of this same model chose (its eval JSON)" },
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
  const lmFile = flags.lm === 'builtin' ? await builtinLm() : (flags.lm as string | undefined);
  const lm = lmFile ? loadLm(lmFile) : undefined;
  const decoder = (flags.decoder as string | undefined) ?? (lm ? 'beam' : 'greedy');
  // --lm-weight and --bonus take comma lists: every combination is decoded from one pass of the model.
  const list = (name: string): (number | undefined)[] => (flags[name] as number[] | undefined) ?? [undefined];
  const grid = list('lm-weight').flatMap((lmWeight) => list('bonus').map((insertionBonus) => ({ decoder, beamWidth: flags.beam as number | undefined, lm, lmWeight, insertionBonus } as DecodeOptions)));
  if (grid.length > 1 && decoder !== 'beam') fail('eval: a grid of --lm-weight / --bonus values needs --decoder beam');
  const corpus = flags.corpus as string | undefined;
  const tuneSplit = flags['tune-split'] as string | undefined;
  const modelSha1 = createHash('sha1').update(fs.readFileSync(file)).digest('hex');
  let tuned: { split: string; grid: EvalResult[]; best: EvalResult } | undefined;
  let tunedFrom: TunedRecord | undefined;
  if (flags['tuned-from']) {
    if (tuneSplit || grid.length > 1) fail('eval: --tuned-from takes its LM weight and bonus from that file; give no --tune-split and no grid');
    tunedFrom = readTuned(flags['tuned-from'] as string, modelSha1, flags.split as string | undefined);
    grid.splice(0, 1, { ...grid[0], lmWeight: tunedFrom.tuned.lmWeight, insertionBonus: tunedFrom.tuned.bonus });
  }
  if (tuneSplit) {
    if (tuneSplit === flags.split) fail(`eval: --tune-split ${tuneSplit} is the split being scored; tune on another (e.g. dev)`);
    const onTune = await evaluateModelGridAsync(file, { split: tuneSplit, corpus }, grid);
    const chosen = onTune.reduce((a, b) => (rate(b) < rate(a) ? b : a));
    tuned = { split: tuneSplit, grid: onTune, best: chosen };
    grid.splice(0, grid.length, { ...grid[0], lmWeight: chosen.decoder.lmWeight, insertionBonus: chosen.decoder.insertionBonus });
  }
  const results = await evaluateModelGridAsync(file, { split: (flags.split as string | undefined) ?? '', corpus }, grid);
  const tag = `${decoder}${lm ? '-lm' : ''}${grid.length > 1 ? '-grid' : ''}`;
  const out = (flags.out as string | undefined) ?? path.join(path.dirname(file), `eval-${results[0].split || 'all'}-${tag}.json`);
  const strip = ({ transcripts: _t, ...rest }: EvalResult) => rest;
  // What --tune-split chose, and the tuning split's own error rates (its transcripts stay out: one split's worth).
  // The file keeps every grid point; the printed JSON (a results-store row per number) keeps the chosen one.
  // With --tuned-from, the record is the earlier eval's (its grid stays in that file), plus where it came from.
  const from = tunedFrom && path.resolve(flags['tuned-from'] as string);
  const tuning = tuned ? { split: tuned.split, lmWeight: tuned.best.decoder.lmWeight, bonus: tuned.best.decoder.insertionBonus, best: strip(tuned.best) }
    : tunedFrom && { split: tunedFrom.tuned.split, lmWeight: tunedFrom.tuned.lmWeight, bonus: tunedFrom.tuned.bonus, best: tunedFrom.tuned.best, from };
  const tunedFull = tuned ? { ...tuning, grid: tuned.grid.map(strip) } : tuning;
  writeJsonAtomic(out, grid.length === 1 ? { model: path.resolve(file), modelSha1, ...results[0], ...(tunedFull && { tuned: tunedFull }) } : { model: path.resolve(file), modelSha1, grid: results });
  const best = results.reduce((a, b) => (rate(b) < rate(a) ? b : a));
  if (flags.json) {
    process.stdout.write(JSON.stringify(grid.length === 1 ? { ...strip(results[0]), ...(tuning && { tuned: tuning }), out } : { grid: results.map(strip), best: strip(best), out }) + '\n');
  } else {
    if (tuned) process.stdout.write(`tuned on ${tuned.split}: lm-weight ${tuned.best.decoder.lmWeight ?? '-'} bonus ${tuned.best.decoder.insertionBonus ?? 0} (${formatErrorRate(tuned.best.wer ? 'WER' : 'PER', (tuned.best.wer ?? tuned.best.per)!)})\n`);
    if (tunedFrom) process.stdout.write(`tuned on ${tunedFrom.tuned.split} (from ${flags['tuned-from']}): lm-weight ${tunedFrom.tuned.lmWeight ?? '-'} bonus ${tunedFrom.tuned.bonus ?? 0}\n`);
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

interface TunedRecord {
  modelSha1?: string;
  tuned: { split: string; lmWeight?: number; bonus?: number; best: unknown; grid?: unknown[] };
}

/** The values an earlier `--tune-split` eval chose, refused unless it tuned this very model on another split. */
function readTuned(file: string, modelSha1: string, split: string | undefined): TunedRecord {
  if (!fs.existsSync(file)) fail('eval --tuned-from: no such file', file);
  const r = readJson<TunedRecord>(file, 'eval result');
  if (!r.tuned || typeof r.tuned.split !== 'string') fail('eval --tuned-from: this eval was not tuned (it has no "tuned" record from --tune-split)', file);
  if (r.modelSha1 !== modelSha1) fail(`eval --tuned-from: it was tuned for another model (its modelSha1 ${r.modelSha1 ?? 'is missing'}, this model's is ${modelSha1})`, file);
  if (r.tuned.split === split) fail(`eval --tuned-from: it was tuned on ${split}, the split being scored; tune on another (e.g. dev)`, file);
  return r;
}
