/**
 * The Slurm executor: a suite's stages as job arrays on a Slurm cluster, with Slurm as the only scheduler.
 *
 * Stages of one name (pretrain, finetune-<budget>, ...) become one array, one task per arm × seed; the task index
 * is the arm × seed's, the same in every array, so a stage waits on the same arm × seed's earlier stage with
 * `aftercorr` (afterok, task by task: one failed arm does not hold back the others) and on another arm's stage
 * (a relabeling student on its teacher) with `afterok:<job>_<task>`. `--kill-on-invalid-dep` drops a task whose
 * dependency failed, instead of leaving it pending forever. Each task runs `birq ablate --slurm-task` on its
 * node, which starts the same `birq` argv the local executor starts (spawnStage) and records the stage itself
 * (stage.ts): the submitting process may be long gone. Tasks are `--requeue`: a preempted or requeued task
 * starts again and continues from its checkpoint, as does a rerun of `birq ablate` after a cancel.
 *
 *   <suite>/slurm/jobs.json                 per stage, the array job and task that last ran it
 *   <suite>/slurm/submissions.jsonl         every sbatch: array job id, script, tasks, dependency
 *   <suite>/slurm/NNN-<stage>.sbatch        the scripts, with their task lists (NNN-<stage>.tasks.json)
 *   <suite>/slurm/logs/                     what the task wrapper itself prints (Slurm's --output)
 *   <stage dir>/stdout.log, stderr.log      the stage's own output, as locally
 *   <stage dir>/slurm-task.json             each attempt: job, node, argv, environment, how it ended
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gitCommit } from '../train/run-dir';
import { BirqError } from '../util/errors';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../util/fs';
import { dataRoot, runsRoot } from '../util/paths';
import { birqCommand, Executor, ExecutorHooks, jobFraction, repoRoot, spawnStage, StageOutcome, tail } from './executor';
import { Job } from './plan';
import { isFinished, prepareStage, RecordMeta, recordStage } from './stage';

export interface SlurmOptions {
  root: string;
  suite: string;
  profile: string;
  partition?: string;
  account?: string;
  /** Wall-clock limit per task, HH:MM:SS (or any form sbatch --time takes). */
  time?: string;
  gpusPerJob?: number;
  /** CPUs per task (default 1): BIRQ_BLAS_THREADS follows SLURM_CPUS_PER_TASK. */
  cpusPerTask?: number;
  /** More sbatch options, one per item (e.g. --qos=long). */
  sbatchArgs?: string[];
  /** Print the scripts, submit and write nothing. */
  dryRun?: boolean;
  /** Stay until every submitted task ended, reporting each to the runner (default: submit and return). */
  wait?: boolean;
  pollS?: number;
  /** Environment of the Slurm commands (e.g. SLURM_CONF); default this process's. */
  env?: NodeJS.ProcessEnv;
  print?: (text: string) => void;
}

/** Where a stage last went: its array job and task. */
export interface SlurmRecord {
  jobId: string;
  task: number;
  group: string;
  script: string;
  submittedAt: string;
}

export interface Submission {
  arrays: { group: string; jobId: string; tasks: string[]; dependency: string; script: string }[];
  /** Stages left alone because Slurm is still running them or has them queued. */
  queued: string[];
}

/** What a task runs: its job, by array index, and how to record it. */
interface TaskManifest {
  meta: RecordMeta;
  tasks: Record<string, Job>;
}

/** Task states after which Slurm will not run the task again by itself. */
const ENDED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'PREEMPTED', 'NODE_FAIL', 'OUT_OF_MEMORY', 'BOOT_FAIL', 'DEADLINE', 'REVOKED']);
const NEVER = 'DependencyNeverSatisfied';

export class SlurmExecutor implements Executor {
  readonly name = 'slurm';
  lastSubmission: Submission = { arrays: [], queued: [] };
  private stopped = false;

  constructor(private o: SlurmOptions) {
    if (o.time !== undefined && !/^(\d+-)?\d+(:\d{1,2}){0,2}$/.test(o.time)) throw new BirqError(`--time must be HH:MM:SS (or D-HH:MM:SS, MM), got '${o.time}'`);
    for (const [k, v] of [['--gpus-per-job', o.gpusPerJob], ['--cpus-per-task', o.cpusPerTask]] as const)
      if (v !== undefined && !(Number.isInteger(v) && v >= (k === '--gpus-per-job' ? 0 : 1))) throw new BirqError(`${k} must be a ${k === '--gpus-per-job' ? 'non-negative' : 'positive'} integer, got ${v}`);
  }

