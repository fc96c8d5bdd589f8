/**
 * `ablate`: run a suite to completion, resuming whatever an earlier run left. Reads top to bottom:
 *   plan the jobs → build the corpus → take the suite's lock → skip finished stages → run the rest on an executor,
 *   recording each finished stage (stage.json, rows in results.jsonl) → export results.csv.
 * A stage is finished when its directory holds stage.json with the same config hash; an interrupted pretraining
 * stage continues from its last checkpoint (`--resume`, exact), other stages start again (they are minutes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinCorpus } from '../data/builtin';
import { gitCommit } from '../train/run-dir';
import { BirqError } from '../util/errors';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../util/fs';
import { runsRoot } from '../util/paths';
import { formatDuration } from '../util/progress';
import { Executor, LocalExecutor, StageOutcome } from './executor';
import { Job, planSuite } from './plan';
import { SuiteProfile, suiteProfile } from './profiles';
import { appendRows, dropStageRows, numericLeaves, readRows, ResultRow, toCsv } from './store';
import { Suite, suite as findSuite } from './suites';

export interface AblateOptions {
  suite: string;
  profile: string;
  /** Seeds 1..N (default: the profile's, at least 3). */
  seeds?: number;
  arms?: string[];
  /** Suite directory (default runsRoot()/suites/<suite>-<profile>). */
  root?: string;
  executor?: Executor;
  /** Parallel local jobs (default: one per core). */
  jobs?: number;
  quiet?: boolean;
  onProgress?: (p: SuiteProgress) => void;
}

export interface SuiteProgress {
  done: number;
  total: number;
  running: string[];
  /** Estimated-seconds units: done / total of the whole suite, and the ETA from the pace of this run. */
  fraction: number;
  elapsedS: number;
  etaS: number;
  failed: string[];
}

export interface AblateResult {
  root: string;
  jobs: Job[];
  ran: string[];
  skipped: string[];
  failed: { id: string; message: string }[];
  rows: ResultRow[];
}

export function suiteDir(suite: string, profile: string): string {
  return path.join(runsRoot(), 'suites', `${suite}-${profile}`);
}

export function suiteJobs(o: { suite: string; profile: string; seeds?: number; arms?: string[]; root?: string }): { suite: Suite; profile: SuiteProfile; jobs: Job[]; root: string } {
  const s = findSuite(o.suite);
  const p = suiteProfile(o.profile);
  const root = path.resolve(o.root ?? suiteDir(o.suite, o.profile));
  const n = o.seeds ?? p.seeds;
  if (!(Number.isInteger(n) && n >= 1)) throw new BirqError(`--seeds must be a positive integer, got ${n}`);
  const unknown = (o.arms ?? []).filter((a) => !s.arms.some((x) => x.name === a));
  if (unknown.length) throw new BirqError(`suite ${s.name} has no arm ${unknown.join(', ')} (arms: ${s.arms.map((a) => a.name).join(', ')})`);
  return { suite: s, profile: p, root, jobs: planSuite({ suite: s, profile: p, seeds: Array.from({ length: n }, (_, i) => i + 1), root, arms: o.arms }) };
}

