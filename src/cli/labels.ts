/**
 * `birq labels --run R --split dev [--corpus C] [--kmeans-k 100] [--fit-split pretrain] [--layer K]
 *              [--no-kmeans] [--chance-repeats 5] [--out FILE] [--json]`
 * Label quality of a pretraining run (its latest checkpoint) on a split with phone alignments: phone purity,
 * cluster purity and PNMI (HuBERT's definitions, metrics/label-quality.ts) for the anchor, enhanced and
 * k-means label streams, each beside its chance level (the labels shuffled across frames, metrics/label-chance.ts),
 * codes used and perplexity, and AMI between the streams (NMI beside it). The k-means teacher is fit on
 * block k's outputs over `--fit-split` (default pretrain; never the scored split). Writes JSON (default
 * <run>/labels-<split>.json).
 */
import * as path from 'node:path';
import { initBackend } from '../backend';
import { ENCODER_FRAME_MS } from '../model/config';
import { addKMeansStreamAsync, fitLayerKMeansAsync, labelsReport, loadPretrainedRunAsync, splitLabelsAsync } from '../evaluate/label-streams';
import { readPretrainingCheckpoint } from '../finetune/model';
import { fail } from '../util/errors';
import { checkRange } from '../util/ranges';
import { writeJsonAtomic } from '../util/fs';
import { parseFlags } from './args';

export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('labels', args, {
    run: { type: 'string', help: 'pretraining run directory or checkpoint' },
    split: { type: 'string' },
    corpus: { type: 'string' },
    'kmeans-k': { type: 'number', help: 'k-means clusters (default 100)', range: { integer: true, min: 2 } },
    'fit-split': { type: 'string' },
    layer: { type: 'number', help: "block whose outputs are clustered (default the run's enhanced.layer)", range: { integer: true, min: 1 } },
    'no-kmeans': { type: 'boolean' },
    'chance-repeats': { type: 'number', help: 'shuffles averaged for the chance levels (default 5)', range: { integer: true, min: 1 } },
    out: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    'skip-bad': { type: 'boolean', help: 'use the good part of a corpus with problems (default: refuse, listing them)' },
  });
  if (flags['skip-bad']) process.env.BIRQ_SKIP_BAD = '1';
  if (!flags.run) fail('labels: give --run (a pretraining run directory or checkpoint)');
  const split = (flags.split as string | undefined) ?? 'dev';
  // Every input against the run's config (read without the backend) before anything loads.
  const rc = readPretrainingCheckpoint(flags.run as string).config;
  const corpus = (flags.corpus as string | undefined) ?? (rc.data.source === 'corpus' ? rc.data.corpus : '');
  if (!corpus) fail('labels: the run was pretrained on the toy source; give --corpus');
  const layer = checkRange(`--layer (a block of the run's ${rc.encoder.blocks})`, (flags.layer as number | undefined) ?? rc.enhanced.layer, { integer: true, min: 1, max: rc.encoder.blocks });
  const fitSplit = (flags['fit-split'] as string | undefined) ?? 'pretrain';
  if (fitSplit === split && !flags['no-kmeans']) fail(`--fit-split: must be another split than the scored one (--split ${split}), got '${fitSplit}'`);
  await initBackend({ quiet: Boolean(flags.quiet) });
  const r = await loadPretrainedRunAsync(flags.run as string);
  try {
    const labels = await splitLabelsAsync(r, corpus, split, { layer });
    const k = (flags['kmeans-k'] as number | undefined) ?? 100;
    let kmeans: { k: number; layer: number; fitSplit: string; iterations: number } | null = null;
    if (!flags['no-kmeans']) {
      const km = await fitLayerKMeansAsync(r, corpus, fitSplit, { k, layer, seed: r.config.seed });
      await addKMeansStreamAsync(labels, km);
      kmeans = { k, layer, fitSplit, iterations: km.iterations };
    }
    const report = { run: path.resolve(flags.run as string), checkpoint: r.file, step: r.step, task: r.config.task, corpus, layer, kmeans, ...labelsReport(split, labels, { repeats: (flags['chance-repeats'] as number | undefined) ?? 5, seed: 0 }) };
    const out = (flags.out as string | undefined) ?? path.join(path.dirname(path.dirname(r.file)), `labels-${split}.json`);
    writeJsonAtomic(out, report);
    if (flags.json) process.stdout.write(JSON.stringify({ ...report, out }) + '\n');
    else {
      const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1).padStart(6) : '   nan');
      // Each statistic, then its chance level in parentheses: the same statistic of the shuffled labels.
      const pair = (x: number, c: number) => `${pct(x)} (${pct(c).trim().padStart(5)})`;
      const rows = Object.entries(report.streams).map(([n, s]) => `  ${n.padEnd(10)} ${pair(s.pnmi, s.chance.pnmi.mean)}  ${pair(s.phonePurity, s.chance.phonePurity.mean)}  ${pair(s.clusterPurity, s.chance.clusterPurity.mean)}  ${pct(s.adjustedPnmi)}  ${String(s.used).padStart(6)} ${s.perplexity.toFixed(1).padStart(8)}`);
      const reps = Object.values(report.streams)[0]?.chance.repeats ?? 0;
      const agree = [`  chance = the statistic for the labels shuffled across frames (mean of ${reps}); adjPNMI = (I - E[I]) / (H(phone) - E[I])`,
        ...Object.entries(report.agreement).map(([n, v]) => `  AMI ${n}: ${v.ami.toFixed(3)}   (NMI ${v.nmi.toFixed(3)}: not chance-corrected)`)];
      process.stdout.write(`${report.task} step ${report.step}, ${split}: ${report.utterances} utterances, ${report.frames} frames (${ENCODER_FRAME_MS} ms)\n` +
        `  stream       PNMI% (chance)   phone% (chance)   clust% (chance)  adjPNMI%  codes  perplex\n${rows.join('\n')}\n${agree.join('\n')}\nwrote ${out}\n`);
    }
  } finally {
    r.task.dispose();
  }
  return 0;
}
