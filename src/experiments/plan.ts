/**
 * A suite's plan: arms × seeds × stages as jobs, each a `birq` command with its own run directory and the jobs
 * it waits for. Pure: the same suite, profile and seeds give the same jobs, so a rerun finds its finished stages
 * by directory and skips them, and an executor (local processes, Slurm) only has to run argv lists in order.
 *
 *   <suite dir>/<arm>/seed-<s>/pretrain                      birq pretrain | birq relabel
 *   <suite dir>/<arm>/seed-<s>/finetune-<budget>             birq finetune --vocab phones
 *   <suite dir>/<arm>/seed-<s>/eval-<budget>-<test split>    birq eval (greedy PER)
 *   <suite dir>/<arm>/seed-<s>/labels-<split>                birq labels (codes, PNMI with chance, AMI)
 *   <suite dir>/<arm>/seed-<s>/probe-<split>                 birq probe (per-layer phone accuracy)
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { applyOverride, presetConfig } from '../train/config';
import { SuiteProfile } from './profiles';
import { BirqError } from '../util/errors';
import { Arm, Suite } from './suites';

export type StageKind = 'pretrain' | 'relabel' | 'finetune' | 'eval' | 'labels' | 'probe';

export interface Job {
  /** `<arm>/seed-<s>/<stage>`: unique within a suite, and the job's directory under the suite's. */
  id: string;
  arm: string;
  seed: number;
  stage: string;
  kind: StageKind;
  dir: string;
  /** `birq` arguments (the runner adds --resume where a stage can continue). */
  argv: string[];
  deps: string[];
  /** Estimated seconds on one core (profile costs): for --list and the suite's ETA. */
  estS: number;
  /** Optimizer steps this stage trains (0 for evaluation stages): compute spent, beside wall time. */
  steps: number;
  /** Hash of what determines the result (argv without paths, profile): a changed stage is not "done". */
  configHash: string;
  /**
   * What the result depends on, whatever suite, arm or directory it is planned in: a pretraining's resolved
   * config (so `enhanced.layer=4` set explicitly equals the default 4), a later stage's argv with each input
   * directory named by its stage's key. Runs are bit-exact, so equal keys give equal results, and a stage
   * finished in another suite can be shared instead of run again (share.ts).
   */
  contentKey: string;
}

export interface PlanOptions {
  suite: Suite;
  profile: SuiteProfile;
  seeds: number[];
  root: string;
  /** Only these arms (default all). */
  arms?: string[];
}