export async function ablate(o: AblateOptions): Promise<AblateResult> {
  const { suite, profile, jobs, root } = suiteJobs(o);
  builtinCorpus(profile.corpus, { build: true });
  fs.mkdirSync(root, { recursive: true });
  const release = takeLock(root);
  const resultsFile = path.join(root, 'results.jsonl');
  const commit = gitCommit() ?? 'unknown';
  writeJsonAtomic(path.join(root, 'suite.json'), {
    suite: suite.name, what: suite.what, paper: suite.paper, profile, seeds: o.seeds ?? profile.seeds, commit,
    arms: suite.arms.filter((a) => !o.arms?.length || o.arms.includes(a.name)),
    jobs: jobs.map(({ id, kind, argv, deps, estS, steps, configHash }) => ({ id, kind, argv, deps, estS, steps, configHash })),
  });
  killOrphans(jobs);
  const skipped = jobs.filter(isFinished).map((j) => j.id);
  const todo = jobs.filter((j) => !skipped.includes(j.id));
  const executor = o.executor ?? new LocalExecutor({ jobs: o.jobs });
  const ran: string[] = [];
  const failed: AblateResult['failed'] = [];
  const progress = suiteProgress(jobs, skipped, o);
  const onSignal = () => executor.stop();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await executor.execute(todo, {
      prepare: (job) => prepareStage(job, resultsFile),
      started: (job) => progress.started(job),
      finished: (job, out) => {
        if (out.ok) {
          recordStage(job, out, { suite: suite.name, profile: profile.name, commit, resultsFile });
          ran.push(job.id);
        } else failed.push({ id: job.id, message: failureMessage(job, out) });
        progress.finished(job, out.ok);
      },
      tick: (running) => progress.tick(running),
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    progress.close();
    release();
  }
  const rows = readRows(resultsFile, (m) => process.stderr.write(`[ablate] ${m}\n`));
  writeFileAtomic(path.join(root, 'results.csv'), toCsv(rows));
  return { root, jobs, ran, skipped, failed, rows };
}

function isFinished(job: Job): boolean {
  const f = path.join(job.dir, 'stage.json');
  if (!fs.existsSync(f)) return false;
  try {
    return readJson<{ configHash: string }>(f, 'stage record').configHash === job.configHash;
  } catch {
    return false; // a torn record: run the stage again
  }
}

/** Pretraining continues from its checkpoint; any other unfinished stage starts over in a clean directory. */
function prepareStage(job: Job, resultsFile: string): string[] {
  dropStageRows(resultsFile, job.arm, job.seed, job.stage);
  const resumable = job.kind === 'pretrain' && fs.existsSync(path.join(job.dir, 'checkpoints', 'latest.json'));
  if (resumable) return [...job.argv, '--resume'];
  fs.rmSync(job.dir, { recursive: true, force: true });
  return job.argv;
}

function recordStage(job: Job, out: StageOutcome, o: { suite: string; profile: string; commit: string; resultsFile: string }): void {
  const time = new Date().toISOString();
  const rows: ResultRow[] = Object.entries(numericLeaves(out.result)).map(([metric, value]) => ({
    suite: o.suite, profile: o.profile, arm: job.arm, seed: job.seed, stage: job.stage, metric, value,
    runDir: job.dir, configHash: job.configHash, commit: o.commit, wallS: Math.round(out.wallS * 10) / 10, steps: job.steps, time,
  }));
  appendRows(o.resultsFile, rows);
  // Last: the record that marks the stage finished (so a kill before it reruns the stage, never loses its rows).
  writeJsonAtomic(path.join(job.dir, 'stage.json'), { id: job.id, kind: job.kind, argv: job.argv, configHash: job.configHash, wallS: out.wallS, steps: job.steps, commit: o.commit, finishedAt: time, result: out.result });
}

function failureMessage(job: Job, out: StageOutcome): string {
  const why = out.signal ? `killed by ${out.signal}` : out.code === null ? out.stderrTail : `exit ${out.code}`;
  return `${job.id}: ${why}${out.code !== null || out.signal ? `\n    ${out.stderrTail.split('\n').join('\n    ')}` : ''}\n    logs: ${job.dir}/stderr.log`;
}

/** One runner per suite directory: a second one would run the same stages twice. */
function takeLock(root: string): () => void {
  const lock = path.join(root, '.lock');
  if (fs.existsSync(lock)) {
    const pid = Number(fs.readFileSync(lock, 'utf8'));
    if (pid && pid !== process.pid && alive(pid)) throw new BirqError(`another birq ablate (pid ${pid}) is running this suite`, root);
  }
  fs.writeFileSync(lock, String(process.pid));
  return () => fs.rmSync(lock, { force: true });
}

/** Stages left running by a runner that was killed outright (SIGKILL) are stopped before they are rerun. */
function killOrphans(jobs: Job[]): void {
  for (const j of jobs) {
    const f = path.join(j.dir, 'job.pid');
    if (!fs.existsSync(f)) continue;
    const pid = Number(fs.readFileSync(f, 'utf8'));
    if (pid && alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    fs.rmSync(f, { force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}


/**
 * One progress display for the whole suite, in estimated-seconds units; the ETA comes from the pace of this run
 * (work done since it started), so stages skipped as finished do not make it optimistic.
 */
function suiteProgress(jobs: Job[], skipped: string[], o: AblateOptions) {
  const est = new Map(jobs.map((j) => [j.id, j.estS]));
  const total = jobs.reduce((a, j) => a + j.estS, 0);
  let doneEst = skipped.reduce((a, id) => a + est.get(id)!, 0);
  const startEst = doneEst;
  const t0 = Date.now();
  let done = skipped.length;
  const running = new Map<string, number>();
  const failed: string[] = [];
  let lastPrint = 0;
  const emit = (force = false) => {
    const partial = [...running].reduce((a, [id, f]) => a + f * est.get(id)!, 0);
    const now = doneEst + partial;
    const elapsedS = (Date.now() - t0) / 1000;
    const pace = now > startEst ? elapsedS / (now - startEst) : NaN;
    const p: SuiteProgress = { done, total: jobs.length, running: [...running.keys()], fraction: total ? now / total : 1, elapsedS, etaS: Number.isFinite(pace) ? pace * (total - now) : NaN, failed };
    o.onProgress?.(p);
    if (o.quiet) return;
    const tty = process.stderr.isTTY;
    if (!force && Date.now() - lastPrint < (tty ? 1000 : 30000)) return;
    lastPrint = Date.now();
    const bar = '█'.repeat(Math.round(p.fraction * 20)).padEnd(20, '░');
    const eta = Number.isFinite(p.etaS) ? formatDuration(p.etaS) : '?';
    const line = `suite ${bar} ${(100 * p.fraction).toFixed(0)}% stages ${done}/${jobs.length} ${formatDuration(elapsedS)}<${eta}${failed.length ? ` failed ${failed.length}` : ''} running: ${p.running.join(', ') || '-'}`;
    process.stderr.write(tty ? `\r${line.slice(0, (process.stderr.columns ?? 160) - 1)}\x1b[K` : `${line}\n`);
  };
  return {
    started: (j: Job) => (running.set(j.id, 0), emit(true)),
    finished: (j: Job, ok: boolean) => {
      running.delete(j.id);
      if (ok) (doneEst += est.get(j.id)!), done++;
      else failed.push(j.id);
      emit(true);
    },
    tick: (r: Map<string, number>) => {
      for (const [id, f] of r) running.set(id, f);
      emit();
    },
    close: () => {
      emit(true);
      if (!o.quiet && process.stderr.isTTY) process.stderr.write('\n');
    },
  };
}
