/**
 * A stage's life on disk, one set of functions for every executor: whether it is finished (stage.json with the
 * same config hash), how it starts (resumed from its checkpoint, or afresh in a clean directory), and how a
 * finished stage is recorded (its rows in results.jsonl, then stage.json). The local runner calls these in its
 * own process; a Slurm array task calls them on a compute node, since it cannot call back into the process that
 * submitted it. So results.jsonl may be rewritten by several processes at once, on a shared filesystem:
 * every change to it is made under a lock.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BirqError } from '../util/errors';
import { readJson, writeJsonAtomic } from '../util/fs';
import { StageOutcome } from './executor';
import { Job, StageKind } from './plan';
import { appendRows, dropStageRows, numericLeaves, ResultRow } from './store';

export interface RecordMeta {
  suite: string;
  profile: string;
  commit: string;
  resultsFile: string;
}

/** Stages that continue from their last checkpoint (exact resume); the others are minutes and start over. */
export const RESUMABLE: readonly StageKind[] = ['pretrain', 'relabel', 'finetune'];

export function isFinished(job: Job): boolean {
  const f = path.join(job.dir, 'stage.json');
  if (!fs.existsSync(f)) return false;
  try {
    return readJson<{ configHash: string }>(f, 'stage record').configHash === job.configHash;
  } catch {
    return false; // a torn record: run the stage again
  }
}

/**
 * The argv to start a stage with: `--resume` where its directory holds a checkpoint of the same configuration,
 * otherwise the plain argv in a clean directory. Its old rows go first, so a failed rerun leaves none stale.
 * `stage-start.json` names the config a directory was started with: a checkpoint of another config is not resumed
 * (directories from before this record existed are trusted, as the runner always did).
 */
export function prepareStage(job: Job, resultsFile: string): string[] {
  withResultsLock(resultsFile, () => dropStageRows(resultsFile, job.arm, job.seed, job.stage));
  const start = path.join(job.dir, 'stage-start.json');
  const prev = fs.existsSync(start) ? safeRead<StageStart>(start) : undefined;
  const sameConfig = !fs.existsSync(start) || prev?.configHash === job.configHash;
  const resumable = RESUMABLE.includes(job.kind) && sameConfig && fs.existsSync(path.join(job.dir, 'checkpoints', 'latest.json'));
  // The compute of earlier, interrupted attempts: from their start to the last thing they wrote (their logs and
  // metrics are written as they go), so a stage resumed across sessions reports all the time it took.
  const priorWallS = resumable && prev?.startedAt ? (prev.priorWallS ?? 0) + Math.max(0, (lastWrite(job.dir) - Date.parse(prev.startedAt)) / 1000) : 0;
  if (!resumable) fs.rmSync(job.dir, { recursive: true, force: true });
  fs.mkdirSync(job.dir, { recursive: true });
  writeJsonAtomic(start, { id: job.id, configHash: job.configHash, startedAt: new Date().toISOString(), priorWallS } satisfies StageStart);
  return resumable ? [...job.argv, '--resume'] : job.argv;
}

interface StageStart {
  id: string;
  configHash: string;
  startedAt?: string;
  /** Seconds spent by the attempts before this one (0 for a fresh start). */
  priorWallS?: number;
}

function lastWrite(dir: string): number {
  const times = ['stderr.log', 'stdout.log', 'metrics.jsonl', 'events.jsonl'].map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f)).map((f) => fs.statSync(f).mtimeMs);
  return times.length ? Math.max(...times) : 0;
}

/** Rows of a finished stage, then stage.json: last, so a kill before it reruns the stage and never loses rows. */
export function recordStage(job: Job, out: StageOutcome, o: RecordMeta): void {
  const priorWallS = safeRead<StageStart>(path.join(job.dir, 'stage-start.json'))?.priorWallS ?? 0;
  commitStage(job, { result: out.result, wallS: out.wallS + priorWallS, lastAttemptWallS: out.wallS, commit: o.commit }, o);
}

export interface StageRecord {
  result: unknown;
  /** Compute the result took (every attempt), and the commit that computed it. */
  wallS: number;
  lastAttemptWallS?: number;
  commit: string;
  /** A stage adopted from its twin in another suite (share.ts): the directory that computed it. */
  sharedFrom?: string;
}

/** Write a finished stage's rows, then its stage.json. */
export function commitStage(job: Job, r: StageRecord, o: RecordMeta): void {
  const time = new Date().toISOString();
  const rows: ResultRow[] = Object.entries(numericLeaves(r.result)).map(([metric, value]) => ({
    suite: o.suite, profile: o.profile, arm: job.arm, seed: job.seed, stage: job.stage, metric, value,
    runDir: job.dir, configHash: job.configHash, commit: r.commit, wallS: Math.round(r.wallS * 10) / 10, steps: job.steps, time,
    ...(r.sharedFrom ? { sharedFrom: r.sharedFrom } : {}),
  }));
  withResultsLock(o.resultsFile, () => {
    // A task requeued after it recorded, or recorded twice, must not leave two sets of rows.
    dropStageRows(o.resultsFile, job.arm, job.seed, job.stage);
    appendRows(o.resultsFile, rows);
  });
  const { result, ...rest } = r;
  writeJsonAtomic(path.join(job.dir, 'stage.json'), { id: job.id, kind: job.kind, argv: job.argv, configHash: job.configHash, contentKey: job.contentKey, ...rest, steps: job.steps, finishedAt: time, result });
}

/**
 * Runs `fn` holding `<file>.lock`, a directory (mkdir is atomic, also on NFS). A lock older than a minute is a
 * holder killed mid-update (an update takes milliseconds) and is broken.
 */
export function withResultsLock<T>(file: string, fn: () => T): T {
  const lock = `${file}.lock`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 60_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        /* released meanwhile */
      }
      if (Date.now() > until) throw new BirqError(`could not take the results lock in 2 minutes`, lock);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 + Math.random() * 30);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/** A JSON file's value, or null when it is missing or unreadable. */
export function safeRead<T>(file: string): T | null {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}
