/**
 * A fine-tuning run (docs/method.md §6): encoder from a pretraining run (or random: the supervised-only
 * baseline), CTC head, AdamW with warm-up and decay, optional frozen-encoder warm-up, greedy dev evaluation.
 * The steps run in the one training loop (train/loop.ts: accumulation, the non-finite stop, checkpoints, exact
 * resume), so the run directory has the shape every stage's has, plus what fine-tuning produces:
 *   config.json        resolved config, encoder provenance, data description, environment
 *   metrics.jsonl      loss, lr, gradient norm per logged step; dev WER/CER (or PER) at each evaluation
 *   events.jsonl, checkpoints/
 *   model.ckpt         the fine-tuned model (finetune/model.ts), what `birq eval --checkpoint` reads
 *   dev.json           the final dev evaluation with every transcript
 * The head-only warm-up is a trainable set that grows at step freezeEncoderSteps (CtcFinetuneTask.trainableAt);
 * the loop starts a fresh AdamW over all parameters there (the head's moments restart: a stage change, as in
 * fairseq's freeze_finetune_updates). Without --resume, a rerun into the same directory starts it afresh.
 */
import * as path from 'node:path';
import { ENCODER_PRESETS } from '../model/config';
import { Conformer } from '../model/conformer';
import { vocabFor } from '../decode/vocab';
import { appendJsonl, writeJsonAtomic } from '../util/fs';
import { runsRoot } from '../util/paths';
import { ProgressInfo } from '../util/progress';
import { FinetuneConfig, validateFinetuneConfig } from './config';
import { LabeledSource } from './data';
import { evaluateCtcAsync, EvalResult } from './eval';
import { loadPretrainedEncoder, reinitTopBlocks, saveCtcModelAsync } from './model';
import { CtcFinetuneTask } from '../tasks/ctc';
import { LoopConfig, runStage } from '../train/loop';

const SEED_RANDOM_ENCODER = 21;
const SEED_REINIT_BLOCKS = 22;

export interface FinetuneOptions {
  /** Run directory (default: <runs>/finetune/<from or supervised>-<vocab>-<split>-s<seed>). */
  runDir?: string;
  /** Continue from the run directory's latest checkpoint. */
  resume?: boolean;
  /** Stop (after checkpointing) once this many steps are done: simulates an interruption. */
  stopAtStep?: number;
  quiet?: boolean;
  onProgress?: (p: ProgressInfo) => void;
}

export interface FinetuneResult {
  runDir: string;
  modelFile: string;
  steps: number;
  finalLoss: number;
  dev: EvalResult | null;
  seconds: number;
}

export function defaultFinetuneDir(c: FinetuneConfig): string {
  const from = c.from ? path.basename(path.resolve(c.from)).replace(/\.ckpt$/, '') : `supervised-${c.encoderPreset}`;
  return path.join(runsRoot(), 'finetune', `${from}-${c.vocab}-${c.data.split}-s${c.seed}`);
}

/** The loop's view of a fine-tuning config (the optional fields filled by validateFinetuneConfig). */
function loopConfig(c: FinetuneConfig): LoopConfig & FinetuneConfig {
  return { ...c, optim: { ...c.optim, accumulate: c.optim.accumulate! }, run: { ...c.run, checkpointEvery: c.run.checkpointEvery!, keepCheckpoints: c.run.keepCheckpoints! } };
}