export function planSuite(o: PlanOptions): Job[] {
  const p = o.profile;
  const arms = o.arms?.length ? o.suite.arms.filter((a) => o.arms!.includes(a.name)) : o.suite.arms;
  const blocks = presetConfig(p.pretrainPreset.birq).encoder.blocks;
  const suiteSet = o.suite.pretrainSet?.(blocks) ?? [];
  // A supervised arm fine-tunes the profile's encoder preset as is: a suite that reshapes the encoder has none.
  if (suiteSet.length && arms.some((a) => !a.pretrain)) throw new Error(`suite ${o.suite.name}: a supervised arm cannot follow the suite's encoder overrides`);
  const jobs: Job[] = [];
  for (const seed of o.seeds) {
    const pretrainDirOf = (a: string) => path.join(o.root, a, `seed-${seed}`, 'pretrain');
    // Content keys by directory: every arm's pretraining (a relabeling arm's teacher may be filtered out), then
    // each stage as it is planned, so a later stage names its inputs by their keys.
    const keys = new Map<string, string>();
    const pretrainKey = (name: string): string => {
      const known = keys.get(pretrainDirOf(name));
      if (known) return known;
      const arm = o.suite.arms.find((a) => a.name === name)!;
      const j = pretrainJob(arm, seed, p, suiteSet, pretrainDirOf(name), pretrainDirOf);
      const a = arm.pretrain!;
      if (a.kind === 'relabel') pretrainKey(a.teacher); // its key names the teacher's directory in the argv
      const key = a.kind === 'ssl' ? hash(['pretrain', resolvedPretrainConfig(j.argv)]) : argvKey(j.kind, j.argv, pretrainDirOf(name), o.root, keys);
      keys.set(pretrainDirOf(name), key);
      return key;
    };
    for (const a of o.suite.arms) if (a.pretrain && a.pretrain.kind !== 'encoderOf') pretrainKey(a.name);
    for (const arm of arms) {
      const at = (stage: string) => `${arm.name}/seed-${seed}/${stage}`;
      const dir = (stage: string) => path.join(o.root, arm.name, `seed-${seed}`, stage);
      const add = (j: Omit<Job, 'id' | 'dir' | 'arm' | 'seed' | 'configHash' | 'contentKey'>) => {
        const id = at(j.stage);
        const contentKey = keys.get(dir(j.stage)) ?? argvKey(j.kind, j.argv, dir(j.stage), o.root, keys);
        keys.set(dir(j.stage), contentKey);
        jobs.push({ ...j, id, dir: dir(j.stage), arm: arm.name, seed, configHash: hashArgv(j.argv, o.root), contentKey });
        return id;
      };
      // An arm that fine-tunes another arm's encoder has no pretraining, labels or probe of its own.
      const base = arm.pretrain?.kind === 'encoderOf' ? arm.pretrain.arm : null;
      if (base && !o.suite.arms.some((a) => a.name === base && a.pretrain && a.pretrain.kind !== 'encoderOf')) throw new Error(`suite ${o.suite.name}: arm ${arm.name} fine-tunes the encoder of ${base}, which is not a pretrained arm of the suite`);
      if (base && !arms.some((a) => a.name === base)) throw new BirqError(`arm ${arm.name} fine-tunes the encoder of arm ${base}: include ${base} in --arms`);
      const pre = base ? `${base}/seed-${seed}/pretrain` : arm.pretrain ? add(pretrainJob(arm, seed, p, suiteSet, dir('pretrain'), pretrainDirOf)) : null;
      const preDir = base ? pretrainDirOf(base) : dir('pretrain');
      // A CTC fine-tune of this arm's encoder and its evaluation on each test split: phones on every labeled budget,
      // and characters decoded with the LM (weight and bonus tuned on a dev split) where the suite reports words.
      // `evalArgs(first)`: the decoder arguments of each test split's eval; `first` names the first test split's eval
      // (stage id and its eval JSON) for those after it, so that dev tuning runs once per model (`--tuned-from`).
      type EvalArgs = (first: { id: string; out: string } | null) => string[];
      const fineTune = (stage: string, budget: string, vocab: 'phones' | 'chars', steps: number, evalArgs: EvalArgs, evalS: number, laterEvalS = evalS) => {
        const from = pre ? ['--from', preDir] : ['--supervised', '--encoder', p.encoder];
        const ft = add({
          stage, kind: 'finetune', deps: pre ? [pre] : [], steps, estS: p.cost.stageS + steps * p.cost.finetune,
          argv: ['finetune', ...from, '--preset', p.finetunePreset, '--vocab', vocab, '--split', budget, '--corpus', `austen-${p.corpus}`,
            ...sets([...p.finetuneSet, ...(arm.finetuneSet ?? []), `run.steps=${steps}`, `seed=${seed}`]), '--run-dir', dir(stage), '--json'],
        });
        const evalStage = stage.replace(/^finetune-/, 'eval-');
        let first: { id: string; out: string } | null = null;
        for (const test of p.evalSplits) {
          const out = path.join(dir(`${evalStage}-${test}`), 'eval.json');
          const args = evalArgs(first);
          const id = add({ stage: `${evalStage}-${test}`, kind: 'eval', deps: first && args.includes(first.out) ? [ft, first.id] : [ft], steps: 0, estS: first ? laterEvalS : evalS,
            argv: ['eval', '--checkpoint', dir(stage), '--split', test, '--corpus', `austen-${p.corpus}`, ...args, '--out', out, '--json', '--quiet'] });
          first ??= { id, out };
        }
      };
      for (const [budget, steps] of suiteBudgets(o.suite, p)) fineTune(`finetune-${budget}`, budget, 'phones', steps, () => [], p.cost.evalS);
      if (p.chars && o.suite.words) {
        const c = p.chars;
        const lm = ['--lm', 'builtin', '--decoder', 'beam'];
        // The LM weight and bonus are chosen on dev once, by the first test split's eval; the others reuse them.
        fineTune(`finetune-${c.budget}-chars`, c.budget, 'chars', c.steps,
          (first) => (first ? [...lm, '--tuned-from', first.out] : [...lm, '--lm-weight', c.lmWeights.join(','), '--bonus', c.bonuses.join(','), '--tune-split', c.tuneSplit]),
          (1 + c.lmWeights.length * c.bonuses.length / 3) * p.cost.evalS, 2 * p.cost.evalS);
      }
      if (base) continue;
      if (pre) {
        add({ stage: `labels-${p.labelSplit}`, kind: 'labels', deps: [pre], steps: 0, estS: p.cost.labelsS,
          argv: ['labels', '--run', dir('pretrain'), '--split', p.labelSplit, '--no-kmeans', '--out', path.join(dir(`labels-${p.labelSplit}`), 'labels.json'), '--json', '--quiet'] });
      }
      // The probe of a pretrained encoder, and for the supervised arm the same encoder at initialization.
      const probeFrom = pre ? ['--run', dir('pretrain')] : ['--init', p.pretrainPreset.bestrq, '--seed', String(seed)];
      const probeArgs = ['--corpus', `austen-${p.corpus}`, '--train-split', p.probeFitSplit, '--eval-split', p.labelSplit, '--json', '--quiet'];
      add({ stage: `probe-${p.labelSplit}`, kind: 'probe', deps: pre ? [pre] : [], steps: 0, estS: p.cost.probeS, argv: ['probe', ...probeFrom, ...probeArgs] });
      // Part-way probes: the checkpoints pretrainJob keeps.
      // Step 0 is this run's encoder at initialization (`--init RUN_DIR`: its own config and seed).
      for (const step of pre ? probeSteps(arm, p) : [])
        add({ stage: `probe-${p.labelSplit}-at-${step}`, kind: 'probe', deps: [pre!], steps: 0, estS: p.cost.probeS,
          argv: ['probe', ...(step === 0 ? ['--init', dir('pretrain')] : ['--checkpoint', path.join(dir('pretrain'), 'checkpoints', `step-${String(step).padStart(7, '0')}.ckpt`)]), ...probeArgs] });
    }
  }
  return jobs;
}

