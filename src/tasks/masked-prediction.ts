/**
 * BEST-RQ and BiRQ as one task object (docs/method.md §1–§5): masked prediction of anchor labels (G) and, for BiRQ, of
 * enhanced labels (F) made by the encoder's own block k on the unmasked input.
 *
 * Per micro-batch:
 *   stacked u [B, T, 4F]  --RPQ-->  anchor labels [B, T]
 *   span mask [B, T] on the input; masked rows picked by a selection matMul (no gather, see masked-ce.ts)
 *   h = encoder(x~) [B, T, D];  G = CE(head_anchor(h[mask]), anchor)
 *   BiRQ: z = encoder(x, untilBlock k) [B, T, D] (standardized over time per utterance, and for 'whiten' also
 *         projected and whitened, by enhanced.norm);  targets = Gumbel(z[mask]);  F = CE(head_enh(h[mask]), targets)
 *   loss = w1·F + w2·G  (BEST-RQ: loss = w2·G; the enhanced branch is not run)
 * BOME computes w1∇F and ∇G separately (two backward passes) and steps along w1∇F + λ∇G (objectives/bilevel.ts):
 * its adaptive λ takes the place of w2, and metrics.jsonl logs it as `lambda`.
 */
import * as tf from '@tensorflow/tfjs';
import { Conformer } from '../model/conformer';
import { SUBSAMPLING } from '../model/config';
import { stackFramesTensor } from '../model/front-end';
import { addHead, headLogits } from '../model/heads';
import { lengthMask } from '../model/layers';
import { bomeDirectionWith, bomeInnerProducts, bomeLambda, penaltyWeights } from '../objectives/bilevel';
import { accuracy, labelCrossEntropy, selectionMatrix, selectRows, softCrossEntropy } from '../objectives/masked-ce';
import { applySpanMask, spanMask } from '../objectives/span-masking';
import { GumbelQuantizer } from '../quantizers/gumbel';
import { whitenPerUtterance } from '../quantizers/whiten';
import { outsideTape } from '../quantizers/stop-gradient';
import { perUtteranceNormalizeTensor } from '../features/normalize';
import { RandomProjectionQuantizer } from '../quantizers/random-projection';
import { codeUsage, normalizedMutualInformation } from '../quantizers/usage';
import { Rng } from '../util/rng';
import { PretrainConfig, spanFrames } from '../train/config';
import { FeatureBatch } from '../train/feature-source';
import { leanVariableGrads } from '../train/lean-grads';
import { Reads, runAsync, runSync } from '../train/reads';
import { streamRng } from '../train/random-streams';
import { LabelSnapshot, StepInfo, Task, TaskStep } from '../train/task';

/** Seeds of the frozen matrices, derived from the run seed so a checkpoint's matrices can be re-derived and checked. */
const SEED_ENCODER = 11;
const SEED_HEADS = 12;
const SEED_ANCHOR = 13;
const SEED_ENHANCED = 14;

export class MaskedPredictionTask implements Task {
  readonly name: string;
  readonly encoder: Conformer;
  readonly anchor: RandomProjectionQuantizer;
  readonly enhanced: GumbelQuantizer | null;

  constructor(readonly config: PretrainConfig) {
    const c = config;
    this.name = c.task;
    this.encoder = new Conformer(c.encoder, c.seed * 1000 + SEED_ENCODER);
    const rng = new Rng(c.seed * 1000 + SEED_HEADS);
    for (let b = 0; b < c.anchor.books; b++) addHead(this.params, `anchor.${b}`, c.encoder.dim, c.anchor.codes, rng);
    this.anchor = new RandomProjectionQuantizer({
      inputDim: SUBSAMPLING * c.encoder.inputDim, codeDim: c.anchor.codeDim, numCodes: c.anchor.codes, numBooks: c.anchor.books, seed: c.seed * 1000 + SEED_ANCHOR,
    });
    if (c.task === 'birq') {
      addHead(this.params, 'enhanced', c.encoder.dim, c.enhanced.codes, rng);
      this.enhanced = new GumbelQuantizer({
        dim: c.encoder.dim, codeDim: c.enhanced.codeDim, numCodes: c.enhanced.codes, scale: c.enhanced.scale, tau: c.enhanced.tau, mode: c.enhanced.mode,
        frameNorm: c.enhanced.norm === 'frame', seed: c.seed * 1000 + SEED_ENHANCED,
      });
    } else this.enhanced = null;
  }

  get params() {
    return this.encoder.params;
  }

