/**
 * `birq probe --run RUN_DIR | --checkpoint CKPT | --init PRESET|RUN_DIR [--seed N] [--corpus C]
 *             [--train-split train-labeled] [--eval-split dev] [--layers 0,1,2] [--max-train-frames 50000]
 *             [--iterations 100] [--l2 1e-3] [--shuffled] [--out FILE] [--json]`
 * Frozen-encoder phone probe per layer (src/evaluate/phone-probe.ts): a linear softmax classifier on each
 * block's frame features (layer 0: the stacked input features), fit on the training split, frame phone
 * accuracy on the evaluation split, beside chance (majority phone; with --shuffled also the probe fit on shuffled
 * labels). `--run`/`--checkpoint` take a pretraining run or checkpoint (its latest one) or a fine-tuned CTC model;
 * `--init` the same encoder at initialization: a preset's (seeded by --seed, default the preset's) or a run's
 * own starting weights (its config and seed), the baseline a pretrained encoder's probe should beat.
 * Writes JSON (default <run>/probe-<eval split>.json for a run; nothing for --init unless --out).
 */
import * as path from 'node:path';
import { initBackend } from '../backend';
import { PHONE_SET } from '../data/segments';
import { phoneProbeAsync } from '../evaluate/phone-probe';
import { Features } from '../features/logmel';
import { Conformer } from '../model/conformer';
import { presetConfig, PretrainConfig } from '../train/config';
import { makeNormalizer, resolveCorpus } from '../finetune/data';
import { CtcModelMeta, loadCtcModel, loadPretrainedEncoder, readModelFile, readPretrainingCheckpoint, resolveCheckpoint } from '../finetune/model';
import { MaskedPredictionTask } from '../tasks/masked-prediction';
import { fail } from '../util/errors';
import { checkRange } from '../util/ranges';
import { writeJsonAtomic } from '../util/fs';
import { parseFlags } from './args';

interface Source {
  encoder: Conformer;
  /** What was probed, for the report. */
  source: Record<string, unknown>;
  corpus: string;
  normalize?: (f: Features) => Features;
  /** Default output file (null: print only). */
  out: string | null;
  dispose: () => void;
}

/** The encoder a run or checkpoint holds: a pretraining checkpoint or a fine-tuned CTC model. */
function trained(from: string): Source {
  const file = resolveCheckpoint(from);
  const { meta } = readModelFile<{ format?: string }>(file);
  const out = path.dirname(path.dirname(file));
  if (meta.format === 'birq-ctc-model') {
    const m = loadCtcModel(file);
    const ft = (m.meta as CtcModelMeta).finetune as { data?: { corpus?: string } } | undefined;
    return {
      encoder: m.encoder, corpus: ft?.data?.corpus ?? '', normalize: makeNormalizer(m.meta.normalization).apply, out: path.dirname(file),
      source: { kind: 'ctc-model', checkpoint: file, step: m.meta.step }, dispose: () => m.encoder.dispose(),
    };
  }
  const r = loadPretrainedEncoder(file);
  return {
    encoder: r.encoder, corpus: r.config.data.source === 'corpus' ? r.config.data.corpus : '', out,
    source: { kind: 'pretrained', task: r.config.task, checkpoint: r.file, step: r.step }, dispose: () => r.encoder.dispose(),
  };
}

/** An encoder at initialization: exactly the weights a pretraining run with this config starts from. */
function atInit(what: string, seed: number | undefined): Source {
  let config: PretrainConfig;
  let source: Record<string, unknown>;
  if (/[/\\]/.test(what) || what.startsWith('.')) {
    config = readPretrainingCheckpoint(what).config;
    if (seed !== undefined && seed !== config.seed) fail(`probe: --init ${what} is a run with seed ${config.seed}; --seed ${seed} would not be its initialization`);
    source = { kind: 'init', run: path.resolve(what) };
  } else {
    config = presetConfig(what);
    if (seed !== undefined) config.seed = seed;
    source = { kind: 'init', preset: what };
  }
  const task = new MaskedPredictionTask(config); // the task seeds its encoder; take it from there, not a copy of its formula
  return {
    encoder: task.encoder, corpus: config.data.source === 'corpus' ? config.data.corpus : '', out: null,
    source: { ...source, task: config.task, seed: config.seed, encoder: config.encoder }, dispose: () => task.dispose(),
  };
}

/** The depth of the encoder --run / --checkpoint / --init names, without building it. */
function encoderBlocks(flags: Record<string, unknown>): number {
  const init = flags.init as string | undefined;
  if (init !== undefined) return (/[/\\]/.test(init) || init.startsWith('.') ? readPretrainingCheckpoint(init).config : presetConfig(init)).encoder.blocks;
  const { meta } = readModelFile<{ format?: string; encoder?: { blocks: number }; config?: { encoder: { blocks: number } } }>(resolveCheckpoint((flags.run ?? flags.checkpoint) as string));
  return (meta.format === 'birq-ctc-model' ? meta.encoder : meta.config?.encoder)?.blocks ?? Infinity;
}

