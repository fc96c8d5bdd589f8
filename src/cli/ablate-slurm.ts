/**
 * `birq ablate --suite NAME --executor slurm [--partition P] [--gpus-per-job N] [--time HH:MM:SS] [--account A]
 *   [--cpus-per-task N] [--sbatch OPT ...] [--wait] [--dry-run]`
 * Submits the suite's unfinished stages as Slurm job arrays (src/experiments/slurm.ts) and returns; a second call
 * submits only what is neither finished nor still queued. `--wait` stays until the tasks end. When nothing is
 * left to submit or wait for, it writes results.csv and the report, as a local run does.
 */
import { writeReport } from '../experiments/report';
import { ablate, suiteJobs } from '../experiments/runner';
import { SlurmExecutor } from '../experiments/slurm';
import { isFinished } from '../experiments/stage';
import { Flags } from './args';

type SuiteArgs = Parameters<typeof suiteJobs>[0];

export async function slurm(o: SuiteArgs & { profile: string }, flags: Flags): Promise<number> {
  const { root, jobs } = suiteJobs(o);
  const wait = Boolean(flags.wait);
  const exec = new SlurmExecutor({
    root, suite: o.suite, profile: o.profile, wait, dryRun: Boolean(flags['dry-run']),
    partition: flags.partition as string | undefined, account: flags.account as string | undefined, time: flags.time as string | undefined,
    gpusPerJob: flags['gpus-per-job'] as number | undefined, cpusPerTask: flags['cpus-per-task'] as number | undefined,
    sbatchArgs: flags.sbatch as string[] | undefined,
  });
  if (flags['dry-run']) {
    // Nothing written: the plan's unfinished stages as the scripts they would become (job ids as {stage}).
    await exec.execute(jobs.filter((j) => !isFinished(j)), { prepare: (j) => j.argv, started() {}, finished() {}, tick() {} });
    return 0;
  }
  const r = await ablate({ ...o, executor: exec, quiet: Boolean(flags.quiet) || !wait });
  const sub = exec.lastSubmission;
  const out = (s: string) => process.stdout.write(s);
  const submitted = sub.arrays.reduce((a, x) => a + x.tasks.length, 0);
  out(`suite ${o.suite} (${o.profile}) on slurm: ${r.skipped.length} stages already finished, ${sub.queued.length} still queued, ${submitted} submitted -> ${r.root}\n`);
  for (const a of sub.arrays) out(`  ${a.jobId.padEnd(8)} ${a.group.padEnd(32)} ${a.tasks.length} task(s)${a.dependency ? `  after ${a.dependency}` : ''}\n`);
  if (wait) {
    out(`  ${r.ran.length} stages run, ${r.failed.length} failed\n`);
    for (const f of r.failed) out(`  failed ${f.message}\n`);
  }
  const settled = wait || (!submitted && !sub.queued.length);
  if (!settled) {
    out(`follow it: birq ablate --suite ${o.suite} --profile ${o.profile}${o.root ? ` --root ${o.root}` : ''} --status\n`);
    return 0;
  }
  if (!flags['no-report'] && !r.failed.length) {
    const rep = writeReport(r.root);
    out(`report: ${rep.md}\n        ${rep.html}\n${rep.headline.map((l) => `  ${l}`).join('\n')}\n`);
  }
  return r.failed.length ? 1 : 0;
}
