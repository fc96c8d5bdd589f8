/**
 * The paper's ablations, and ours, as suites: each a set of arms; the runner crosses them with seeds and the
 * stages of a profile (pretrain → fine-tune on each labeled budget → evaluate → label statistics → phone probe).
 * An arm is plain data: which pretraining it gets (none for the supervised baseline, a task with config
 * overrides, or offline relabeling of another arm's encoder). Paper numbers are the paper's own (WER %, 960 h →
 * 100 h LibriSpeech, 155 M Conformer, or test-other for Table 1); we measure PER on our corpus, so they are
 * shown beside ours for the ordering, never as the same quantity.
 */
import { BirqError } from '../util/errors';

export type ArmPretrain =
  /**
   * `probeAt`: also probe the encoder part-way, at these multiples of the profile's pretraining steps (their
   * checkpoints are kept; 0 = at initialization): does phone information in each layer rise or fall as
   * pretraining goes on?
   */
  | { kind: 'ssl'; task: 'birq' | 'bestrq'; set?: string[]; stepsScale?: number; probeAt?: number[] }
  /** Offline HuBERT-style relabeling: k-means (k) on block `layer` of arm `teacher`'s encoder, then a new encoder. */
  | { kind: 'relabel'; teacher: string; k: number; set?: string[] }
  /** No pretraining of its own: fine-tunes arm `arm`'s pretrained encoder (with this arm's `finetuneSet`). */
  | { kind: 'encoderOf'; arm: string };

export interface Arm {
  name: string;
  what: string;
  /** null: the supervised-only baseline (random encoder, CTC on the labeled budget). */
  pretrain: ArmPretrain | null;
  /** Fine-tune config overrides of this arm (`birq finetune --set`), after the profile's. */
  finetuneSet?: string[];
  /** The paper's number for this arm, by what it measured (e.g. 'test-clean WER'). */
  paper?: Record<string, number>;
}

export interface Suite {
  name: string;
  what: string;
  /** Where the paper's numbers come from and what they measure. */
  paper: string;
  /** Overrides every pretraining arm of this suite gets on top of the profile's (e.g. a deeper smoke encoder). */
  pretrainSet?: (encoderBlocks: number) => string[];
  /** The paper reports words: also fine-tune characters and decode with the LM where the profile says how. */
  words?: boolean;
  /** Fine-tune on the profile's smallest labeled budget only (a sweep judged where pretraining should matter most). */
  smallestBudgetOnly?: boolean;
  arms: Arm[];
}

const birq = (name: string, what: string, set: string[] = [], paper?: Record<string, number>): Arm => ({ name, what, pretrain: { kind: 'ssl', task: 'birq', set }, paper });
const bestrq: Arm = { name: 'bestrq', what: 'BEST-RQ: anchor labels only (w1 = 0)', pretrain: { kind: 'ssl', task: 'bestrq' } };
/** Table 1 runs on a 5-block encoder; profiles with a shallower one get 5 blocks for these suites. */
const fiveBlocks = (blocks: number) => (blocks < 5 ? ['encoder.blocks=5'] : []);

