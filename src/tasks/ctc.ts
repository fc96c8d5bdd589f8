/**
 * CTC fine-tuning as a task object (docs/method.md §6): a linear CTC head D -> V on the encoder's last block,
 *   h = encoder(x) [B, T, D];  logits = head(h) [B, T, V];  loss = mean_b ctc_b / max(1, |label_b|)
 * (per-utterance CTC normalized by target length, then averaged: torch's reduction='mean'). Utterances whose
 * targets cannot fit their frames (zeroInfinity) add 0 and are counted in the metrics, never a NaN step.
 * During the frozen-encoder warm-up only the head gets gradients and the encoder runs in evaluation mode (no
 * dropout, batch-norm statistics untouched), so the pretrained representation is not disturbed while the head
 * is random. The supervised-only baseline is this same task on a randomly initialized encoder.
 */
import * as tf from '@tensorflow/tfjs';
import { Conformer, encoderLength } from '../model/conformer';
import { addHead, headLogits } from '../model/heads';
import { syncReads } from '../backend';
import { ctcLoss, ctcLossFromValues } from '../objectives/ctc';
import { specAugment, specAugmentActive, SpecAugmentOptions } from '../objectives/spec-augment';
import { Vocab } from '../decode/vocab';
import { fail } from '../util/errors';
import { Rng } from '../util/rng';
import { FeatureBatch } from '../train/feature-source';
import { streamRng } from '../train/random-streams';
import { StepInfo, Task, TaskStep } from '../train/task';

export const CTC_HEAD = 'ctc';

/** Encoder + CTC head: features [B, T_in, F] -> logits [B, T, V], T = floor(T_in / 4). */
export function ctcLogits(encoder: Conformer, feats: tf.Tensor3D, lengths: number[], training: boolean, seed?: number): tf.Tensor3D {
  return tf.tidy(() => {
    const h = encoder.forward(feats, { training, lengths, seed }); // [B, T_in, F] -> [B, T, D]
    const [B, T, D] = h.shape;
    const z = headLogits(encoder.params, CTC_HEAD, tf.reshape(h, [B * T, D]) as tf.Tensor2D); // [B, T, D] -> [B·T, D] -> [B·T, V]
    return tf.reshape(z, [B, T, z.shape[1]]) as tf.Tensor3D; // [B·T, V] -> [B, T, V]
  });
}

export interface CtcTaskOptions {
  /** Optimizer steps with the encoder frozen (head only). */
  freezeEncoderSteps: number;
  /** Seed of the head's initialization. */
  seed: number;
  /** Masks on the training input (none when absent). */
  specAugment?: SpecAugmentOptions;
}

export class CtcFinetuneTask implements Task {
  readonly name = 'ctc';

  /**
   * @param encoder pretrained (or random) encoder; the task adds its head to the encoder's ParamStore unless
   *   one is there already (a fine-tuned checkpoint).
   * @param targets label ids per utterance id (decode/vocab.ts encodeTarget).
   */
  constructor(readonly encoder: Conformer, readonly vocab: Vocab, readonly targets: Map<string, number[]>, readonly opts: CtcTaskOptions) {
    if (!encoder.params.vars.has(`head.${CTC_HEAD}.w`)) addHead(encoder.params, CTC_HEAD, encoder.config.dim, vocab.tokens.length, new Rng(opts.seed));
    const V = encoder.params.get(`head.${CTC_HEAD}.w`).shape[1];
    if (V !== vocab.tokens.length) fail(`CtcFinetuneTask: the checkpoint's CTC head has ${V} outputs but the ${vocab.kind} vocabulary has ${vocab.tokens.length}`);
  }

  get params() {
    return this.encoder.params;
  }

  frozen(): Record<string, tf.Tensor> {
    return {};
  }

  /** Whether this optimizer step trains only the head. */
  headOnly(step: number): boolean {
    return step < this.opts.freezeEncoderSteps;
  }

  /** Parameters trained at this step: the head during warm-up, everything after. */
  trainableAt(step: number): [string, tf.Variable][] {
    const all = this.params.trainable();
    return this.headOnly(step) ? all.filter(([n]) => n.startsWith(`head.${CTC_HEAD}.`)) : all;
  }

  /** Logits [B, T, V] for features [B, T_in, F]. */
  logits(feats: tf.Tensor3D, lengths: number[], training: boolean, seed?: number): tf.Tensor3D {
    return ctcLogits(this.encoder, feats, lengths, training, seed);
  }