export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('probe', args, {
    run: { type: 'string', help: 'pretraining run directory (its latest checkpoint)' },
    checkpoint: { type: 'string', help: 'a pretraining checkpoint or a fine-tuned CTC model file' },
    init: { type: 'string', help: 'a pretraining preset, or a run directory: the same encoder at initialization' },
    seed: { type: 'number', help: 'with --init PRESET: the run seed (default the preset\'s)', range: { integer: true } },
    corpus: { type: 'string', help: 'default: the corpus the encoder was trained on' },
    'train-split': { type: 'string', help: 'split the probe is fit on (default train-labeled)' },
    'eval-split': { type: 'string', help: 'split it is scored on (default dev)' },
    layers: { type: 'numbers', help: 'comma-separated layers (0 = stacked input, k = block k; default all)', range: { integer: true, min: 0 } },
    'max-train-frames': { type: 'number', help: 'training frames kept, evenly spaced (default 50000)', range: { integer: true, min: 1 } },
    iterations: { type: 'number', help: 'L-BFGS iterations (default 100)', range: { integer: true, min: 1 } },
    l2: { type: 'number', help: 'L2 weight on the probe (default 1e-3)', range: { min: 0 } },
    shuffled: { type: 'boolean', help: 'also fit each probe on shuffled labels (a second chance level; doubles the fitting)' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    'skip-bad': { type: 'boolean', help: 'use the good part of a corpus with problems (default: refuse, listing them)' },
  });
  if (flags['skip-bad']) process.env.BIRQ_SKIP_BAD = '1';
  const given = ['run', 'checkpoint', 'init'].filter((k) => flags[k] !== undefined);
  if (given.length !== 1) fail('probe: give exactly one of --run RUN_DIR, --checkpoint CKPT, --init PRESET|RUN_DIR');
  const trainSplit = (flags['train-split'] as string | undefined) ?? 'train-labeled';
  const evalSplit = (flags['eval-split'] as string | undefined) ?? 'dev';
  if (trainSplit === evalSplit) fail(`--train-split: must be another split than the scored one (--eval-split ${evalSplit}), got '${trainSplit}'`);
  const layers = flags.layers as number[] | undefined;
  // --layers against the encoder's depth, read from the preset or the file before the backend loads.
  const L0 = encoderBlocks(flags);
  for (const k of layers ?? []) checkRange(`--layers (0 = input, 1..${L0} = the encoder's blocks)`, k, { integer: true, min: 0, max: L0 });
  await initBackend({ quiet: Boolean(flags.quiet) });
  const src = flags.init !== undefined ? atInit(flags.init as string, flags.seed as number | undefined) : trained((flags.run ?? flags.checkpoint) as string);
  try {
    const corpus = (flags.corpus as string | undefined) ?? src.corpus;
    if (!corpus) fail('probe: the encoder\'s config names no corpus; give --corpus');
    const L = src.encoder.config.blocks;
    for (const k of layers ?? []) checkRange(`--layers (0 = input, 1..${L} = the encoder's blocks)`, k, { integer: true, min: 0, max: L });
    const pct = (x: number) => (100 * x).toFixed(1).padStart(7);
    const shuffled = Boolean(flags.shuffled);
    if (!flags.json && !flags.quiet) process.stderr.write(`[birq] probe: fitting ${layers?.length ?? L + 1} layers on ${trainSplit}, scoring on ${evalSplit}\n`);
    const report = await phoneProbeAsync(src.encoder, {
      corpus: resolveCorpus(corpus), trainSplit, evalSplit, layers, normalize: src.normalize, shuffled,
      maxTrainFrames: flags['max-train-frames'] as number | undefined, iterations: flags.iterations as number | undefined, l2: flags.l2 as number | undefined,
    });
    const full = { source: src.source, corpus, phones: PHONE_SET.length, ...report };
    const out = (flags.out as string | undefined) ?? (src.out ? path.join(src.out, `probe-${evalSplit}.json`) : null);
    if (out) writeJsonAtomic(out, full);
    if (flags.json) process.stdout.write(JSON.stringify({ ...full, out }) + '\n');
    else {
      const s = src.source;
      const head = s.kind === 'init' ? `${s.task} encoder at initialization (${s.preset ? `preset ${s.preset}` : `run ${s.run}`}, seed ${s.seed})` : `${s.kind === 'ctc-model' ? 'CTC model' : s.task} step ${s.step}`;
      const rows = report.layers.map((r) => `  ${String(r.layer).padStart(5)}  ${r.what.padEnd(8)} ${String(r.dim).padStart(4)} ${pct(r.accuracy)}    ${pct(r.trainAccuracy)}${shuffled ? `    ${pct(r.shuffledAccuracy!)}` : ''}  ${String(r.iterations).padStart(5)}`);
      process.stdout.write(`${head}: linear phone probe, fit on ${trainSplit} (${report.trainFrames} frames), scored on ${evalSplit} (${report.evalFrames} frames, ${PHONE_SET.length} phones)\n` +
        `  layer  what      dim  ${evalSplit.padEnd(4)} acc%  train acc%${shuffled ? '  shuffled%' : ''}  iters\n${rows.join('\n')}\n` +
        `  chance: always '${report.majority.phone}' (the training split's most frequent phone): ${pct(report.majority.accuracy).trim()} %${shuffled ? '; shuffled = the probe fit on shuffled labels' : ''}\n` +
        `  ${report.seconds.toFixed(1)} s${out ? `; wrote ${out}` : ''}\n`);
    }
  } finally {
    src.dispose();
  }
  return 0;
}
