/**
 * `ablate`: run a suite to completion, resuming whatever an earlier run left. Reads top to bottom:
 *   plan the jobs → build the corpus → take the suite's lock → skip finished stages → run the rest on an executor,
 *   recording each finished stage (stage.json, rows in results.jsonl) → export results.csv.
 * A stage whose twin (same content key) has finished in another suite is adopted from it, not run (share.ts).
 * A stage is finished when its directory holds stage.json with the same config hash; an interrupted pretraining,
 * relabeling or fine-tuning stage continues from its last checkpoint (`--resume`, exact), other stages start
 * again (they are minutes). stage.ts does this for every executor.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { builtinCorpus } from '../data/builtin';
import { gitCommit } from '../train/run-dir';
import { BirqError } from '../util/errors';
import { writeFileAtomic, writeJsonAtomic } from '../util/fs';
import { runsRoot } from '../util/paths';
import { formatDuration } from '../util/progress';
import { Executor, LocalExecutor, StageOutcome } from './executor';
import { Job, planSuite } from './plan';
import { SuiteProfile, suiteProfile } from './profiles';
import { adoptTwins, defaultShareRoots, twinsOf } from './share';
import { isFinished, prepareStage, recordStage, safeRead } from './stage';
import { readRows, ResultRow, toCsv } from './store';
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
  /**
   * Suite directories whose finished stages may be adopted (share.ts). Default: every other suite's default
   * directory at this profile when `root` is the default, none when it is not; `[]` turns sharing off.
   */
  shareFrom?: string[];
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
  /** Stages adopted from their finished twins in other suites, and where from. */
  shared: { id: string; from: string }[];
  failed: { id: string; message: string }[];
  rows: ResultRow[];
}

/** The seeds an earlier runner recorded in suite.json (0 when there is none or it cannot be read). */
export function plannedSeeds(root: string): number {
  const n = safeRead<{ seeds?: unknown }>(path.join(root, 'suite.json'))?.seeds;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : 0;
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
  const release = takeLock(root, [...new Set(jobs.map((j) => j.arm))]);
  const resultsFile = path.join(root, 'results.jsonl');
  const commit = gitCommit() ?? 'unknown';
  // suite.json describes the whole suite (every arm), whichever arms this runner runs, and every seed planned so
  // far: a runner asked for fewer seeds than an earlier one (a quick first pass) does not shrink the plan.
  const seeds = Math.max(o.seeds ?? profile.seeds, plannedSeeds(root));
  const whole = suiteJobs({ ...o, seeds, arms: undefined }).jobs;
  writeJsonAtomic(path.join(root, 'suite.json'), {
    suite: suite.name, what: suite.what, paper: suite.paper, profile, seeds, commit,
    arms: suite.arms,
    jobs: whole.map(({ id, kind, argv, deps, estS, steps, configHash, contentKey }) => ({ id, kind, argv, deps, estS, steps, configHash, contentKey })),
  });
  killOrphans(jobs);
  const meta = { suite: suite.name, profile: profile.name, commit, resultsFile };
  const shareFrom = o.shareFrom ?? (o.root ? [] : defaultShareRoots(path.dirname(root), profile.name, root));
  const unfinished = jobs.filter((j) => !isFinished(j));
  const shared = adoptTwins(unfinished, twinsOf(unfinished, profile, shareFrom), meta);
  const adopted = new Set(shared.map((s) => s.id));
  const todo = unfinished.filter((j) => !adopted.has(j.id));
  const skipped = jobs.filter((j) => !todo.includes(j)).map((j) => j.id);
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
          // A batch task records its own stage on its node (stage.ts); the local executor's are recorded here.
          if (!out.recorded) recordStage(job, out, meta);
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
  return { root, jobs, ran, skipped, shared, failed, rows };
}

function failureMessage(job: Job, out: StageOutcome): string {
  const why = out.signal ? `killed by ${out.signal}` : out.code === null ? out.stderrTail : `exit ${out.code}`;
  return `${job.id}: ${why}${out.code !== null || out.signal ? `\n    ${out.stderrTail.split('\n').join('\n    ')}` : ''}\n    logs: ${job.dir}/stderr.log`;
}

/**
 * One runner per arm: two runners may share a suite directory (e.g. `--arms birq` beside `--arms bestrq`, one
 * process each) but never an arm, which would run the same stages twice. Each runner leaves
 * `.lock-<pid>` listing its arms; a lock whose process is gone is stale and removed.
 */
function takeLock(root: string, arms: string[]): () => void {
  for (const f of fs.readdirSync(root).filter((f) => /^\.lock-\d+$/.test(f))) {
    const pid = Number(f.slice(6));
    if (!alive(pid)) {
      fs.rmSync(path.join(root, f), { force: true });
      continue;
    }
    const theirs: string[] = JSON.parse(fs.readFileSync(path.join(root, f), 'utf8') || '[]');
    const both = arms.filter((a) => theirs.includes(a));
    if (both.length && pid !== process.pid) throw new BirqError(`another birq ablate (pid ${pid}) is running arm ${both.join(', ')} of this suite`, root);
  }
  const lock = path.join(root, `.lock-${process.pid}`);
  fs.writeFileSync(lock, JSON.stringify(arms));
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