  private get dir(): string {
    return path.join(this.o.root, 'slurm');
  }

  async execute(jobs: Job[], hooks: ExecutorHooks): Promise<void> {
    const records = this.o.dryRun ? {} : readRecords(this.o.root);
    const queue = this.o.dryRun ? new Map<string, QueueEntry>() : squeue(Object.values(records).map((r) => r.jobId), this.o.env);
    // Stages Slurm still has are left to it; one whose dependency failed will never run: cancel it, resubmit it.
    const kept = new Map<string, SlurmRecord>();
    for (const j of jobs) {
      const r = records[j.id];
      const q = r && queue.get(`${r.jobId}_${r.task}`);
      if (!q || ENDED.has(q.state)) continue;
      if (q.reason === NEVER) scancel(`${r.jobId}_${r.task}`, this.o.env);
      else kept.set(j.id, r);
    }
    const todo = jobs.filter((j) => !kept.has(j.id));
    this.lastSubmission = { arrays: [], queued: [...kept.keys()] };
    const submitted = this.submit(todo, kept);
    if (this.o.dryRun || !this.o.wait) return;
    await this.follow(jobs, { ...records, ...submitted }, hooks);
  }

  /** Writes and submits the arrays in dependency order; returns where each stage went. */
  private submit(todo: Job[], kept: Map<string, SlurmRecord>): Record<string, SlurmRecord> {
    const byId = new Map(todo.map((j) => [j.id, j]));
    const index = new Map<string, number>();
    for (const j of todo) if (!index.has(`${j.arm}/${j.seed}`)) index.set(`${j.arm}/${j.seed}`, index.size);
    // A job's level: 0 without a dependency in this submission, else one more than its deepest one's.
    const level = new Map<string, number>();
    const levelOf = (j: Job): number => {
      if (!level.has(j.id)) level.set(j.id, Math.max(0, ...j.deps.filter((d) => byId.has(d)).map((d) => 1 + levelOf(byId.get(d)!))));
      return level.get(j.id)!;
    };
    const placed = new Map<string, SlurmRecord>();
    const records = readRecords(this.o.root);
    let n = this.o.dryRun ? 0 : countSubmissions(this.dir);
    const names = new Set<string>();
    for (const lv of [...new Set(todo.map(levelOf))].sort((a, b) => a - b)) {
      const groups = new Map<string, { stage: string; dependency: string; jobs: Job[] }>();
      for (const j of todo.filter((x) => levelOf(x) === lv)) {
        const dependency = j.deps.flatMap((d) => {
          const up = placed.get(d) ?? kept.get(d);
          if (!up) return []; // finished, or outside this run's arms: counts as done
          const upJob = byId.get(d);
          const sameTask = placed.has(d) && upJob && upJob.arm === j.arm && upJob.seed === j.seed;
          return [sameTask ? `aftercorr:${up.jobId}` : `afterok:${up.jobId}_${up.task}`];
        }).sort().join(',');
        const key = `${j.stage}|${j.kind}|${dependency}`;
        (groups.get(key) ?? groups.set(key, { stage: j.stage, dependency, jobs: [] }).get(key)!).jobs.push(j);
      }
      // Longest first: Slurm starts equal-priority jobs in submission order, and pretraining gates the most.
      const cost = (g: { jobs: Job[] }) => g.jobs.reduce((a, j) => a + j.estS, 0);
      for (const g of [...groups.values()].sort((a, b) => cost(b) - cost(a))) {
        let name = g.stage.replace(/[^\w.-]/g, '_');
        for (let k = 2; names.has(name); k++) name = `${g.stage}-${k}`;
        names.add(name);
        const base = path.join(this.dir, `${String(++n).padStart(3, '0')}-${name}`);
        const tasks = Object.fromEntries(g.jobs.map((j) => [String(index.get(`${j.arm}/${j.seed}`)), j]));
        const script = this.script(name, base, tasks, g.dependency);
        let jobId = `{${name}}`;
        if (this.o.dryRun) (this.o.print ?? ((t) => process.stdout.write(t)))(`# ---- ${base}.sbatch\n${script}\n`);
        else {
          fs.mkdirSync(path.join(this.dir, 'logs'), { recursive: true });
          const manifest: TaskManifest = { meta: { suite: this.o.suite, profile: this.o.profile, commit: gitCommit() ?? 'unknown', resultsFile: path.join(this.o.root, 'results.jsonl') }, tasks };
          writeJsonAtomic(`${base}.tasks.json`, manifest);
          writeFileAtomic(`${base}.sbatch`, script);
          jobId = sbatch(`${base}.sbatch`, this.o.env);
          const submittedAt = new Date().toISOString();
          for (const [task, j] of Object.entries(tasks)) records[j.id] = { jobId, task: Number(task), group: name, script: `${base}.sbatch`, submittedAt };
          // Recorded after every sbatch, so a failure half way leaves what was submitted known.
          writeJsonAtomic(path.join(this.dir, 'jobs.json'), records);
          fs.appendFileSync(path.join(this.dir, 'submissions.jsonl'), JSON.stringify({ group: name, jobId, script: `${base}.sbatch`, dependency: g.dependency, tasks: Object.fromEntries(Object.entries(tasks).map(([t, j]) => [t, j.id])), time: submittedAt }) + '\n');
        }
        for (const [task, j] of Object.entries(tasks)) placed.set(j.id, { jobId, task: Number(task), group: name, script: `${base}.sbatch`, submittedAt: '' });
        this.lastSubmission.arrays.push({ group: name, jobId, tasks: g.jobs.map((j) => j.id), dependency: g.dependency, script: `${base}.sbatch` });
      }
    }
    return Object.fromEntries(placed);
  }

