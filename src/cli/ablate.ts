/**
 * `birq ablate --suite NAME [--profile smoke|quick|protocol] [--seeds N] [--jobs N] [--arms a,b] [--root DIR]`
 * `birq ablate --list [--profile P]`      suites, arms and the estimated cost of each at each profile
 * `birq ablate --suite NAME --status`     per stage: done, running, failed or pending
 * `birq ablate --suite NAME --dry-run`    the commands the suite would run, nothing run
 * `birq ablate --suite NAME --executor slurm [--partition P] [--gpus-per-job N] [--time HH:MM:SS] [--account A]
 *   [--wait] [--dry-run]`                 the same suite as Slurm job arrays (ablate-slurm.ts, docs/cluster.md)
 * Runs a suite of the paper's ablations (src/experiments), resuming what an earlier run left, then writes its
 * report (`birq report`). Arms run as separate processes, one per core, one BLAS thread each.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SUITE_PROFILES } from '../experiments/profiles';
import { writeReport } from '../experiments/report';
import { ablate, suiteJobs } from '../experiments/runner';
import { defaultShareRoots, twinsOf } from '../experiments/share';
import { formatStatus, hasSlurmRecords, runSlurmTask, slurmStatus } from '../experiments/slurm';
import { slurm } from './ablate-slurm';
import { SUITES } from '../experiments/suites';
import { fail } from '../util/errors';
import { readJson } from '../util/fs';
import { formatDuration } from '../util/progress';
import { parseFlags } from './args';

export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('ablate', args, {
    suite: { type: 'string', help: `one of ${Object.keys(SUITES).join(', ')}`, choices: Object.keys(SUITES) },
    profile: { type: 'string', help: `one of ${Object.keys(SUITE_PROFILES).join(', ')} (default: quick)`, choices: Object.keys(SUITE_PROFILES) },
    seeds: { type: 'number', help: 'seeds 1..N (default: the profile\'s, 3)', range: { integer: true, min: 1 } },
    jobs: { type: 'number', help: 'parallel stages (default: one per core)', range: { integer: true, min: 1 } },
    arms: { type: 'string', help: 'comma-separated arms (default: all)' },
    root: { type: 'string', help: 'suite directory (default $BIRQ_RUNS/suites/<suite>-<profile>)' },
    list: { type: 'boolean', help: 'list suites, arms and estimated costs' },
    status: { type: 'boolean', help: 'show the state of every stage and exit' },
    'dry-run': { type: 'boolean', help: 'print the commands, run nothing' },
    'no-report': { type: 'boolean', help: 'do not write report.md / report.html at the end' },
    'no-share': { type: 'boolean', help: 'run every stage here, even where another suite has finished its twin' },
    'share-from': { type: 'string', help: 'comma-separated suite directories whose finished twins may be adopted (default: every other suite at this profile, when --root is not given)' },
    quiet: { type: 'boolean' },
    executor: { type: 'string', choices: ['local', 'slurm'], help: 'local processes (default) or Slurm job arrays (docs/cluster.md)' },
    partition: { type: 'string', help: 'slurm: partition (sbatch --partition)' },
    account: { type: 'string', help: 'slurm: account (sbatch --account)' },
    time: { type: 'string', help: 'slurm: wall-clock limit per task, HH:MM:SS' },
    'gpus-per-job': { type: 'number', help: 'slurm: GPUs per task (--gres=gpu:N)' },
    'cpus-per-task': { type: 'number', help: 'slurm: CPUs per task = BLAS threads (default 1)' },
    sbatch: { type: 'list', help: 'slurm: one more sbatch option, e.g. --sbatch=--qos=long (repeatable)' },
    wait: { type: 'boolean', help: 'slurm: stay until the submitted tasks end, then write the report' },
    'slurm-task': { type: 'string', help: 'internal: run one Slurm array task from its task list' },
  });
  if (flags['slurm-task']) return runSlurmTask(flags['slurm-task'] as string);
  const profile = (flags.profile as string | undefined) ?? 'quick';
  if (flags.list) return list(flags.profile as string | undefined);
  if (!flags.suite) fail('ablate: give --suite NAME (--list shows them)');
  const o = { suite: flags.suite as string, profile, seeds: flags.seeds as number | undefined, root: flags.root as string | undefined, arms: flags.arms ? String(flags.arms).split(',').map((s) => s.trim()).filter(Boolean) : undefined };
  const arms = SUITES[o.suite].arms.map((a) => a.name);
  for (const a of o.arms ?? []) if (!arms.includes(a)) fail(`--arms: must be comma-separated arms of ${o.suite} (${arms.join(', ')}), got '${a}'`);
  if (o.arms && !o.arms.length) fail(`--arms: must name one or more arms of ${o.suite} (${arms.join(', ')}), got '${flags.arms}'`);
  if (flags.status) return status(o);
  if (flags.executor === 'slurm') return slurm(o, flags);
  if (flags['dry-run']) {
    const { jobs } = suiteJobs(o);
    for (const j of jobs) process.stdout.write(`# ${j.id}${j.deps.length ? `  (after ${j.deps.join(', ')})` : ''}  ~${formatDuration(j.estS)}\nbirq ${j.argv.map(quote).join(' ')}\n`);
    return 0;
  }
  const shareFrom = flags['no-share'] ? [] : flags['share-from'] ? String(flags['share-from']).split(',').filter(Boolean).map((d) => path.resolve(d)) : undefined;
  const r = await ablate({ ...o, shareFrom, jobs: flags.jobs as number | undefined, quiet: Boolean(flags.quiet) });
  const fromOthers = r.shared.length ? ` (${r.shared.length} of them adopted from twins in other suites)` : '';
  process.stdout.write(`suite ${o.suite} (${profile}): ${r.ran.length} stages run, ${r.skipped.length} already finished${fromOthers}, ${r.failed.length} failed -> ${r.root}\n`);
  for (const f of r.failed) process.stdout.write(`  failed ${f.message}\n`);
  if (!flags['no-report']) {
    const rep = writeReport(r.root);
    process.stdout.write(`report: ${rep.md}\n        ${rep.html}\n${rep.headline.map((l) => `  ${l}`).join('\n')}\n`);
  }
  return r.failed.length ? 1 : 0;
}

function list(only?: string): number {
  const profiles = only ? [only] : Object.keys(SUITE_PROFILES);
  for (const p of profiles) if (!SUITE_PROFILES[p]) fail(`ablate: unknown profile '${p}' (choose one of ${Object.keys(SUITE_PROFILES).join(', ')})`);
  for (const p of profiles) process.stdout.write(`profile ${p}: ${SUITE_PROFILES[p].what}\n`);
  for (const s of Object.values(SUITES)) {
    process.stdout.write(`\n${s.name}: ${s.what}\n  paper: ${s.paper}\n`);
    const costs = profiles.map((p) => {
      const { jobs } = suiteJobs({ suite: s.name, profile: p, root: '/tmp/_list' });
      const perArm = new Map<string, number>();
      for (const j of jobs) perArm.set(j.arm, (perArm.get(j.arm) ?? 0) + j.estS);
      return { p, jobs, perArm, seeds: SUITE_PROFILES[p].seeds };
    });
    for (const a of s.arms) {
      const c = costs.map(({ p, perArm, seeds }) => `${p} ${formatDuration((perArm.get(a.name) ?? 0) / seeds)}/seed`).join(', ');
      process.stdout.write(`  ${a.name.padEnd(14)} ${a.what}\n  ${''.padEnd(14)} cost on one core: ${c}\n`);
    }
    for (const { p, jobs, seeds } of costs) {
      const total = jobs.reduce((x, j) => x + j.estS, 0);
      process.stdout.write(`  whole suite at ${p}: ${jobs.length} stages, ${seeds} seeds, ~${formatDuration(total)} of one core (~${formatDuration(total / 2)} on 2 cores)\n`);
    }
  }
  return 0;
}

function status(o: Parameters<typeof suiteJobs>[0]): number {
  const { jobs, root, profile } = suiteJobs(o);
  if (hasSlurmRecords(root)) return process.stdout.write(formatStatus(slurmStatus(jobs, root), root)), 0;
  const state = (dir: string) => {
    if (fs.existsSync(path.join(dir, 'stage.json'))) return 'done';
    const pid = path.join(dir, 'job.pid');
    if (fs.existsSync(pid)) {
      try {
        process.kill(Number(fs.readFileSync(pid, 'utf8')), 0);
        return 'running';
      } catch {
        return 'interrupted';
      }
    }
    return fs.existsSync(dir) ? 'interrupted' : 'pending';
  };
  // Unfinished stages whose twin another suite has finished: the next run adopts them (share.ts).
  const twins = twinsOf(jobs, profile, o.root ? [] : defaultShareRoots(path.dirname(root), profile.name, root));
  const states = new Map(jobs.map((j) => [j.id, state(j.dir)]));
  const counts: Record<string, number> = {};
  for (const j of jobs) {
    const s = states.get(j.id)!;
    counts[s] = (counts[s] ?? 0) + 1;
    const twin = s !== 'done' ? twins.get(j.contentKey) : undefined;
    const extra = s === 'done' ? `  ${readJson<{ wallS: number }>(path.join(j.dir, 'stage.json'), 'stage record').wallS.toFixed(0)} s` : twin ? `  (its twin is finished: ${path.relative(path.dirname(root), twin.dir)}; the next run adopts it)` : '';
    process.stdout.write(`${s.padEnd(12)} ${j.id}${extra}\n`);
  }
  // What is left to compute: the estimated cost of the unfinished stages that have no finished twin.
  const open = jobs.filter((j) => states.get(j.id) !== 'done');
  const left = open.filter((j) => !twins.has(j.contentKey));
  const adoptable = open.length - left.length;
  process.stdout.write(`${root}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}${adoptable ? ` (${adoptable} of them adoptable from twins)` : ''}; left to compute ~${formatDuration(left.reduce((a, j) => a + j.estS, 0))} of one core\n`);
  return 0;
}

function quote(a: string): string {
  return /^[\w./=:,@+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