export async function runFinetune(config: FinetuneConfig, opts: FinetuneOptions = {}): Promise<FinetuneResult> {
  const c = loopConfig(validateFinetuneConfig(structuredClone(config)));
  const t0 = Date.now();
  const vocab = vocabFor(c.vocab);
  const pre = c.from ? loadPretrainedEncoder(c.from) : null;
  const encoder = pre ? pre.encoder : new Conformer(ENCODER_PRESETS[c.encoderPreset].config, c.seed * 1000 + SEED_RANDOM_ENCODER);
  if (c.reinitTopBlocks) {
    try {
      reinitTopBlocks(encoder, c.reinitTopBlocks, c.seed * 1000 + SEED_REINIT_BLOCKS);
    } catch (e) {
      encoder.dispose();
      throw e;
    }
  }
  const src = (split: string) => new LabeledSource({ corpus: c.data.corpus, split, vocab, batchSize: c.data.batchSize, maxBatchFrames: c.data.maxBatchFrames, seed: c.seed });
  let train: LabeledSource;
  let dev: LabeledSource | null;
  try {
    train = src(c.data.split);
    dev = c.data.devSplit ? src(c.data.devSplit) : null;
  } catch (e) {
    encoder.dispose();
    throw e;
  }
  const task = new CtcFinetuneTask(encoder, vocab, train.targets(), { freezeEncoderSteps: c.freezeEncoderSteps, seed: c.seed, specAugment: c.specAugment });
  const dir = path.resolve(opts.runDir ?? defaultFinetuneDir(c));
  const devEval = async (): Promise<EvalResult | null> => (dev ? evaluateCtcAsync(encoder, vocab, dev, { decoder: 'greedy' }) : null);
  const devRecord = (r: EvalResult | null): Record<string, number> | null => {
    if (!r) return null;
    const rec: Record<string, number> = {};
    if (r.wer) Object.assign(rec, { dev_wer: r.wer.rate, dev_cer: r.cer!.rate });
    if (r.per) rec.dev_per = r.per.rate;
    return rec;
  };
  let last: EvalResult | null = null;
  try {
    const r = await runStage({
      label: `finetune ${path.basename(dir)}`, task, source: train, config: c, onExisting: 'overwrite',
      record: {
        kind: 'birq-finetune-run',
        encoder: encoder.config,
        pretrained: pre ? { checkpoint: pre.file, step: pre.step, task: pre.config.task, reinitTopBlocks: c.reinitTopBlocks } : null,
        data: { train: train.description, dev: dev?.description ?? null, normalization: train.normalizer.kind },
        vocab: vocab.tokens,
        parameters: task.params.count(),
      },
      // Dev evaluation every evalEvery updates; the last one comes after the model is saved, below.
      afterUpdate: async (done) => (done % c.run.evalEvery === 0 && done < c.run.steps ? devRecord((last = await devEval())) : null),
      progressText: (m) => `ctc ${m.ctc.toFixed(3)}${last?.wer ? ` dev WER ${(100 * last.wer.rate).toFixed(1)}%` : ''}`,
    }, { runDir: dir, resume: opts.resume, stopAtStep: opts.stopAtStep, quiet: opts.quiet, onProgress: opts.onProgress });
    const finalLoss = r.metrics.at(-1)?.ctc ?? NaN;
    const modelFile = path.join(dir, 'model.ckpt');
    if (r.lastStep < c.run.steps) return { runDir: dir, modelFile, steps: r.lastStep, finalLoss, dev: null, seconds: (Date.now() - t0) / 1000 };
    const n = train.normalizer;
    await saveCtcModelAsync(modelFile, task.params, {
      vocab: vocab.kind, tokens: [...vocab.tokens], encoder: encoder.config,
      normalization: { kind: n.kind, mean: n.mean, std: n.std },
      pretrained: pre ? { checkpoint: pre.file, step: pre.step, task: pre.config.task } : null,
      finetune: c, step: c.run.steps,
    });
    last = await devEval();
    const rec = devRecord(last);
    if (rec) appendJsonl(path.join(dir, 'metrics.jsonl'), { step: c.run.steps, ...rec });
    if (last) writeJsonAtomic(path.join(dir, 'dev.json'), last);
    return { runDir: dir, modelFile, steps: c.run.steps, finalLoss, dev: last, seconds: (Date.now() - t0) / 1000 };
  } finally {
    task.dispose();
  }
}