  private script(name: string, base: string, tasks: Record<string, Job>, dependency: string): string {
    const o = this.o;
    const sb = [
      `--job-name=birq-${o.suite}-${o.profile}-${name}`.slice(0, 120),
      `--array=${Object.keys(tasks).join(',')}`,
      `--cpus-per-task=${o.cpusPerTask ?? 1}`,
      `--output=${path.join(this.dir, 'logs', `${name}_%A_%a.out`)}`,
      '--open-mode=append',
      '--requeue',
      ...(dependency ? [`--dependency=${dependency}`, '--kill-on-invalid-dep=yes'] : []),
      ...(o.partition ? [`--partition=${o.partition}`] : []),
      ...(o.account ? [`--account=${o.account}`] : []),
      ...(o.time ? [`--time=${o.time}`] : []),
      ...(o.gpusPerJob ? [`--gres=gpu:${o.gpusPerJob}`] : []),
      ...(o.sbatchArgs ?? []),
    ];
    // The submitting shell's paths, explicitly: a task on another node must find the same shared data and runs.
    const exports: Record<string, string> = { BIRQ_DATA: dataRoot(), BIRQ_RUNS: runsRoot() };
    for (const [k, v] of Object.entries(process.env)) if (k.startsWith('BIRQ_') && k !== 'BIRQ_BLAS_THREADS' && v !== undefined && !(k in exports)) exports[k] = v;
    return [
      '#!/bin/bash',
      `# birq ablate: suite ${o.suite} (${o.profile}), stage ${name}, ${Object.keys(tasks).length} task(s), one per arm x seed.`,
      '# Each task runs its stage and records it (stage.json, rows in results.jsonl); the task list is',
      `# ${base}.tasks.json. BIRQ_BLAS_THREADS follows SLURM_CPUS_PER_TASK.`,
      ...sb.map((s) => `#SBATCH ${s}`),
      ...Object.entries(tasks).map(([t, j]) => `#   task ${t}: ${j.id}: birq ${j.argv.map(shellQuote).join(' ')}`),
      ...Object.entries(exports).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
      `cd ${shellQuote(repoRoot())}`,
      `exec ${[...birqCommand(), 'ablate', '--slurm-task', `${base}.tasks.json`].map(shellQuote).join(' ')}`,
      '',
    ].join('\n');
  }

  /** Polls squeue until no stage of this run is left to Slurm, reporting starts, progress and ends. */
  private async follow(jobs: Job[], where: Record<string, SlurmRecord>, hooks: ExecutorHooks): Promise<void> {
    const open = new Map(jobs.filter((j) => where[j.id]).map((j) => [j.id, j]));
    const started = new Set<string>();
    while (open.size && !this.stopped) {
      const q = squeue([...new Set([...open.keys()].map((id) => where[id].jobId))], this.o.env);
      const running = new Map<string, number>();
      for (const [id, job] of open) {
        const r = where[id];
        const e = q.get(`${r.jobId}_${r.task}`);
        if (e?.reason === NEVER) scancel(`${r.jobId}_${r.task}`, this.o.env);
        else if (e && !ENDED.has(e.state)) {
          if (e.state === 'RUNNING') {
            if (!started.has(id)) started.add(id), hooks.started(job);
            running.set(id, jobFraction(job));
          }
          continue;
        }
        open.delete(id);
        hooks.finished(job, outcomeOf(job, e));
      }
      hooks.tick(running);
      if (open.size) await new Promise((r) => setTimeout(r, (this.o.pollS ?? 5) * 1000));
    }
  }

