/**
 * `birq eval --checkpoint MODEL --split S [--corpus C] [--decoder greedy|beam] [--beam 16] [--lm FILE]
 *            [--lm-weight 0.5] [--bonus 0] [--out FILE] [--json]`
 * Transcribes a split with a fine-tuned CTC model (model.ckpt from `birq finetune`) and prints WER and CER with
 * substitutions / deletions / insertions (PER for a phone model); writes the result JSON with every transcript
 * (default: next to the model, eval-<split>-<decoder>.json).
 */
import * as path from 'node:path';
import { initBackend } from '../backend';
import { loadLm } from '../decode/ngram-lm';
import { formatErrorRate } from '../metrics/error-rate';
import { evaluateModel } from '../train/finetune-eval';
import { fail } from '../util/errors';
import { writeJsonAtomic } from '../util/fs';
import { parseFlags } from './args';

export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('eval', args, {
    checkpoint: { type: 'string', help: 'fine-tuned model (model.ckpt) or its run directory' },
    split: { type: 'string' },
    corpus: { type: 'string' },
    decoder: { type: 'string' },
    beam: { type: 'number' },
    lm: { type: 'string' },
    'lm-weight': { type: 'number' },
    bonus: { type: 'number' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
  });
  if (!flags.checkpoint) fail('eval: give --checkpoint (a model.ckpt from birq finetune, or its run directory)');
  if (!flags.split) fail('eval: give --split (e.g. dev, test-clean, test-other)');
  let file = flags.checkpoint as string;
  if (!file.endsWith('.ckpt')) file = path.join(file, 'model.ckpt');
  await initBackend({ quiet: Boolean(flags.quiet) });
  const lm = flags.lm ? loadLm(flags.lm as string) : undefined;
  const decoder = (flags.decoder as string | undefined) ?? (lm ? 'beam' : 'greedy');
  if (decoder !== 'greedy' && decoder !== 'beam') fail(`eval: --decoder must be greedy or beam, got '${decoder}'`);
  const r = evaluateModel(file, {
    split: flags.split as string, corpus: flags.corpus as string | undefined, decoder, beamWidth: flags.beam as number | undefined,
    lm, lmWeight: flags['lm-weight'] as number | undefined, insertionBonus: flags.bonus as number | undefined,
  });
  const out = (flags.out as string | undefined) ?? path.join(path.dirname(file), `eval-${r.split}-${decoder}${lm ? '-lm' : ''}.json`);
  writeJsonAtomic(out, { model: path.resolve(file), ...r });
  if (flags.json) {
    const { transcripts: _t, ...rest } = r;
    process.stdout.write(JSON.stringify({ ...rest, out }) + '\n');
  } else {
    const lines = r.wer ? [formatErrorRate('WER', r.wer), formatErrorRate('CER', r.cer!)] : [formatErrorRate('PER', r.per!)];
    process.stdout.write(`${r.split} (${r.utterances} utterances, ${decoder}${lm ? ' + LM' : ''}):\n  ${lines.join('\n  ')}\nwrote ${out}\n`);
  }
  return 0;
}
