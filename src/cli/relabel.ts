/**
 * `birq relabel --teacher RUN [--k 100] [--layer K] [--fit-split pretrain] [--set key=value ...] [--run-dir DIR] [--resume]`
 * Offline HuBERT-style relabeling (src/tasks/offline-relabel.ts): k-means on the teacher's block k, then
 * pretrain a new encoder on those targets. The result is a pretraining run: `birq finetune --from DIR`.
 */
import * as path from 'node:path';
import { initBackend } from '../backend';
import { applyOverride, PretrainConfig } from '../train/config';
import { readPretrainingCheckpoint } from '../finetune/model';
import { relabelStudentConfig, runOfflineRelabel } from '../tasks/offline-relabel';
import { fail } from '../util/errors';
import { runsRoot } from '../util/paths';
import { parseFlags } from './args';

export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('relabel', args, {
    teacher: { type: 'string', help: 'pretraining run (or checkpoint) to cluster' },
    k: { type: 'number', help: 'k-means clusters (default 100)', range: { integer: true, min: 2 } },
    layer: { type: 'number', help: "teacher block to cluster (default the teacher's enhanced.layer)", range: { integer: true, min: 1 } },
    'fit-split': { type: 'string' },
    set: { type: 'list', help: 'student config override key=value (e.g. run.steps=2000)' },
    'run-dir': { type: 'string' },
    resume: { type: 'boolean', help: "continue the student from the run directory's latest checkpoint" },
    quiet: { type: 'boolean' },
    'skip-bad': { type: 'boolean', help: 'use the good part of a corpus with problems (default: refuse, listing them)' },
  });
  if (flags['skip-bad']) process.env.BIRQ_SKIP_BAD = '1';
  if (!flags.teacher) fail('relabel: give --teacher (a pretraining run directory)');
  const k = (flags.k as number | undefined) ?? 100;
  const sets = (flags.set as string[] | undefined) ?? [];
  const edit = (c: PretrainConfig) => sets.reduce((acc, s) => applyOverride(acc, s), c);
  // Every input against the teacher (k, --layer within its depth, the student's --set keys) before the backend loads.
  relabelStudentConfig(readPretrainingCheckpoint(flags.teacher as string).config, { k, layer: flags.layer as number | undefined, edit });
  await initBackend({ quiet: Boolean(flags.quiet) });
  const runDir = (flags['run-dir'] as string | undefined) ?? path.join(runsRoot(), `relabel-k${k}-${path.basename(path.resolve(flags.teacher as string))}`);
  const r = await runOfflineRelabel({
    teacher: flags.teacher as string, k, layer: flags.layer as number | undefined, fitSplit: flags['fit-split'] as string | undefined,
    edit, runDir, resume: Boolean(flags.resume), quiet: Boolean(flags.quiet),
  });
  process.stdout.write(JSON.stringify(r) + '\n');
  return 0;
}