  /** Stops following; the tasks stay Slurm's (cancel them with scancel, see docs/cluster.md). */
  stop(): void {
    this.stopped = true;
  }
}

function outcomeOf(job: Job, e: QueueEntry | undefined): StageOutcome {
  if (isFinished(job)) {
    const s = readJson<{ wallS: number; result: unknown }>(path.join(job.dir, 'stage.json'), 'stage record');
    return { ok: true, code: 0, signal: null, wallS: s.wallS, result: s.result, stderrTail: '', recorded: true };
  }
  const last = readTaskRecord(job)?.attempts.at(-1);
  const why = e ? `slurm: ${e.state}${e.reason && e.reason !== 'None' ? ` (${e.reason})` : ''}` : 'slurm: the task is gone from the queue';
  return { ok: false, code: last?.code ?? null, signal: last?.signal ?? null, wallS: 0, result: null, stderrTail: [why, tail(path.join(job.dir, 'stderr.log'), 5)].filter(Boolean).join('\n') };
}

// ---- the array task, on the compute node ----------------------------------------------------------------------

interface TaskAttempt {
  jobId: string;
  task: number;
  restart: number;
  node: string;
  argv: string[];
  environment: Record<string, string>;
  start: string;
  end?: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  code?: number | null;
  signal?: string | null;
}

/** `birq ablate --slurm-task FILE`: runs this array task's stage and records it; the exit status is Slurm's verdict. */
export async function runSlurmTask(manifestFile: string): Promise<number> {
  const m = readJson<TaskManifest>(manifestFile, 'slurm task list');
  const idx = process.env.SLURM_ARRAY_TASK_ID;
  const job = idx !== undefined ? m.tasks[idx] : undefined;
  if (!job) throw new BirqError(`no task ${idx ?? '(SLURM_ARRAY_TASK_ID unset)'} in ${manifestFile}`);
  const say = (s: string) => process.stderr.write(`[birq slurm-task] ${job.id}: ${s}\n`);
  if (isFinished(job)) {
    say('already finished (stage.json), nothing to do'); // a requeue after the record was written
    return 0;
  }
  const argv = prepareStage(job, m.meta.resultsFile);
  const env: NodeJS.ProcessEnv = { ...process.env, BIRQ_BLAS_THREADS: process.env.SLURM_CPUS_PER_TASK ?? '1' };
  const attempt: TaskAttempt = {
    jobId: process.env.SLURM_ARRAY_JOB_ID ?? process.env.SLURM_JOB_ID ?? '?', task: Number(idx), restart: Number(process.env.SLURM_RESTART_COUNT ?? 0),
    node: os.hostname(), argv, environment: taskEnvironment(env), start: new Date().toISOString(), state: 'running',
  };
  const record = readTaskRecord(job) ?? { id: job.id, attempts: [] };
  record.attempts.push(attempt);
  const save = () => writeJsonAtomic(path.join(job.dir, 'slurm-task.json'), record);
  save();
  say(`${argv.includes('--resume') ? 'resuming' : 'starting'} on ${attempt.node}: birq ${argv.join(' ')}`);
  const { child, outcome } = spawnStage(job, argv, env);
  // scancel, preemption and the time limit send SIGTERM (then SIGKILL after KillWait): pass it on, note it.
  let signalled: string | null = null;
  const onSignal = (sig: NodeJS.Signals) => {
    signalled = sig;
    child.kill(sig);
  };
  for (const s of ['SIGTERM', 'SIGINT', 'SIGUSR1'] as const) process.on(s, onSignal);
  const out = await outcome;
  if (out.ok) recordStage(job, { ...out, recorded: true }, m.meta);
  Object.assign(attempt, { end: new Date().toISOString(), state: out.ok ? 'done' : signalled ? 'cancelled' : 'failed', code: out.code, signal: out.signal ?? signalled });
  save();
  say(out.ok ? `done in ${out.wallS.toFixed(1)} s` : `${attempt.state} (exit ${out.code}${out.signal ? `, ${out.signal}` : ''}); logs: ${job.dir}/stderr.log`);
  return out.ok ? 0 : 1;
}