  frozen(): Record<string, tf.Tensor> {
    return { ...this.anchor.matrices('anchor'), ...(this.enhanced ? this.enhanced.matrices('enhanced') : {}) };
  }

  /** Anchor labels [books][B·T] for features [B, T_in, F] (JS arrays; labels need no gradient). */
  anchorLabels(feats: tf.Tensor3D, encLengths: number[]): Int32Array[] {
    return runSync(this.anchorLabelReads(feats, encLengths));
  }

  /** `anchorLabels` as a read generator (train/reads.ts), for backends without synchronous reads. */
  *anchorLabelReads(feats: tf.Tensor3D, encLengths: number[]): Reads<Int32Array[]> {
    const labels = tf.tidy(() => {
      let u = stackFramesTensor(feats); // [B, T_in, F] -> [B, T, 4F]
      if (this.config.anchor.normalizeInput) u = perUtteranceNormalizeTensor(u, lengthMask(encLengths, u.shape[1]));
      return this.anchor.labels(u);
    });
    const out = (yield labels) as Int32Array[];
    tf.dispose(labels);
    return out;
  }

  /**
   * Layer-k features [B, T, D] as the enhanced quantizer reads them, by enhanced.norm: 'frame' as they are (the
   * quantizer applies LN per frame), 'utterance' standardized over time, 'whiten' standardized, projected by the
   * quantizer's frozen B and whitened per utterance ([B, T, d], `projected`).
   */
  enhancedInput(z: tf.Tensor3D, encLengths: number[], q: GumbelQuantizer): { x: tf.Tensor3D; projected: boolean } {
    const norm = this.config.enhanced.norm;
    if (norm === 'frame') return { x: z, projected: false };
    return tf.tidy(() => {
      const [B, T, D] = z.shape;
      const mask = lengthMask(encLengths, T);
      const s = perUtteranceNormalizeTensor(z, mask);
      if (norm === 'utterance') return { x: s, projected: false };
      const p = tf.reshape(q.project(tf.reshape(s, [B * T, D]) as tf.Tensor2D), [B, T, q.codeDim]) as tf.Tensor3D; // [B, T, D] -> [B·T, D] -> [B·T, d] -> [B, T, d]
      return { x: whitenPerUtterance(p, mask, { eps: this.config.enhanced.whitenRidge }), projected: true };
    });
  }

  step(batch: FeatureBatch, info: StepInfo): TaskStep {
    return runSync(this.stepReads(batch, info));
  }

  /** The same step with awaited reads (WebGPU); on wasm and cpu it gives the same numbers as `step`. */
  stepAsync(batch: FeatureBatch, info: StepInfo): Promise<TaskStep> {
    return runAsync(this.stepReads(batch, info));
  }