export const SUITES: Record<string, Suite> = {
  table2: {
    name: 'table2',
    what: 'supervised vs BEST-RQ vs BiRQ after CTC fine-tuning on each labeled budget (the paper\'s Table 2)',
    paper: 'Table 2, LibriSpeech 960 h SSL → 100 h CTC, 155 M Conformer, WER % test-clean / test-other',
    words: true,
    arms: [
      { name: 'supervised', what: 'no pretraining: the same encoder from random init, CTC on the labeled budget', pretrain: null, paper: { 'test-clean WER': 7.4, 'test-other WER': 20.5 } },
      { ...bestrq, paper: { 'test-clean WER': 6.8, 'test-other WER': 19.6 } },
      birq('birq', 'BiRQ: w1 0.1, w2 2.4, τ 0.5, soft Gumbel targets from block k', [], { 'test-clean WER': 5.0, 'test-other WER': 12.6 }),
    ],
  },
  'table1-layer': {
    name: 'table1-layer',
    what: 'which block labels itself: enhanced labels from block k ∈ {2, 3, 4} of 5 (the paper\'s Table 1a)',
    paper: 'Table 1a, 5-layer model: k = 4 best of {2, 3, 4} (test-other WER; the paper prints no error bars)',
    pretrainSet: fiveBlocks,
    // Phones only: the arms differ in pretraining alone, which the 10-min and 1-h phone fine-tunes and the probe
    // measure; the character + LM fine-tune would add ~35 min an arm and seed at the protocol (a fifth of it).
    arms: [2, 3, 4].map((k) => birq(`k${k}`, `BiRQ with enhanced labels from block ${k}`, [`enhanced.layer=${k}`])),
  },
  'table1-codebook': {
    name: 'table1-codebook',
    what: 'codebook size (1024 / 8192 / 16384 codes, anchor and enhanced) and number of anchor codebooks (1 / 2 / 4)',
    paper: 'Table 1b, codebook sizes ablated on the 5-layer model (test-other WER)',
    pretrainSet: fiveBlocks,
    arms: [
      ...[1024, 8192, 16384].map((v) => birq(`codes-${v}`, `${v} codes in each codebook, one anchor codebook`, [`anchor.codes=${v}`, `enhanced.codes=${v}`])),
      ...[2, 4].map((b) => birq(`books-${b}`, `${b} anchor codebooks of 8192 codes, each with its own head`, ['anchor.codes=8192', 'enhanced.codes=8192', `anchor.books=${b}`])),
    ],
  },
  'table1-relabel': {
    name: 'table1-relabel',
    what: 'online BiRQ vs one and two offline relabeling stages vs BiRQ trained 3× longer, with the compute each spent',
    paper: 'Table 1c, test-other WER: BiRQ 100 epochs 19.1, one offline relabeling 18.6, BiRQ 300 epochs 17.2 (the relabeling row also spent its teacher\'s training)',
    pretrainSet: fiveBlocks,
    arms: [
      birq('birq', 'online BiRQ, N steps', [], { 'test-other WER': 19.1 }),
      { name: 'relabel-1', what: 'k-means (k = 100) on block k of the BiRQ encoder, then a new encoder on those labels for N steps', pretrain: { kind: 'relabel', teacher: 'birq', k: 100 }, paper: { 'test-other WER': 18.6 } },
      { name: 'relabel-2', what: 'a second relabeling stage: k-means on relabel-1\'s encoder', pretrain: { kind: 'relabel', teacher: 'relabel-1', k: 100 } },
      { name: 'birq-3x', what: 'online BiRQ for 3N steps (the compute of two relabeling stages plus the teacher)', pretrain: { kind: 'ssl', task: 'birq', stepsScale: 3 }, paper: { 'test-other WER': 17.2 } },
    ],
  },
  'gumbel-mode': {
    name: 'gumbel-mode',
    what: 'how the enhanced targets carry gradient: soft sample (paper), straight-through one-hot, stopped argmax',
    paper: 'ours: the paper uses soft Gumbel-softmax targets and reports no mode ablation',
    arms: [
      birq('soft', 'soft Gumbel-softmax targets, gradient into blocks 1..k', ['enhanced.mode=soft']),
      birq('hard-st', 'one-hot forward, straight-through gradient', ['enhanced.mode=hard-st']),
      birq('stopgrad', 'argmax labels, no gradient through the targets (online HuBERT-style)', ['enhanced.mode=stopgrad']),
    ],
  },
  penalty: {
    name: 'penalty',
    what: 'the penalty objective: enhanced only, w2/w1 ∈ {6, 24, 96}, BEST-RQ; constant vs increasing vs BOME-adaptive',
    paper: 'ours: the paper uses w1 0.1, w2 2.4 (w2/w1 = 24), constant',
    arms: [
      birq('enhanced-only', 'w2 = 0: enhanced labels only, no anchor (expected to collapse)', ['objective.w2=0']),
      birq('ratio-6', 'w2/w1 = 6', ['objective.w2=0.6']),
      birq('ratio-24', 'w2/w1 = 24 (the paper)', ['objective.w2=2.4']),
      birq('ratio-96', 'w2/w1 = 96', ['objective.w2=9.6']),
      bestrq,
      birq('increasing', 'w2 ramps from 0.24 to 2.4 over training', ['objective.schedule=increasing']),
      birq('bome', 'BOME-style adaptive weight on ∇G', ['objective.schedule=bome']),
    ],
  },
  tau: {
    name: 'tau',
    what: 'Gumbel-softmax temperature τ of the enhanced targets',
    paper: 'ours: the paper uses τ = 0.5',
    arms: [0.25, 0.5, 1, 2].map((t) => birq(`tau-${t}`, `τ = ${t}`, [`enhanced.tau=${t}`])),
  },
  'enhanced-norm': {
    name: 'enhanced-norm',
    what: 'how layer k is normalized before the projection: per-frame LayerNorm (our reading of the paper) vs standardized over time per utterance vs also whitened',
    paper: 'ours: the paper says only "normalized"',
    arms: [
      birq('frame', 'per-frame LayerNorm without affine (the paper\'s reading; collapses at c1-small)', ['enhanced.norm=frame']),
      birq('utterance', 'each feature standardized over its utterance\'s frames (data2vec\'s instance norm)', ['enhanced.norm=utterance']),
      birq('whiten', 'standardized, projected, then ZCA-whitened per utterance (no collapse onto a few directions)', ['enhanced.norm=whiten']),
      birq('whiten-partial', 'whitened with a ridge of the mean variance (weak, noisy directions stay weak): spread and learnable at smoke', ['enhanced.norm=whiten', 'enhanced.whitenRidge=1']),
      birq('whiten-ridge-0.3', 'whitened with a ridge of 0.3 × the mean variance: between full (1e-3) and partial (1) whitening', ['enhanced.norm=whiten', 'enhanced.whitenRidge=0.3']),
      // The cause test: the same partial whitening with no gradient through the targets. If the soft targets'
      // gradient drives the fall in codes, this arm keeps more of them.
      birq('whiten-ridge-0.3-stopgrad', 'ridge-0.3 partial whitening, argmax targets with no gradient through them (does the targets\' gradient drive the collapse?)', ['enhanced.norm=whiten', 'enhanced.whitenRidge=0.3', 'enhanced.mode=stopgrad']),
    ],
  },
  'finetune-reinit': {
    name: 'finetune-reinit',
    what: 'the top blocks of the pretrained encoder re-initialized before fine-tuning: do BEST-RQ\'s and BiRQ\'s code-predicting upper blocks hold fine-tuning back?',
    paper: 'ours: the paper fine-tunes the whole pretrained encoder; Pasad et al. (2021) re-initialize wav2vec 2.0\'s last layers for low-resource fine-tuning',
    // The pretrained arms are table2's (same content keys, so adopted where table2 has finished them); the
    // re-initialized arms fine-tune those encoders, so only their fine-tuning stages are new.
    arms: [
      { name: 'supervised', what: 'no pretraining (table2\'s baseline)', pretrain: null },
      { ...bestrq, what: 'BEST-RQ, the whole encoder fine-tuned (table2\'s)' },
      ...[1, 2].map((n): Arm => ({ name: `bestrq-reinit-${n}`, what: `BEST-RQ's encoder with its top ${n} block${n > 1 ? 's' : ''} re-initialized before fine-tuning`, pretrain: { kind: 'encoderOf', arm: 'bestrq' }, finetuneSet: [`reinitTopBlocks=${n}`] })),
      birq('birq', 'BiRQ, the whole encoder fine-tuned (table2\'s)'),
      { name: 'birq-reinit-2', what: 'BiRQ\'s encoder with its top 2 blocks re-initialized before fine-tuning', pretrain: { kind: 'encoderOf', arm: 'birq' }, finetuneSet: ['reinitTopBlocks=2'] },
    ],
  },
  'protocol-sweep': {
    name: 'protocol-sweep',
    what: 'the sweep that chose the protocol: BEST-RQ masking probability × learning rate, and 4× the pretraining steps, judged by the phone probe and the 10-min fine-tune',
    paper: 'ours: the paper uses p = 0.01 and AdamW 1e-4 at a far larger batch',
    smallestBudgetOnly: true,
    arms: [
      ...[0.01, 0.04, 0.1].flatMap((p) => [3e-4, 1e-3].map((lr): Arm => ({
        name: `p${p}-lr${lr}`, what: `BEST-RQ, masking start probability ${p}, peak lr ${lr}`, pretrain: { kind: 'ssl', task: 'bestrq', set: [`masking.startProb=${p}`, `optim.lr=${lr}`] },
      }))),
      // Does more pretraining help where 2,000 steps did not? The protocol's p and lr, 4× as many steps, probed
      // at initialization and at 1×, 2× and 3× on the way.
      { name: 'p0.04-lr0.001-4x', what: 'BEST-RQ, p 0.04, peak lr 1e-3, 4× the pretraining steps', pretrain: { kind: 'ssl', task: 'bestrq', set: ['masking.startProb=0.04', 'optim.lr=0.001'], stepsScale: 4, probeAt: [0, 1, 2, 3] } },
    ],
  },
};

export function suite(name: string): Suite {
  const s = SUITES[name];
  if (!s) throw new BirqError(`unknown suite '${name}' (choose one of ${Object.keys(SUITES).join(', ')})`);
  return s;
}
