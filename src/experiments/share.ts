/**
 * Stages shared across suites. Many arms are the same run under another name: table2's `birq` is table1-layer's
 * `k4`, enhanced-norm's `utterance`, gumbel-mode's `soft`, tau's `tau-0.5`, penalty's `ratio-24`; table2's
 * `bestrq` is penalty's `bestrq` and protocol-sweep's `p0.04-lr0.001`. Runs are bit-exact, so a stage whose
 * content key (plan.ts: the resolved config, inputs named by their keys) equals that of a stage already finished
 * in another suite has that stage's result: the runner adopts it instead of spending hours on it again.
 *
 * Adopting copies the finished directory as hard links (a copy where the filesystem refuses them), so the twin
 * can later be rerun or deleted without touching this one, and writes this stage's own stage.json and rows,
 * which name the directory they came from (`sharedFrom`) and keep the compute it took and the commit that ran it.
 * Only twins finished before the runner starts are found: two runners working on twins at once both run them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readJson } from '../util/fs';
import { Job, planSuite } from './plan';
import { SuiteProfile } from './profiles';
import { commitStage, isFinished, RecordMeta } from './stage';
import { SUITES } from './suites';

/** Finished stages of the suites under `roots` (suite directories), by content key. */
export function finishedTwins(profile: SuiteProfile, seeds: number[], roots: string[]): Map<string, Job> {
  const out = new Map<string, Job>();
  for (const root of roots) {
    const rec = path.join(root, 'suite.json');
    if (!fs.existsSync(rec)) continue;
    // Plan the suite as it is today, from its own record's name: a stage is a twin only if it is finished
    // under the current plan (its stage.json has the config hash this code gives it).
    let name: string;
    try {
      name = readJson<{ suite: string }>(rec, 'suite record').suite;
    } catch {
      continue;
    }
    if (!SUITES[name]) continue;
    let jobs: Job[];
    try {
      jobs = planSuite({ suite: SUITES[name], profile, seeds, root });
    } catch {
      continue; // a suite this code cannot plan has no twins to offer
    }
    for (const j of jobs) if (!out.has(j.contentKey) && isFinished(j)) out.set(j.contentKey, j);
  }
  return out;
}

/** The finished twins of those of `jobs` that are not finished yet (none are looked for when all are). */
export function twinsOf(jobs: Job[], profile: SuiteProfile, roots: string[]): Map<string, Job> {
  const open = jobs.filter((j) => !isFinished(j));
  return open.length && roots.length ? finishedTwins(profile, [...new Set(open.map((j) => j.seed))], roots) : new Map();
}

/** Every other suite's default directory at this profile: where twins are looked for unless told otherwise. */
export function defaultShareRoots(suitesDir: string, profile: string, own: string): string[] {
  if (!fs.existsSync(suitesDir)) return [];
  return fs.readdirSync(suitesDir)
    .filter((d) => d.endsWith(`-${profile}`))
    .map((d) => path.join(suitesDir, d))
    .filter((d) => path.resolve(d) !== path.resolve(own));
}

interface StageRecordOnDisk {
  wallS: number;
  commit: string;
  result: unknown;
  sharedFrom?: string;
}

/** Make `job` finished with `twin`'s result: its directory as hard links, then its own record and rows. */
export function adoptStage(job: Job, twin: Job, meta: RecordMeta): void {
  const rec = readJson<StageRecordOnDisk>(path.join(twin.dir, 'stage.json'), 'stage record');
  fs.rmSync(job.dir, { recursive: true, force: true });
  linkTree(twin.dir, job.dir);
  // A twin that was itself adopted points at the directory that computed it.
  const from = rec.sharedFrom ?? twin.dir;
  commitStage(job, { result: rec.result, wallS: rec.wallS, commit: rec.commit, sharedFrom: from }, meta);
}

const OWN_FILES = new Set(['stage.json', 'stage-start.json', 'job.pid']);

function linkTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    if (OWN_FILES.has(e.name) || e.name.includes('.tmp-')) continue;
    const a = path.join(from, e.name);
    const b = path.join(to, e.name);
    if (e.isDirectory()) linkTree(a, b);
    else if (e.isFile()) {
      try {
        fs.linkSync(a, b);
      } catch {
        fs.copyFileSync(a, b);
      }
    }
  }
}

/** The content key's twin of each job not finished yet, adopted; returns the ids adopted. */
export function adoptTwins(jobs: Job[], twins: Map<string, Job>, meta: RecordMeta): { id: string; from: string }[] {
  const adopted: { id: string; from: string }[] = [];
  for (const j of jobs) {
    const twin = twins.get(j.contentKey);
    if (!twin || path.resolve(twin.dir) === path.resolve(j.dir)) continue;
    try {
      adoptStage(j, twin, meta);
    } catch {
      // The twin changed under us (rerun or removed meanwhile): run this stage here instead.
      fs.rmSync(j.dir, { recursive: true, force: true });
      continue;
    }
    adopted.push({ id: j.id, from: twin.dir });
  }
  return adopted;
}