  /** One micro-batch, reading host values only where it yields (train/reads.ts): anchor labels, BOME's λ, the logs. */
  *stepReads(batch: FeatureBatch, info: StepInfo): Reads<TaskStep> {
    const c = this.config;
    const [B, Tin] = batch.shape;
    const T = Math.floor(Tin / SUBSAMPLING);
    const encLengths = batch.lengths.map((n) => Math.floor(n / SUBSAMPLING));
    const feats = tf.tensor3d(batch.feats, batch.shape);
    const anchor = yield* this.anchorLabelReads(feats, encLengths);

    const mask = spanMask(encLengths, T, { startProb: c.masking.startProb, spanFrames: spanFrames(c) }, streamRng(info.seed, info.step, info.micro, 'mask'));
    const noiseSeed = streamRng(info.seed, info.step, info.micro, 'noise').seed();
    const masked = applySpanMask(feats, mask, T, SUBSAMPLING, c.masking.noiseStd, noiseSeed);
    const { S, index } = selectionMatrix(mask);
    const M = index.length;
    const anchorRows = anchor.map((l) => tf.tensor1d(Int32Array.from(index, (i) => l[i]), 'int32'));

    const dropoutMasked = streamRng(info.seed, info.step, info.micro, 'dropoutMasked').seed();
    const dropoutEnh = streamRng(info.seed, info.step, info.micro, 'dropoutEnhanced').seed();
    const gumbelSeed = streamRng(info.seed, info.step, info.micro, 'gumbel').seed();
    const { w1, w2 } = penaltyWeights(c.objective, info.step, info.totalSteps);
    const vars = this.params.trainable();
    const varList = vars.map(([, v]) => v);

    // Everything the loss needs that is not a gradient: kept out of the tape's tidy and read once afterwards.
    const kept: { F?: tf.Scalar; G?: tf.Scalar; predA?: tf.Tensor; predE?: tf.Tensor; labE?: tf.Tensor } = {};
    const objectives = (withF = true): { F: tf.Scalar | null; G: tf.Scalar } => {
      const h = this.encoder.forward(masked, { training: true, lengths: batch.lengths, seed: dropoutMasked, checkpoint: c.memory.recomputeBlocks });
      const hm = selectRows(h, S); // [B, T, D] -> [M, D]
      let G: tf.Scalar = tf.scalar(0);
      anchorRows.forEach((labels, b) => {
        const logits = headLogits(this.params, `anchor.${b}`, hm);
        G = tf.add(G, labelCrossEntropy(logits, labels));
        if (b === 0 && !kept.predA) kept.predA = tf.keep(tf.argMax(logits, -1));
      });
      G = tf.div(G, anchorRows.length);
      let F: tf.Scalar | null = null;
      if (this.enhanced && withF) {
        const enhancedTargets = () => {
          const z = this.encoder.forward(feats, { untilBlock: c.enhanced.layer, training: true, lengths: batch.lengths, seed: dropoutEnh, checkpoint: c.memory.recomputeBlocks });
          const e = this.enhancedInput(z, encLengths, this.enhanced!);
          const { targets, labels } = this.enhanced!.targetsAndLabels(selectRows(e.x, S), gumbelSeed, { projected: e.projected }); // [B, T, D|d] -> [M, D|d] -> [M, V]
          if (!kept.labE) kept.labE = tf.keep(labels);
          else labels.dispose();
          return targets;
        };
        // stopgrad: no gradient through the targets, so keep the enhanced branch off the tape entirely.
        const targets = c.enhanced.mode === 'stopgrad' ? outsideTape(enhancedTargets) : enhancedTargets();
        const logits = headLogits(this.params, 'enhanced', hm);
        F = softCrossEntropy(logits, targets);
        if (!kept.predE) kept.predE = tf.keep(tf.argMax(logits, -1));
        kept.F = tf.keep(F.clone());
      }
      kept.G = tf.keep(G.clone());
      return { F, G };
    };

    const grads = new Map<string, tf.Tensor>();
    let lambda = NaN;
    if (this.enhanced && c.objective.schedule === 'bome') {
      const gF = leanVariableGrads(() => tf.mul(objectives().F!, w1) as tf.Scalar, varList);
      kept.G?.dispose(); // F and the predictions of this pass are kept; the G pass below re-keeps G
      const gG = leanVariableGrads(() => objectives(false).G, varList); // BOME's second pass needs no enhanced branch
      // By parameter name; a parameter outside one objective's graph (the other stream's head) is absent there.
      const byName = (g: Record<string, tf.Tensor>) => new Map(vars.filter(([, v]) => g[v.name]).map(([n, v]) => [n, g[v.name]]));
      const [fG, gG2] = [byName(gF.grads), byName(gG.grads)];
      const inner = bomeInnerProducts(fG, gG2);
      const [dot, normG2] = yield inner;
      tf.dispose(inner);
      lambda = bomeLambda(dot[0], normG2[0], c.objective.bomeEta);
      for (const [name, d] of bomeDirectionWith(fG, gG2, lambda)) grads.set(name, d);
      tf.dispose([gF.value, gG.value, ...Object.values(gF.grads), ...Object.values(gG.grads)].filter(Boolean));
    } else {
      const { value, grads: g } = leanVariableGrads(() => {
        const { F, G } = objectives();
        return (F && w1 > 0 ? tf.add(tf.mul(F, w1), tf.mul(G, w2)) : tf.mul(G, w2)) as tf.Scalar;
      }, varList);
      value.dispose();
      for (const [name, v] of vars) if (g[v.name]) grads.set(name, g[v.name]);
    }

    // Every logged number in one read: [G, predA] and for BiRQ [F, labE, predE].
    const [GvA, predAv, FvA, labEv, predEv] = yield [kept.G!, kept.predA!, ...(this.enhanced ? [kept.F!, kept.labE!, kept.predE!] : [])];
    const Fv = FvA ? FvA[0] : NaN;
    const Gv = GvA[0];
    const anchorMasked = Int32Array.from(index, (i) => anchor[0][i]);
    const usageA = codeUsage(anchorMasked, c.anchor.codes);
    const bome = this.enhanced !== null && c.objective.schedule === 'bome';
    const metrics: Record<string, number> = {
      w1: this.enhanced ? w1 : 0,
      // The weight each gradient actually got: under BOME, λ (w2 is not applied, logged as NaN).
      w2: bome ? NaN : w2,
      masked: M / encLengths.reduce((a, b) => a + b, 0),
      acc_anchor: accuracy(predAv, anchorMasked),
      codes_anchor: usageA.used,
      ppl_anchor: usageA.perplexity,
    };
    if (bome) metrics.lambda = lambda;
    if (this.enhanced) {
      const labE = labEv;
      const usageE = codeUsage(labE, c.enhanced.codes);
      metrics.acc_enhanced = accuracy(predEv, labE);
      metrics.codes_enhanced = usageE.used;
      metrics.ppl_enhanced = usageE.perplexity;
      metrics.nmi = normalizedMutualInformation(anchorMasked, labE);
    }
    tf.dispose([feats, masked, S, ...anchorRows, kept.F, kept.G, kept.predA, kept.predE, kept.labE].filter(Boolean) as tf.Tensor[]);
    const losses: Record<string, number> = { G: Gv };
    if (this.enhanced) losses.F = Fv;
    losses.total = (this.enhanced ? w1 * Fv : 0) + (bome ? lambda : w2) * Gv;
    return { grads, losses, metrics };
  }

