/**
 * A fine-tuning run, top to bottom (docs/method.md §6): encoder from a pretraining run (or random: the supervised-only
 * baseline), CTC head, AdamW with warm-up and decay, optional frozen-encoder warm-up, greedy dev evaluation,
 * and a self-describing run directory:
 *   config.json        resolved config, encoder provenance, data description, environment
 *   metrics.jsonl      loss, lr, gradient norm per logged step; dev WER/CER (or PER) at each evaluation
 *   model.ckpt         the fine-tuned model (finetune-model.ts), what `birq eval --checkpoint` reads
 *   dev.json           the final dev evaluation with every transcript
 * The optimizer covers the head only during the warm-up; at the switch a fresh AdamW over all parameters
 * takes over (the head's moments restart: a stage change, as in fairseq's freeze_finetune_updates).
 * Fine-tuning runs are short and not resumable: a crash reruns the job.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENCODER_PRESETS } from '../model/config';
import { Conformer } from '../model/conformer';
import { vocabFor } from '../decode/vocab';
import { BirqError } from '../util/errors';
import { appendJsonl, writeJsonAtomic } from '../util/fs';
import { runsRoot } from '../util/paths';
import { Progress, ProgressInfo } from '../util/progress';
import { AdamW } from './adamw';
import { clipByGlobalNorm } from './clip';
import { FinetuneConfig, validateFinetuneConfig } from './finetune-config';
import { LabeledSource } from './finetune-data';
import { evaluateCtc, EvalResult } from './finetune-eval';
import { loadPretrainedEncoder, saveCtcModel } from './finetune-model';
import { CtcFinetuneTask } from './finetune-task';
import { environment } from './run-dir';
import { learningRate } from './schedule';

const SEED_RANDOM_ENCODER = 21;

export interface FinetuneOptions {
  /** Run directory (default: <runs>/finetune/<from or supervised>-<vocab>-<split>-s<seed>). */
  runDir?: string;
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

export async function runFinetune(config: FinetuneConfig, opts: FinetuneOptions = {}): Promise<FinetuneResult> {
  const c = validateFinetuneConfig(structuredClone(config));
  const t0 = Date.now();
  const vocab = vocabFor(c.vocab);
  const pre = c.from ? loadPretrainedEncoder(c.from) : null;
  const encoder = pre ? pre.encoder : new Conformer(ENCODER_PRESETS[c.encoderPreset].config, c.seed * 1000 + SEED_RANDOM_ENCODER);
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
  const task = new CtcFinetuneTask(encoder, vocab, train.targets(), { freezeEncoderSteps: c.freezeEncoderSteps, seed: c.seed });
  const dir = path.resolve(opts.runDir ?? defaultFinetuneDir(c));
  fs.mkdirSync(dir, { recursive: true });
  const metricsFile = path.join(dir, 'metrics.jsonl');
  fs.rmSync(metricsFile, { force: true });
  writeJsonAtomic(path.join(dir, 'config.json'), {
    kind: 'birq-finetune-run',
    config: c,
    encoder: encoder.config,
    pretrained: pre ? { checkpoint: pre.file, step: pre.step, task: pre.config.task } : null,
    data: { train: train.description, dev: dev?.description ?? null, normalization: train.normalizer.kind },
    vocab: vocab.tokens,
    parameters: task.params.count(),
    environment: environment(),
  });

  const progress = new Progress(`finetune ${path.basename(dir)}`, c.run.steps, { quiet: opts.quiet, onUpdate: opts.onProgress });
  const devEval = (step: number): EvalResult | null => {
    if (!dev) return null;
    const r = evaluateCtc(encoder, vocab, dev, { decoder: 'greedy' });
    const rec: Record<string, number> = { step };
    if (r.wer) Object.assign(rec, { dev_wer: r.wer.rate, dev_cer: r.cer!.rate });
    if (r.per) rec.dev_per = r.per.rate;
    appendJsonl(metricsFile, rec);
    return r;
  };

  let opt = new AdamW(c.optim, task.trainableAt(0));
  let loss = NaN;
  let last: EvalResult | null = null;
  try {
    for (let step = 0; step < c.run.steps; step++) {
      if (step === c.freezeEncoderSteps && step > 0) {
        opt.dispose();
        opt = new AdamW(c.optim, task.trainableAt(step));
      }
      const ts = Date.now();
      const r = task.step(train.batchAt(step), { step, micro: 0, totalSteps: c.run.steps, seed: c.seed });
      loss = r.losses.ctc;
      if (!Number.isFinite(loss)) {
        for (const g of r.grads.values()) g.dispose();
        throw new BirqError(`fine-tuning diverged at step ${step}: CTC loss ${loss} (lower optim.lr or raise optim.clipNorm)`, dir);
      }
      const { norm } = clipByGlobalNorm(r.grads, c.optim.clipNorm);
      const lr = learningRate(c.optim, step, c.run.steps);
      opt.step(r.grads, lr);
      for (const g of r.grads.values()) g.dispose();
      if (step % c.run.logEvery === 0 || step === c.run.steps - 1) {
        appendJsonl(metricsFile, { step, ctc: loss, lr, grad_norm: norm, ...r.metrics, step_s: (Date.now() - ts) / 1000 });
      }
      if ((step + 1) % c.run.evalEvery === 0 && step + 1 < c.run.steps) last = devEval(step + 1);
      progress.tick(1, `ctc ${loss.toFixed(3)}${last?.wer ? ` dev WER ${(100 * last.wer.rate).toFixed(1)}%` : ''}`);
    }
    progress.finish();
    const modelFile = path.join(dir, 'model.ckpt');
    const n = train.normalizer;
    saveCtcModel(modelFile, task.params, {
      vocab: vocab.kind, tokens: [...vocab.tokens], encoder: encoder.config,
      normalization: { kind: n.kind, mean: n.mean, std: n.std },
      pretrained: pre ? { checkpoint: pre.file, step: pre.step, task: pre.config.task } : null,
      finetune: c, step: c.run.steps,
    });
    last = devEval(c.run.steps);
    if (last) writeJsonAtomic(path.join(dir, 'dev.json'), last);
    return { runDir: dir, modelFile, steps: c.run.steps, finalLoss: loss, dev: last, seconds: (Date.now() - t0) / 1000 };
  } finally {
    opt.dispose();
    task.dispose();
  }
}