/** What an attempt ran under: Slurm's variables, ours, the GPUs it was given, the node. */
function taskEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const keep = /^(SLURM_|BIRQ_|CUDA_VISIBLE_DEVICES$|GPU_DEVICE_ORDINAL$|OMP_NUM_THREADS$|HOSTNAME$|USER$)/;
  const e = Object.fromEntries(Object.entries(env).filter(([k, v]) => keep.test(k) && v !== undefined && !/TOKEN|SECRET|PASS/i.test(k)).sort()) as Record<string, string>;
  return { ...e, node: os.hostname(), nodeVersion: process.version, cpus: String(os.cpus().length), memGB: String(Math.round(os.totalmem() / 2 ** 30)) };
}

function readTaskRecord(job: Job): { id: string; attempts: TaskAttempt[] } | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(job.dir, 'slurm-task.json'), 'utf8'));
  } catch {
    return null;
  }
}

// ---- status ---------------------------------------------------------------------------------------------------

export type StageState = 'done' | 'running' | 'pending' | 'failed' | 'missing';

export interface StageStatus {
  id: string;
  state: StageState;
  /** Slurm job and task, e.g. 12_3. */
  slurmId?: string;
  /** Why: pending reason, Slurm's end state, the failing step and last stderr line. */
  detail: string;
  log?: string;
}

export function hasSlurmRecords(root: string): boolean {
  return fs.existsSync(path.join(root, 'slurm', 'jobs.json'));
}

/** Each stage's state from its directory, the queue (squeue, sacct for jobs squeue forgot) and the task records. */
export function slurmStatus(jobs: Job[], root: string, env?: NodeJS.ProcessEnv, warn = (m: string) => process.stderr.write(`${m}\n`)): StageStatus[] {
  const records = readRecords(root);
  const ids = [...new Set(Object.values(records).map((r) => r.jobId))];
  let q = new Map<string, QueueEntry>();
  try {
    q = squeue(ids, env);
  } catch (e) {
    // Off the cluster (or slurmctld down) the run directories still say what finished and what did not.
    warn(`warning: Slurm not reachable, states from the run directories only (queued tasks show as failed): ${(e as Error).message.split('\n')[0]}`);
  }
  const forgotten = ids.filter((id) => ![...q.keys()].some((k) => k.startsWith(`${id}_`)));
  const acct = forgotten.length ? sacct(forgotten, env) : new Map<string, QueueEntry>();
  return jobs.map((j) => {
    const r = records[j.id];
    const slurmId = r ? `${r.jobId}_${r.task}` : undefined;
    const log = path.join(j.dir, 'stderr.log');
    if (isFinished(j)) return { id: j.id, state: 'done', slurmId, detail: `${readJson<{ wallS: number }>(path.join(j.dir, 'stage.json'), 'stage record').wallS.toFixed(0)} s` };
    if (!r) return { id: j.id, state: 'missing', detail: 'not submitted' };
    const e = q.get(slurmId!) ?? acct.get(slurmId!);
    if (e && !ENDED.has(e.state)) {
      if (e.state === 'RUNNING') return { id: j.id, state: 'running', slurmId, detail: `${Math.round(100 * jobFraction(j))}% on ${e.node || '?'}`, log };
      return { id: j.id, state: e.reason === NEVER ? 'failed' : 'pending', slurmId, detail: `${e.state.toLowerCase()} (${e.reason})` };
    }
    const step = lastStep(j);
    const last = tail(log, 8).split('\n').filter((l) => !/[░█]/.test(l)).pop() ?? '';
    const how = e ? e.state : readTaskRecord(j)?.attempts.at(-1)?.state ?? 'ended, no record';
    return { id: j.id, state: 'failed', slurmId, detail: [how, e?.reason && e.reason !== 'None' ? e.reason : '', step, last].filter(Boolean).join('; '), log: fs.existsSync(log) ? log : undefined };
  });
}

export function formatStatus(rows: StageStatus[], root: string): string {
  const counts: Record<string, number> = {};
  const width = Math.max(0, ...rows.map((s) => s.id.length));
  const lines = rows.map((s) => {
    counts[s.state] = (counts[s.state] ?? 0) + 1;
    return `${s.state.padEnd(8)} ${s.id.padEnd(width)} ${(s.slurmId ?? '').padEnd(10)} ${s.detail}${s.log && s.state === 'failed' ? `\n${''.padEnd(9)}log: ${s.log}` : ''}`;
  });
  return `${lines.join('\n')}\n${root}: ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}\n`;
}

