/**
 * The Slurm executor against a real Slurm: a one-node cluster on localhost (slurm-cluster.ts: munged, slurmctld,
 * slurmd from Debian's packages, its own config in a temporary folder). table2 at the smoke profile, one seed,
 * submitted as job arrays; the BiRQ pretraining task is cancelled (scancel) once it has a checkpoint, which also
 * drops the BiRQ arm's later stages (their dependency failed); a second `birq ablate` submits only those, the
 * pretraining resumes from its checkpoint, and the suite's results equal a local run's, value for value.
 *
 * Skipped, loudly, only where it cannot run at all: not root and the daemons do not start. As root (CI) a cluster
 * that does not start is a failure. Every daemon started is stopped, also when the test fails.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import { builtinCorpus } from '../../src/data/builtin';
import { ablate, suiteJobs } from '../../src/experiments/runner';
import { readRows, ResultRow } from '../../src/experiments/store';
import { Cluster, logs, startCluster, whyNoCluster } from './slurm-cluster';

const root = path.resolve(__dirname, '..', '..');
const cli = [process.execPath, '--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts')];
/** Metrics that measure time, not results. */
const TIMING = /(^|\.)(seconds|step_ms|step_s|wallS|elapsedS)$/;
const suiteArgs = (dir: string) => ['ablate', '--suite', 'table2', '--profile', 'smoke', '--seeds', '1', '--root', dir];
// table2 at smoke: supervised (no pretraining) and two pretrained arms, each with phone and character fine-tuning.
const stagesOf = (arm?: string) => suiteJobs({ suite: 'table2', profile: 'smoke', seeds: 1, root: '/tmp/x' }).jobs.filter((j) => !arm || j.arm === arm).length;

function values(rows: ResultRow[]): Map<string, number> {
  return new Map(rows.filter((r) => !TIMING.test(r.metric)).map((r) => [`${r.arm}/${r.seed}/${r.stage}/${r.metric}`, r.value]));
}