function pretrainJob(arm: Arm, seed: number, p: SuiteProfile, suiteSet: string[], dir: string, pretrainDirOf: (arm: string) => string): Omit<Job, 'id' | 'dir' | 'arm' | 'seed' | 'configHash' | 'contentKey'> {
  const a = arm.pretrain!;
  if (a.kind === 'ssl') {
    const steps = Math.round(p.pretrainSteps * (a.stepsScale ?? 1));
    const argv = ['pretrain', '--preset', p.pretrainPreset[a.task], ...sets([...p.pretrainSet, ...suiteSet, ...(a.set ?? []), `run.steps=${steps}`, `seed=${seed}`]), '--run-dir', dir];
    const probed = probeSteps(arm, p).filter((s) => s > 0);
    if (probed.length) {
      // Keep every checkpoint back to the first probed step (a run keeps its last N).
      const every = (resolvedPretrainConfig(argv) as { run: { checkpointEvery: number } }).run.checkpointEvery;
      const off = probed.find((s) => s % every !== 0 || s >= steps);
      if (off !== undefined) throw new Error(`arm ${arm.name}: probeAt step ${off} is not a checkpoint step (every ${every}, before ${steps})`);
      argv.splice(argv.indexOf('--run-dir'), 0, '--set', `run.keepCheckpoints=${Math.ceil((steps - Math.min(...probed)) / every) + 1}`);
    }
    return { stage: 'pretrain', kind: 'pretrain', deps: [], steps, estS: p.cost.stageS + steps * p.cost[a.task], argv };
  }
  if (a.kind !== 'relabel') throw new Error(`arm ${arm.name} has no pretraining of its own`);
  // The student trains as long as an online arm; its cost per step is BEST-RQ's (one label stream, no branch).
  return {
    stage: 'pretrain', kind: 'relabel', deps: [`${a.teacher}/seed-${seed}/pretrain`], steps: p.pretrainSteps, estS: p.cost.stageS + p.pretrainSteps * p.cost.bestrq,
    argv: ['relabel', '--teacher', pretrainDirOf(a.teacher), '--k', String(a.k), ...sets([...(a.set ?? []), `run.steps=${p.pretrainSteps}`]), '--run-dir', dir],
  };
}

function sets(list: string[]): string[] {
  return list.flatMap((s) => ['--set', s]);
}

/** The labeled budgets a suite fine-tunes on at a profile, smallest first (the profile lists them so), and their steps. */
export function suiteBudgets(suite: Pick<Suite, 'smallestBudgetOnly'>, p: SuiteProfile): [string, number][] {
  const all = Object.entries(p.finetuneSteps);
  return suite.smallestBudgetOnly ? all.slice(0, 1) : all;
}

/** The pretraining steps at which an arm is also probed part-way (`probeAt`, multiples of the profile's steps). */
function probeSteps(arm: Arm, p: SuiteProfile): number[] {
  return arm.pretrain?.kind === 'ssl' ? (arm.pretrain.probeAt ?? []).map((m) => Math.round(m * p.pretrainSteps)) : [];
}

/** The config `birq pretrain --preset P --set ...` trains with (what its config.json records). */
function resolvedPretrainConfig(argv: string[]): unknown {
  let c = presetConfig(argv[argv.indexOf('--preset') + 1]);
  argv.forEach((a, i) => {
    if (a === '--set') c = applyOverride(c, argv[i + 1]);
  });
  return c;
}

/** A stage's argv with its own directory as `@self` and each input directory as `@<its key>`. */
function argvKey(kind: StageKind, argv: string[], own: string, root: string, keys: Map<string, string>): string {
  const under = (a: string, d: string) => a === d || a.startsWith(d + path.sep);
  const named = argv.map((a) => {
    if (!a.startsWith(root)) return a;
    if (under(a, own)) return `@self${a.slice(own.length)}`;
    for (const [d, k] of keys) if (under(a, d)) return `@${k}${a.slice(d.length)}`;
    return path.relative(root, a);
  });
  return hash([kind, named]);
}

function hash(v: unknown): string {
  return createHash('sha1').update(JSON.stringify(v)).digest('hex').slice(0, 16);
}

function hashArgv(argv: string[], root: string): string {
  // Paths inside the suite directory are relative, so a moved suite directory keeps its hashes.
  const rel = argv.map((a) => (a.startsWith(root) ? path.relative(root, a) : a));
  return createHash('sha1').update(JSON.stringify(rel)).digest('hex').slice(0, 12);
}