/** How far a stopped stage got: its last logged training step and its checkpoint (what a rerun resumes from). */
function lastStep(job: Job): string {
  const parts: string[] = [];
  const metrics = path.join(job.dir, 'metrics.jsonl');
  if (fs.existsSync(metrics)) {
    const steps = fs.readFileSync(metrics, 'utf8').split('\n').map((l) => /^\{"step":(\d+),"lr"/.exec(l)?.[1]).filter(Boolean);
    if (steps.length) parts.push(`last logged step ${Number(steps.at(-1)) + 1}/${job.steps}`);
  }
  try {
    parts.push(`checkpoint at step ${JSON.parse(fs.readFileSync(path.join(job.dir, 'checkpoints', 'latest.json'), 'utf8')).step}`);
  } catch {
    /* none yet */
  }
  return parts.join(', ');
}

// ---- Slurm's commands -----------------------------------------------------------------------------------------

interface QueueEntry {
  state: string;
  reason: string;
  node: string;
}

function slurm(cmd: string, args: string[], env?: NodeJS.ProcessEnv) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: env ?? process.env });
  if (r.error) throw new BirqError(`${cmd}: ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (is this a Slurm login node? Slurm\'s client commands must be on PATH)' : r.error.message}`);
  return r;
}

/** Array tasks of these jobs that slurmctld still knows (active, and ended ones until MinJobAge), by `job_task`. */
function squeue(jobIds: string[], env?: NodeJS.ProcessEnv): Map<string, QueueEntry> {
  const out = new Map<string, QueueEntry>();
  if (!jobIds.length) return out;
  const r = slurm('squeue', ['--noheader', '--array', '--states=all', `--jobs=${jobIds.join(',')}`, '--format=%i|%T|%r|%N'], env);
  // Every id unknown (all purged) is an error to squeue, not an empty list.
  if (r.status !== 0) {
    if (/Invalid job id/i.test(r.stderr)) return out;
    throw new BirqError(`squeue failed: ${r.stderr.trim()}`);
  }
  for (const line of r.stdout.split('\n')) {
    const [id, state, reason, node] = line.trim().split('|');
    if (id && state) out.set(id.includes('_') ? id : `${id}_0`, { state: state.replace(/\+$/, ''), reason: reason ?? '', node: node ?? '' });
  }
  return out;
}

/** Ended tasks from accounting, when the cluster has it (sacct says so when it does not: then nothing). */
function sacct(jobIds: string[], env?: NodeJS.ProcessEnv): Map<string, QueueEntry> {
  const out = new Map<string, QueueEntry>();
  const r = spawnSync('sacct', ['--noheader', '--parsable2', '--allocations', `--jobs=${jobIds.join(',')}`, '--format=JobID,State,NodeList'], { encoding: 'utf8', env: env ?? process.env });
  if (r.status !== 0 || r.error) return out;
  for (const line of r.stdout.split('\n')) {
    const [id, state, node] = line.trim().split('|');
    if (id?.includes('_') && state) out.set(id, { state: state.split(' ')[0], reason: '', node: node ?? '' });
  }
  return out;
}

function sbatch(script: string, env?: NodeJS.ProcessEnv): string {
  const r = slurm('sbatch', ['--parsable', script], env);
  if (r.status !== 0) throw new BirqError(`sbatch refused ${script}: ${r.stderr.trim()}`);
  // --parsable prints "<job id>" or "<job id>;<cluster>".
  const id = r.stdout.trim().split(';')[0];
  if (!/^\d+$/.test(id)) throw new BirqError(`sbatch printed no job id for ${script}: ${r.stdout.trim()}`);
  return id;
}

function scancel(id: string, env?: NodeJS.ProcessEnv): void {
  slurm('scancel', [id], env);
}

function readRecords(root: string): Record<string, SlurmRecord> {
  const f = path.join(root, 'slurm', 'jobs.json');
  return fs.existsSync(f) ? readJson<Record<string, SlurmRecord>>(f, 'slurm job records') : {};
}

function countSubmissions(dir: string): number {
  const f = path.join(dir, 'submissions.jsonl');
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0;
}

export function shellQuote(a: string): string {
  return /^[\w./=:,@+%-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}