function birq(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(cli[0], [...cli.slice(1), ...args], { cwd: root, encoding: 'utf8', env });
  return { ...r, all: `${r.stdout}\n${r.stderr}` };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, seconds: number, cluster?: Cluster): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${seconds} s waiting for ${what}${cluster ? `\n${logs(cluster.dir)}` : ''}`);
    await sleep(50);
  }
}

test('birq ablate --executor slurm --dry-run: one array per stage, aftercorr chaining, the cluster options; nothing written', () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'birq-slurm-dry-')), 'suite');
  const r = birq([...suiteArgs(dir), '--executor', 'slurm', '--dry-run', '--partition', 'gpu', '--gpus-per-job', '2', '--time', '01:30:00', '--account', 'speech']);
  assert.equal(r.status, 0, r.all);
  const scripts = r.stdout.split(/^# ---- /m).filter(Boolean);
  // One array per stage name and dependency shape: pretrain; labels; fine-tune (phones, characters), their
  // evaluations and the probe, each with and without a pretraining to wait for.
  assert.equal(scripts.length, 12, r.stdout);
  for (const s of scripts) {
    for (const l of ['#SBATCH --partition=gpu', '#SBATCH --gres=gpu:2', '#SBATCH --time=01:30:00', '#SBATCH --account=speech', '#SBATCH --requeue', '#SBATCH --cpus-per-task=1'])
      assert.ok(s.includes(l), `${l} missing in\n${s}`);
    assert.match(s, /exec .* ablate --slurm-task \S+\.tasks\.json/);
  }
  const pre = scripts.find((s) => s.includes('--job-name=birq-table2-smoke-pretrain'))!;
  assert.match(pre, /#SBATCH --array=\d+,\d+/);
  assert.match(pre, /task \d+: birq\/seed-1\/pretrain: birq pretrain --preset smoke /);
  assert.ok(scripts.some((s) => s.includes('--dependency=aftercorr:{pretrain}') && s.includes('finetune')), 'finetune waits on pretrain task by task');
  assert.equal(fs.existsSync(dir), false, 'a dry run writes nothing');
  const bad = birq([...suiteArgs(dir), '--executor', 'slurm', '--dry-run', '--time', 'an hour']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--time must be HH:MM:SS/);
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
});

test('table2 (smoke) through a real one-node Slurm cluster, one array task cancelled midway and rerun, equals a local run', { timeout: 480_000 }, async (t) => {
  const why = whyNoCluster();
  let cluster: Cluster;
  try {
    cluster = await startCluster({ cpus: 2 });
  } catch (e) {
    if (process.getuid?.() === 0) throw e;
    const msg = `SKIPPED, NOT TESTED: the Slurm executor needs a Slurm cluster and none could be started here (${why ?? (e as Error).message}). Run as root with munge, slurmctld and slurmd installed (npm run setup does it as root).`;
    process.stderr.write(`\n!!! ${msg}\n\n`);
    t.skip(msg);
    return;
  }
  // The daemons are in their own process group: stop them on every way out, a runner's SIGTERM included.
  let passed = false;
  const stopAll = () => cluster.stop({ keepFiles: !passed });
  const onSignal = (sig: NodeJS.Signals) => (stopAll(), process.kill(process.pid, sig));
  process.once('exit', stopAll);
  for (const s of ['SIGINT', 'SIGTERM'] as const) process.once(s, onSignal);
  try {
    builtinCorpus('smoke', { build: true });
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-slurm-suite-'));
    const env = { ...cluster.env, BIRQ_RUNS: path.join(tmp, 'runs'), BIRQ_BLAS_THREADS: '1' };

    // The reference: the same suite through the local executor.
    const local = await ablate({ suite: 'table2', profile: 'smoke', seeds: 1, root: path.join(tmp, 'local'), jobs: 2, quiet: true });
    assert.deepEqual(local.failed, []);

    const dir = path.join(tmp, 'slurm');
    const first = birq([...suiteArgs(dir), '--executor', 'slurm', '--quiet'], env);
    assert.equal(first.status, 0, first.all);
    const all = stagesOf();
    const ofBirq = stagesOf('birq');
    assert.match(first.stdout, new RegExp(`0 stages already finished, 0 still queued, ${all} submitted`));
    const records = () => JSON.parse(fs.readFileSync(path.join(dir, 'slurm', 'jobs.json'), 'utf8')) as Record<string, { jobId: string; task: number }>;
    assert.equal(Object.keys(records()).length, all);

    // Cancel BiRQ's pretraining once its first checkpoint (step 4 of 8) is written.
    const pre = path.join(dir, 'birq', 'seed-1', 'pretrain');
    await until('the BiRQ pretraining checkpoint', () => fs.existsSync(path.join(pre, 'checkpoints', 'latest.json')), 120, cluster);
    const r = records()['birq/seed-1/pretrain'];
    const cancel = spawnSync('scancel', [`${r.jobId}_${r.task}`], { env, encoding: 'utf8' });
    assert.equal(cancel.status, 0, cancel.stderr);
    const ids = [...new Set(Object.values(records()).map((x) => x.jobId))].join(',');
    const active = () => spawnSync('squeue', ['--noheader', '--array', `--jobs=${ids}`, '--format=%i %T'], { env, encoding: 'utf8' }).stdout.trim();
    await until('the first submission to drain', () => active() === '', 150, cluster);
    assert.equal(fs.existsSync(path.join(pre, 'stage.json')), false, 'the cancel came before the pretraining finished');

    const status = birq([...suiteArgs(dir), '--status'], env);
    assert.equal(status.status, 0, status.all);
    assert.match(status.stdout, /failed +birq\/seed-1\/pretrain +\d+_\d+ +CANCELLED/);
    assert.match(status.stdout, /log: .*birq\/seed-1\/pretrain\/stderr\.log/);
    assert.match(status.stdout, /failed +birq\/seed-1\/finetune-train-labeled .*DependencyNeverSatisfied/);
    assert.match(status.stdout, new RegExp(`: ${all - ofBirq} done, ${ofBirq} failed\n$`));

    // The rerun submits only the BiRQ arm's stages; the pretraining continues from its checkpoint.
    const second = birq([...suiteArgs(dir), '--executor', 'slurm', '--wait', '--no-report', '--quiet'], env);
    assert.equal(second.status, 0, `${second.all}\n${logs(cluster.dir)}`);
    assert.match(second.stdout, new RegExp(`${all - ofBirq} stages already finished, 0 still queued, ${ofBirq} submitted`));
    assert.match(second.stdout, new RegExp(`${ofBirq} stages run, 0 failed`));
    const attempts = JSON.parse(fs.readFileSync(path.join(pre, 'slurm-task.json'), 'utf8')).attempts;
    assert.deepEqual(attempts.map((a: { state: string }) => a.state), ['cancelled', 'done']);
    assert.ok(attempts[1].argv.includes('--resume'), 'the rerun resumed');
    assert.equal(attempts[1].environment.BIRQ_BLAS_THREADS, '1', 'BLAS threads follow SLURM_CPUS_PER_TASK');
    assert.equal(attempts[1].environment.SLURM_CPUS_PER_TASK, '1');
    for (const f of ['stdout.log', 'stderr.log', 'stage.json']) assert.ok(fs.existsSync(path.join(pre, f)), f);

    const want = values(local.rows);
    const got = values(readRows(path.join(dir, 'results.jsonl')));
    assert.ok(want.size > 200, `${want.size} metrics`);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [k, v] of want) assert.equal(got.get(k), v, k);

    // Nothing left: a third call submits nothing and writes the report.
    const third = birq([...suiteArgs(dir), '--executor', 'slurm', '--quiet'], env);
    assert.equal(third.status, 0, third.all);
    assert.match(third.stdout, new RegExp(`${all} stages already finished, 0 still queued, 0 submitted`));
    assert.ok(fs.existsSync(path.join(dir, 'report.md')));
    assert.match(birq([...suiteArgs(dir), '--status'], env).stdout, new RegExp(`: ${all} done\n$`));
    passed = true;
    fs.rmSync(tmp, { recursive: true, force: true });
  } finally {
    stopAll();
    process.off('exit', stopAll);
    for (const s of ['SIGINT', 'SIGTERM'] as const) process.off(s, onSignal);
  }
});