  /** What one step needs besides the tensors: labels, encoder lengths, the trained set, the dropout seed. */
  private prepare(batch: FeatureBatch, info: StepInfo) {
    // The encoder's backward pass fails for a batch of one (tf.split into one piece; a src/model issue): a
    // lone utterance is duplicated, which leaves the mean loss and its gradient unchanged.
    if (batch.shape[0] === 1) batch = duplicateOne(batch);
    const aug = this.opts.specAugment;
    if (specAugmentActive(aug)) batch = { ...batch, feats: specAugment(batch.feats, batch.shape, batch.lengths, aug!, streamRng(info.seed, info.step, info.micro, 'specAugment')) };
    const labels = batch.ids.map((id) => {
      const t = this.targets.get(id);
      if (!t) fail(`CtcFinetuneTask: no transcript for utterance '${id}'`);
      return t;
    });
    const encLengths = batch.lengths.map((n) => Math.max(1, encoderLength(n)));
    const headOnly = this.headOnly(info.step);
    const vars = this.trainableAt(info.step);
    const seed = streamRng(info.seed, info.step, info.micro, 'dropoutMasked').seed();
    return { batch, labels, encLengths, headOnly, vars, seed };
  }

  step(b: FeatureBatch, info: StepInfo): TaskStep {
    const { batch, labels, encLengths, headOnly, vars, seed } = this.prepare(b, info);
    const feats = tf.tensor3d(batch.feats, batch.shape);
    let perUtt: Float32Array | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const logits = this.logits(feats, batch.lengths, !headOnly, seed);
      const nll = ctcLoss(logits, labels, encLengths, { blank: this.vocab.blank, zeroInfinity: true }); // [B]
      perUtt = nll.dataSync() as Float32Array;
      const norm = tf.tensor1d(labels.map((l) => 1 / Math.max(1, l.length)));
      return tf.mean(tf.mul(nll, norm)) as tf.Scalar;
    }, vars.map(([, v]) => v));
    const loss = value.dataSync()[0];
    value.dispose();
    feats.dispose();
    return this.result(vars, grads, loss, Array.from(perUtt!), labels, encLengths, headOnly);
  }

  /**
   * The step without synchronous reads (WebGPU): customGrad cannot await, so the CTC lattice needs the logits'
   * values before the taped pass. Pass 1 computes the logits off the tape and reads them once; pass 2 recomputes
   * them on the tape (the same dropout seed, so the same values) and the CTC op takes its loss and gradient from
   * pass 1's values (objectives/ctc.ts ctcLossFromValues). Costs one more encoder forward per step. Where the
   * backend reads synchronously this is `step`, exactly.
   */
  async stepAsync(b: FeatureBatch, info: StepInfo): Promise<TaskStep> {
    if (syncReads()) return this.step(b, info);
    const { batch, labels, encLengths, headOnly, vars, seed } = this.prepare(b, info);
    const feats = tf.tensor3d(batch.feats, batch.shape);
    // Pass 1 must not move batch-norm running statistics: pass 2 moves them, once, as `step` does.
    const trainable = new Set(this.params.trainable().map(([n]) => n));
    const state = headOnly ? [] : [...this.params.vars].filter(([n]) => !trainable.has(n)).map(([, v]) => [v, v.clone()] as const);
    const logits0 = tf.tidy(() => this.logits(feats, batch.lengths, !headOnly, seed));
    for (const [v, saved] of state) v.assign(saved), saved.dispose();
    const values = (await logits0.data()) as Float32Array;
    logits0.dispose();
    let perUtt: number[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const logits = this.logits(feats, batch.lengths, !headOnly, seed);
      const ctc = ctcLossFromValues(logits, values, labels, encLengths, { blank: this.vocab.blank, zeroInfinity: true }); // [B]
      perUtt = ctc.values;
      const norm = tf.tensor1d(labels.map((l) => 1 / Math.max(1, l.length)));
      return tf.mean(tf.mul(ctc.loss, norm)) as tf.Scalar;
    }, vars.map(([, v]) => v));
    const loss = (await value.data())[0];
    value.dispose();
    feats.dispose();
    return this.result(vars, grads, loss, perUtt, labels, encLengths, headOnly);
  }

  private result(
    vars: [string, tf.Variable][], grads: tf.NamedTensorMap, loss: number, perUtt: number[], labels: number[][], encLengths: number[], headOnly: boolean,
  ): TaskStep {
    const out = new Map<string, tf.Tensor>();
    for (const [name, v] of vars) out.set(name, grads[v.name]);
    // zeroInfinity turned impossible utterances into exact zeros; a real CTC loss is > 0.
    const impossible = perUtt.filter((x, b) => x === 0 && labels[b].length > 0).length;
    const frames = encLengths.reduce((a, b) => a + b, 0);
    const chars = labels.reduce((a, l) => a + l.length, 0);
    return {
      grads: out,
      losses: { ctc: loss },
      metrics: { head_only: headOnly ? 1 : 0, impossible, frames_per_label: frames / Math.max(1, chars) },
    };
  }

  dispose(): void {
    this.encoder.dispose();
  }
}

function duplicateOne(b: FeatureBatch): FeatureBatch {
  const feats = new Float32Array(2 * b.feats.length);
  feats.set(b.feats, 0);
  feats.set(b.feats, b.feats.length);
  return { feats, shape: [2, b.shape[1], b.shape[2]], lengths: [b.lengths[0], b.lengths[0]], ids: [b.ids[0], b.ids[0]] };
}
