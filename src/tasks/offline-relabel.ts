/**
 * Offline HuBERT-style relabeling (Hsu et al. 2021; the paper's Table 1(c) comparison, docs/method.md §7): take a
 * pretrained teacher, cluster its block-k outputs with k-means (fit on the pretraining split), and pretrain a new
 * encoder from scratch by masked prediction of those cluster ids, computed from the teacher on the unmasked input.
 *
 * The student is BEST-RQ's task with its anchor labels replaced: `KMeansTargetTask` (kmeans-targets.ts) overrides
 * `anchorLabels`, so masking, the masked cross-entropy, the head and the metrics are exactly BEST-RQ's, and the
 * only difference between the two is where the targets come from. The student's config is the teacher's with
 * task 'bestrq' and anchor.codes = k (so `birq finetune --from` reads it like any pretraining run).
 *
 * The student runs in the one training loop (train/loop.ts) with this task in place of the config's, so it gets
 * accumulation, the non-finite stop, checkpoints and exact resume like any pretraining run. Its run directory
 * adds kmeans.json (the clusters, reloaded on resume rather than refit) and `offlineRelabel` in config.json.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { kmeansFromJSON, kmeansToJSON } from '../quantizers/kmeans';
import { BirqError } from '../util/errors';
import { checkRange } from '../util/ranges';
import { readJson, writeJsonAtomic } from '../util/fs';
import { PretrainConfig, validateConfig } from '../train/config';
import { fitLayerKMeansAsync, loadPretrainedRunAsync } from '../evaluate/label-streams';
import { train } from '../train/loop';
import { runPaths } from '../train/run-dir';
import { KMeansTargetTask } from './kmeans-targets';

export interface OfflineRelabelOptions {
  /** Teacher pretraining run (or checkpoint). */
  teacher: string;
  k: number;
  /** Teacher block to cluster (default: the teacher's enhanced.layer). */
  layer?: number;
  fitSplit?: string;
  maxFitFrames?: number;
  /** Edits of the student config (steps, lr, ...), applied after it is derived from the teacher's. */
  edit?: (c: PretrainConfig) => PretrainConfig;
  runDir: string;
  /** Continue the student from the run directory's latest checkpoint (the k-means is reloaded, not refit). */
  resume?: boolean;
  /** Stop (after checkpointing) once this many steps are done: simulates an interruption. */
  stopAtStep?: number;
  quiet?: boolean;
}

export interface OfflineRelabelResult {
  runDir: string;
  checkpoint: string;
  kmeansFile: string;
  lastLoss: number;
}

/**
 * The one check of a relabeling's inputs against its teacher, before anything is fit: k, the layer within the
 * teacher's depth, and the student config (the teacher's with task bestrq and anchor.codes = k, then `edit`).
 * Returns the validated student config and the layer. The CLI calls it before loading the backend.
 */
export function relabelStudentConfig(tc: PretrainConfig, o: Pick<OfflineRelabelOptions, 'k' | 'layer' | 'edit'>): { config: PretrainConfig; layer: number } {
  checkRange('--k (k-means clusters)', o.k, { integer: true, min: 2 });
  const layer = o.layer ?? tc.enhanced.layer;
  checkRange(`--layer (a block of the teacher's ${tc.encoder.blocks})`, layer, { integer: true, min: 1, max: tc.encoder.blocks });
  let c = structuredClone(tc); // already filled with today's defaults by loadPretrainedRun / readPretrainingCheckpoint
  c.task = 'bestrq';
  c.anchor = { ...c.anchor, codes: o.k, books: 1 };
  if (o.edit) c = o.edit(c);
  return { config: validateConfig(c), layer };
}

export async function runOfflineRelabel(o: OfflineRelabelOptions): Promise<OfflineRelabelResult> {
  const teacher = await loadPretrainedRunAsync(o.teacher);
  const tc = teacher.config;
  let student: ReturnType<typeof relabelStudentConfig>;
  try {
    student = relabelStudentConfig(tc, o);
  } catch (e) {
    teacher.task.dispose();
    throw e;
  }
  const { layer } = student;
  const paths = runPaths(o.runDir);
  const kmeansFile = path.join(o.runDir, 'kmeans.json');
  let task: KMeansTargetTask | null = null;
  try {
    if (tc.data.source !== 'corpus') throw new BirqError('the teacher was pretrained on the toy source; offline relabeling needs a corpus run', teacher.file);
    if (!o.resume && fs.existsSync(paths.metrics) && fs.statSync(paths.metrics).size > 0)
      throw new BirqError('run directory already has metrics; pass --resume or choose a new --run-dir', o.runDir);
    const fitSplit = o.fitSplit ?? tc.data.split;
    const km = o.resume && fs.existsSync(kmeansFile)
      ? kmeansFromJSON(readJson(kmeansFile, 'k-means'), kmeansFile)
      : await fitLayerKMeansAsync(teacher, tc.data.corpus, fitSplit, { k: o.k, layer, maxFrames: o.maxFitFrames, seed: tc.seed });
    const c = student.config;
    fs.mkdirSync(o.runDir, { recursive: true });
    if (!fs.existsSync(kmeansFile) || !o.resume) writeJsonAtomic(kmeansFile, kmeansToJSON(km));
    task = new KMeansTargetTask(c, teacher.task.encoder, layer, km);
    const r = await train({
      config: c, task, runDir: o.runDir, resume: o.resume, stopAtStep: o.stopAtStep, quiet: o.quiet,
      record: { offlineRelabel: { teacher: teacher.file, teacherStep: teacher.step, teacherTask: tc.task, layer, k: o.k, fitSplit, kmeansIterations: km.iterations, kmeansInertia: km.inertia.at(-1) } },
    });
    task = null; // train() disposed it (the student's encoder); the teacher's stays with the teacher's task
    return { runDir: o.runDir, checkpoint: r.checkpoint ?? '', kmeansFile, lastLoss: r.metrics.at(-1)?.G ?? NaN };
  } finally {
    task?.dispose();
    teacher.task.dispose();
  }
}
