/**
 * `birq finetune --from RUN [--preset smoke|small] [--vocab chars|phones] [--split train-1h] [--corpus C]
 *                (preset and corpus default to BIRQ_PROFILE's: smoke / austen-smoke, else small / austen-<profile>)
 *                [--set key=value ...] [--run-dir DIR] [--resume] [--quiet] [--json]`
 * `birq finetune --supervised --encoder PRESET ...`   the supervised-only baseline (random encoder)
 * CTC fine-tuning (src/finetune/finetune.ts); prints the dev WER/CER (or PER) and the model path.
 */
import { initBackend } from '../backend';
import { applyFinetuneOverride, FINETUNE_CHOICES, FINETUNE_PRESETS, finetunePreset, validateFinetuneConfig } from '../finetune/config';
import { runFinetune } from '../finetune/finetune';
import { formatErrorRate } from '../metrics/error-rate';
import { fail } from '../util/errors';
import { profile } from '../util/paths';
import { parseFlags } from './args';

export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('finetune', args, {
    from: { type: 'string', help: 'pretraining run directory or checkpoint' },
    supervised: { type: 'boolean', help: 'random encoder: the supervised-only baseline' },
    encoder: { type: 'string', help: 'encoder preset for --supervised' },
    preset: { type: 'string', choices: Object.keys(FINETUNE_PRESETS) },
    vocab: { type: 'string', choices: FINETUNE_CHOICES.vocab },
    split: { type: 'string' },
    corpus: { type: 'string' },
    set: { type: 'list' },
    'run-dir': { type: 'string' },
    resume: { type: 'boolean', help: "continue from the run directory's latest checkpoint (same config; run.steps may grow)" },
    quiet: { type: 'boolean' },
    json: { type: 'boolean' },
    list: { type: 'boolean' },
    'skip-bad': { type: 'boolean', help: 'use the good part of a corpus with problems (default: refuse, listing them)' },
  });
  if (flags['skip-bad']) process.env.BIRQ_SKIP_BAD = '1';
  if (flags.list) {
    for (const [n, p] of Object.entries(FINETUNE_PRESETS)) process.stdout.write(`  ${n.padEnd(8)} ${p.what}\n`);
    return 0;
  }
  if (!flags.from && !flags.supervised) fail('give --from RUN (a pretraining run) or --supervised (random encoder baseline)');
  if (flags.from && flags.supervised) fail('--from and --supervised exclude each other');
  // Defaults follow BIRQ_PROFILE: the smoke preset on austen-smoke, else the small preset on austen-<profile>.
  const prof = profile();
  let c = finetunePreset((flags.preset as string | undefined) ?? (prof === 'smoke' ? 'smoke' : 'small'));
  c.from = (flags.from as string | undefined) ?? '';
  if (flags.encoder) c.encoderPreset = flags.encoder as string;
  if (flags.vocab) c.vocab = flags.vocab as typeof c.vocab;
  if (flags.split) c.data.split = flags.split as string;
  // A corpus of one's own without --split: train on all of it, no dev split (set one with --set data.devSplit=S).
  else if (flags.corpus) { c.data.split = ''; c.data.devSplit = ''; }
  c.data.corpus = (flags.corpus as string | undefined) ?? (c.data.corpus || `austen-${prof}`);
  for (const s of (flags.set as string[] | undefined) ?? []) c = applyFinetuneOverride(c, s);
  validateFinetuneConfig(structuredClone(c)); // every key's range, before the backend and the data load
  await initBackend({ quiet: Boolean(flags.quiet) });
  const r = await runFinetune(c, { runDir: flags['run-dir'] as string | undefined, resume: Boolean(flags.resume), quiet: Boolean(flags.quiet) });
  const { transcripts: _t, ...dev } = r.dev ?? { transcripts: [] };
  if (flags.json) process.stdout.write(JSON.stringify({ runDir: r.runDir, model: r.modelFile, steps: r.steps, finalLoss: r.finalLoss, dev: r.dev ? dev : null, seconds: r.seconds }) + '\n');
  else {
    process.stdout.write(`fine-tuned ${r.steps} steps in ${r.seconds.toFixed(1)} s, final CTC ${r.finalLoss.toFixed(3)}\nmodel: ${r.modelFile}\n`);
    if (r.dev?.wer) process.stdout.write(`${formatErrorRate('dev WER', r.dev.wer)}\n${formatErrorRate('dev CER', r.dev.cer!)}\n`);
    if (r.dev?.per) process.stdout.write(`${formatErrorRate('dev PER', r.dev.per)}\n`);
  }
  return 0;
}
