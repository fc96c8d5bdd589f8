/**
 * Suite profiles: the scale a suite runs at. A suite (suites.ts) says *what* is compared; a profile says on which
 * corpus, with which encoder, for how many steps, and on which labeled budgets, so the same comparison runs in
 * CI (smoke), in `npm start` (quick) and at the research protocol's scale (protocol, docs/protocol.md).
 *
 * Seconds per step are the measured costs on one core of the 2-core reference machine (one BLAS thread); the
 * runner uses them for `--list` and for the suite's ETA, then rescales them by what finished stages really took.
 */
import { BirqError } from '../util/errors';
import { Profile } from '../util/paths';

export interface SuiteProfile {
  name: string;
  what: string;
  /** Built-in corpus profile (`birq data build --profile`), built on demand. */
  corpus: Profile;
  /** Pretraining presets by task (birq, bestrq) and overrides every pretraining arm gets. */
  pretrainPreset: { birq: string; bestrq: string };
  pretrainSet: string[];
  pretrainSteps: number;
  /** Encoder preset of the supervised baseline (same shape as the pretrained encoders). */
  encoder: string;
  finetunePreset: string;
  finetuneSet: string[];
  /** Labeled budgets and the fine-tuning steps spent on each. */
  finetuneSteps: Record<string, number>;
  /** Splits every fine-tuned model is scored on (greedy phone decoding: PER). */
  evalSplits: string[];
  /**
   * Words beside phones: character CTC on one labeled budget, decoded by beam search with the built-in character
   * LM (`birq eval --lm builtin`), its weight and insertion bonus chosen on `tuneSplit` and then applied once to
   * each eval split (WER, CER). Absent: phones only.
   */
  chars?: { budget: string; steps: number; lmWeights: number[]; bonuses: number[]; tuneSplit: string };
  /** Split the label statistics and the phone probe are computed on (exact alignments, >= 20k frames at protocol). */
  labelSplit: string;
  /** Labeled split the per-layer phone probe is fit on. */
  probeFitSplit: string;
  seeds: number;
  /** Measured seconds per step on one core: pretraining by task, fine-tuning; and a fixed cost per stage. */
  cost: { bestrq: number; birq: number; finetune: number; stageS: number; labelsS: number; probeS: number; evalS: number };
}

export const SUITE_PROFILES: Record<string, SuiteProfile> = {
  smoke: {
    name: 'smoke',
    what: 'CI: the smoke corpus and encoder, a few steps per stage; checks that every stage runs, not what it finds',
    corpus: 'smoke',
    pretrainPreset: { birq: 'smoke', bestrq: 'smoke-bestrq' },
    pretrainSet: ['run.checkpointEvery=4', 'run.snapshotEvery=0', 'run.logEvery=2'],
    pretrainSteps: 8,
    encoder: 'smoke',
    finetunePreset: 'smoke',
    finetuneSet: ['freezeEncoderSteps=2', 'run.evalEvery=1000', 'run.logEvery=2'],
    finetuneSteps: { 'train-labeled': 6 },
    evalSplits: ['test-clean'],
    chars: { budget: 'train-labeled', steps: 6, lmWeights: [0.5], bonuses: [0, 1], tuneSplit: 'dev' },
    labelSplit: 'dev',
    probeFitSplit: 'train-labeled',
    seeds: 3,
    cost: { bestrq: 0.15, birq: 0.25, finetune: 0.1, stageS: 6, labelsS: 4, probeS: 4, evalS: 3 },
  },
  quick: {
    name: 'quick',
    what: '`npm start`: the small corpus (2 h unlabeled, train-10min / train-1h), the smoke-sized encoder (2 blocks, d 64), short runs: honest numbers at a scale that fits 30 minutes on 2 cores',
    corpus: 'small',
    pretrainPreset: { birq: 'smoke', bestrq: 'smoke-bestrq' },
    pretrainSet: ['data.corpus=austen-small', 'anchor.codes=1024', 'enhanced.codes=1024', 'enhanced.norm=utterance', 'masking.startProb=0.04', 'optim.lr=2e-3', 'optim.warmupSteps=50', 'run.checkpointEvery=100', 'run.snapshotEvery=100', 'data.probeSplit=dev', 'data.probeSize=1000', 'run.logEvery=10'],
    pretrainSteps: 300,
    encoder: 'smoke',
    finetunePreset: 'smoke',
    finetuneSet: ['optim.lr=2e-3', 'optim.warmupSteps=30', 'freezeEncoderSteps=30', 'run.evalEvery=100000', 'run.logEvery=20', 'data.batchSize=8', 'data.maxBatchFrames=12800'],
    finetuneSteps: { 'train-10min': 300 },
    evalSplits: ['test-clean'],
    labelSplit: 'dev',
    probeFitSplit: 'train-1h',
    seeds: 3,
    cost: { bestrq: 0.2, birq: 0.35, finetune: 0.2, stageS: 8, labelsS: 20, probeS: 25, evalS: 10 },
  },
  protocol: {
    name: 'protocol',
    what: 'the research protocol (docs/protocol.md): medium corpus (6 h unlabeled, train-10min / train-1h), c1-small (5 blocks, d 144), phone CTC; hours per seed on 2 cores',
    corpus: 'medium',
    pretrainPreset: { birq: 'c1-small', bestrq: 'c1-small-bestrq' },
    // Label snapshots of every dev utterance (~24,000 frames) every 250 steps: the evaluation-set curves of codes, AMI, PNMI.
    pretrainSet: ['data.corpus=austen-medium', 'enhanced.norm=utterance', 'masking.startProb=0.04', 'optim.lr=1e-3', 'optim.warmupSteps=200', 'run.checkpointEvery=250', 'run.snapshotEvery=250', 'data.probeSplit=dev', 'data.probeSize=1000', 'run.logEvery=10'],
    pretrainSteps: 2000,
    encoder: 'c1-small',
    finetunePreset: 'small',
    finetuneSet: ['optim.lr=1e-3', 'optim.warmupSteps=100', 'freezeEncoderSteps=100', 'run.evalEvery=100000', 'run.logEvery=20'],
    finetuneSteps: { 'train-10min': 800, 'train-1h': 2000 },
    evalSplits: ['test-clean', 'test-other'],
    // The grid brackets dev's choice: an earlier {0.3, 0.5, 0.8} × {0, 1, 2} had every model at weight 0.8, its edge;
    // a wider check put supervised and BEST-RQ seed 1 at 1.4 / 1, 3 points of WER lower (docs/protocol.md).
    chars: { budget: 'train-1h', steps: 2000, lmWeights: [0.5, 0.8, 1.1, 1.4, 1.8, 2.4], bonuses: [0, 1, 2, 3], tuneSplit: 'dev' },
    labelSplit: 'dev',
    probeFitSplit: 'train-1h',
    seeds: 3,
    cost: { bestrq: 1.6, birq: 2.9, finetune: 0.9, stageS: 10, labelsS: 90, probeS: 120, evalS: 40 },
  },
};

export function suiteProfile(name: string): SuiteProfile {
  const p = SUITE_PROFILES[name];
  if (!p) throw new BirqError(`unknown suite profile '${name}' (choose one of ${Object.keys(SUITE_PROFILES).join(', ')})`);
  return p;
}