  /** Labels of the probe set, in chunks of 16 utterances (a dev-sized probe set in one batch would need GBs). */
  snapshot(probe: FeatureBatch): LabelSnapshot {
    return runSync(this.snapshotReads(probe));
  }

  snapshotAsync(probe: FeatureBatch): Promise<LabelSnapshot> {
    return runAsync(this.snapshotReads(probe));
  }

  *snapshotReads(probe: FeatureBatch): Reads<LabelSnapshot> {
    const chunk = 16;
    const [B, Tin, F] = probe.shape;
    if (B <= chunk) return yield* this.snapshotBatch(probe);
    const parts: LabelSnapshot[] = [];
    for (let b0 = 0; b0 < B; b0 += chunk) {
      const n = Math.min(chunk, B - b0);
      parts.push(yield* this.snapshotBatch({ ...probe, feats: probe.feats.subarray(b0 * Tin * F, (b0 + n) * Tin * F), shape: [n, Tin, F], lengths: probe.lengths.slice(b0, b0 + n), ids: probe.ids.slice(b0, b0 + n) }));
    }
    const streams: Record<string, Int32Array> = {};
    for (const name of Object.keys(parts[0].streams)) {
      streams[name] = new Int32Array(parts.reduce((a, p) => a + p.streams[name].length, 0));
      let o = 0;
      for (const p of parts) streams[name].set(p.streams[name], o), (o += p.streams[name].length);
    }
    return { streams, shape: [B, parts[0].shape[1]], lengths: parts.flatMap((p) => p.lengths), ids: parts.flatMap((p) => p.ids) };
  }

  private *snapshotBatch(probe: FeatureBatch): Reads<LabelSnapshot> {
    const [B, Tin] = probe.shape;
    const T = Math.floor(Tin / SUBSAMPLING);
    const encLengths = probe.lengths.map((n) => Math.floor(n / SUBSAMPLING));
    const feats = tf.tensor3d(probe.feats, probe.shape);
    const streams: Record<string, Int32Array> = {};
    (yield* this.anchorLabelReads(feats, encLengths)).forEach((l, b) => (streams[`anchor.${b}`] = l));
    const layer = this.config.enhanced.layer;
    const q = this.enhanced ?? new GumbelQuantizer({ dim: this.config.encoder.dim, codeDim: this.config.enhanced.codeDim, numCodes: this.config.enhanced.codes, scale: this.config.enhanced.scale, frameNorm: this.config.enhanced.norm === 'frame', seed: this.config.seed * 1000 + SEED_ENHANCED });
    // BEST-RQ has no enhanced stream in training; the same frozen quantizer on its block k shows what it would be.
    const lab = tf.tidy(() => {
      const e = this.enhancedInput(this.encoder.forward(feats, { untilBlock: layer, training: false, lengths: probe.lengths }), encLengths, q);
      return q.labels(tf.reshape(e.x, [B * T, e.x.shape[2]]) as tf.Tensor2D, { projected: e.projected }); // [B, T, D|d] -> [B·T, D|d]
    });
    streams.enhanced = (yield [lab])[0] as Int32Array;
    tf.dispose([lab, feats]);
    if (!this.enhanced) q.dispose();
    return { streams, shape: [B, T], lengths: encLengths, ids: probe.ids };
  }

  dispose(): void {
    this.encoder.dispose();
    this.anchor.dispose();
    this.enhanced?.dispose();
  }
}
