/**
 * The ablation runner end to end at the smoke profile, one seed, through real `birq` child processes:
 *  - a run killed outright (SIGKILL, children orphaned) and rerun finishes the suite without redoing finished
 *    stages, with the same results as an uninterrupted run;
 *  - a stage whose twin (same content key) another suite has finished is adopted, with the twin's results;
 *  - every suite runs through every stage (into the default suite directories, which the notebooks then reuse).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import { builtinCorpus } from '../../src/data/builtin';
import { ablate, suiteJobs } from '../../src/experiments/runner';
import { readRows, ResultRow } from '../../src/experiments/store';
import { SUITES } from '../../src/experiments/suites';
import { publishReport, writeReport } from '../../src/experiments/report';
import { suiteProfile } from '../../src/experiments/profiles';
import { finishedTwins } from '../../src/experiments/share';

const root = path.resolve(__dirname, '..', '..');
const cli = [process.execPath, '--import', 'tsx', path.join(root, 'src', 'cli', 'main.ts')];
/** Metrics that measure time, not results. */
const TIMING = /(^|\.)(seconds|step_ms|step_s|wallS|elapsedS)$/;

function values(rows: ResultRow[]): Map<string, number> {
  return new Map(rows.filter((r) => !TIMING.test(r.metric)).map((r) => [`${r.arm}/${r.seed}/${r.stage}/${r.metric}`, r.value]));
}

test('content keys: the same run under two names has one key (an explicit default equals the default); another config has its own', () => {
  const jobs = (suite: string, arms: string[]) => suiteJobs({ suite, profile: 'protocol', seeds: 2, arms, root: `/tmp/birq-keys/${suite}` }).jobs;
  const birq = jobs('table2', ['birq']);
  const k4 = jobs('table1-layer', ['k4']); // sets enhanced.layer=4, the default
  // k4 has table2's stages less its character fine-tune (table1-layer measures phones only).
  assert.deepEqual(k4.map((j) => `${j.seed}/${j.stage}`), birq.filter((j) => !j.stage.includes('-chars')).map((j) => `${j.seed}/${j.stage}`));
  for (const j of k4) assert.equal(j.contentKey, birq.find((b) => b.stage === j.stage && b.seed === j.seed)!.contentKey, j.id);
  const keys = new Set(birq.map((j) => j.contentKey));
  assert.equal(keys.size, birq.length, 'every stage of every seed has its own key');
  for (const j of [...jobs('table1-layer', ['k2']), ...jobs('table2', ['bestrq', 'supervised'])]) assert.ok(!keys.has(j.contentKey), `${j.id} is not BiRQ's`);
  // A relabeling arm's key follows its teacher's: table1-relabel's teacher is the same BiRQ run.
  const relabel = jobs('table1-relabel', ['relabel-1']);
  assert.ok(relabel.every((j) => !keys.has(j.contentKey)));
});

test('the character evals tune the LM on dev once per model: later test splits take the first one\'s values (--tuned-from)', () => {
  const jobs = suiteJobs({ suite: 'table2', profile: 'protocol', seeds: 1, arms: ['bestrq'], root: '/tmp/birq-tuned' }).jobs;
  const byStage = (st: string) => jobs.find((j) => j.stage === st)!;
  const clean = byStage('eval-train-1h-chars-test-clean');
  const other = byStage('eval-train-1h-chars-test-other');
  assert.ok(clean.argv.includes('--tune-split') && !clean.argv.includes('--tuned-from'));
  assert.equal(other.argv[other.argv.indexOf('--tuned-from') + 1], path.join(clean.dir, 'eval.json'));
  assert.ok(!other.argv.includes('--tune-split') && !other.argv.includes('--lm-weight'));
  assert.deepEqual(other.deps.sort(), [clean.id, byStage('finetune-train-1h-chars').id].sort());
  // Phone evals decode greedily, with nothing to tune or share.
  assert.deepEqual(byStage('eval-train-1h-test-other').deps, [byStage('finetune-train-1h').id]);
  assert.ok(!byStage('eval-train-1h-test-other').argv.includes('--tuned-from'));
});

let uninterrupted = '';

test('birq ablate killed with SIGKILL midway and rerun: finished stages are not redone, results equal an uninterrupted run', async () => {
  builtinCorpus('smoke', { build: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-ablate-'));
  // Two arms keep it short: the supervised baseline and BiRQ (whose pretraining is the stage a kill interrupts).
  const args = (dir: string) => ['ablate', '--suite', 'table2', '--profile', 'smoke', '--seeds', '1', '--arms', 'supervised,birq', '--root', dir, '--no-report', '--quiet'];
  const a = path.join(tmp, 'uninterrupted');
  uninterrupted = a;
  const full = spawnSync(cli[0], [...cli.slice(1), ...args(a)], { cwd: root, encoding: 'utf8' });
  assert.equal(full.status, 0, full.stderr);

  const b = path.join(tmp, 'interrupted');
  const { jobs } = suiteJobs({ suite: 'table2', profile: 'smoke', seeds: 1, arms: ['supervised', 'birq'], root: b });
  const child = spawn(cli[0], [...cli.slice(1), ...args(b)], { cwd: root, stdio: 'ignore' });
  // Kill once a few stages have finished and others are running.
  await new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const poll = setInterval(() => {
      const done = jobs.filter((j) => fs.existsSync(path.join(j.dir, 'stage.json'))).length;
      if (done >= 2) (clearInterval(poll), child.kill('SIGKILL'), resolve());
      else if (Date.now() - t0 > 240_000) (clearInterval(poll), reject(new Error('no stage finished in 4 minutes')));
    }, 100);
  });
  await new Promise((r) => child.once('close', r));
  const finishedBefore = new Map(jobs.filter((j) => fs.existsSync(path.join(j.dir, 'stage.json'))).map((j) => [j.id, fs.readFileSync(path.join(j.dir, 'stage.json'), 'utf8')]));
  assert.ok(finishedBefore.size >= 2 && finishedBefore.size < jobs.length, `killed after ${finishedBefore.size} of ${jobs.length} stages`);

  const again = spawnSync(cli[0], [...cli.slice(1), ...args(b)], { cwd: root, encoding: 'utf8' });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`${finishedBefore.size} already finished, 0 failed`));
  for (const [id, record] of finishedBefore) assert.equal(fs.readFileSync(path.join(b, id, 'stage.json'), 'utf8'), record, `${id} was redone`);
  const va = values(readRows(path.join(a, 'results.jsonl')));
  const vb = values(readRows(path.join(b, 'results.jsonl')));
  assert.ok(va.size > 30, `${va.size} result values`);
  assert.deepEqual([...vb.keys()].sort(), [...va.keys()].sort());
  for (const [k, v] of va) assert.equal(vb.get(k), v, k);
  // A third run has nothing left to do.
  const third = spawnSync(cli[0], [...cli.slice(1), ...args(b)], { cwd: root, encoding: 'utf8' });
  assert.match(third.stdout, new RegExp(`0 stages run, ${jobs.length} already finished`));
});

test('a stage whose twin another suite has finished is adopted, not run: the twin\'s results, its own record, hard-linked files', async () => {
  assert.ok(uninterrupted, 'runs after the SIGKILL test, whose table2 run holds the twins');
  const c = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-share-'));
  // gumbel-mode's `soft` arm is table2's `birq` under another name (the default mode, set explicitly).
  const r = await ablate({ suite: 'gumbel-mode', profile: 'smoke', seeds: 1, arms: ['soft'], root: c, shareFrom: [uninterrupted], quiet: true });
  assert.deepEqual(r.failed, []);
  assert.deepEqual(r.ran, [], 'nothing run');
  assert.equal(r.shared.length, r.jobs.length, 'every stage adopted');
  const twin = values(readRows(path.join(uninterrupted, 'results.jsonl')));
  const mine = [...values(r.rows)];
  assert.ok(mine.length > 20, `${mine.length} values`);
  for (const [k, v] of mine) assert.equal(v, twin.get(k.replace(/^soft\//, 'birq/')), k);
  for (const j of r.jobs) {
    const rec = JSON.parse(fs.readFileSync(path.join(j.dir, 'stage.json'), 'utf8'));
    assert.equal(rec.sharedFrom, path.join(uninterrupted, 'birq', 'seed-1', j.stage));
    assert.equal(rec.configHash, j.configHash);
  }
  assert.ok(r.rows.every((x) => x.sharedFrom), 'every row names the directory that computed it');
  const ck = (d: string) => path.join(d, 'seed-1', 'pretrain', 'checkpoints', 'latest.json');
  assert.equal(fs.statSync(ck(path.join(c, 'soft'))).ino, fs.statSync(ck(path.join(uninterrupted, 'birq'))).ino, 'a hard link, not a copy');
  assert.match(fs.readFileSync(writeReport(c).md, 'utf8'), /adopted from their twins in uninterrupted/);
  // A rerun has nothing to do; an arm with another config has no twin there.
  const again = await ablate({ suite: 'gumbel-mode', profile: 'smoke', seeds: 1, arms: ['soft'], root: c, shareFrom: [uninterrupted], quiet: true });
  assert.equal(again.ran.length + again.shared.length, 0);
  const twins = finishedTwins(suiteProfile('smoke'), [1], [uninterrupted]);
  const stopgrad = suiteJobs({ suite: 'gumbel-mode', profile: 'smoke', seeds: 1, arms: ['stopgrad'], root: c }).jobs;
  assert.ok(twins.size >= r.jobs.length && stopgrad.every((j) => !twins.has(j.contentKey)));
});

// One test per suite (each within the harness's per-test limit); they write the default suite directories under
// BIRQ_RUNS, which the notebooks of the same `npm test` then read instead of training again.
for (const name of Object.keys(SUITES)) {
  test(`suite ${name} runs every stage at the smoke profile (one seed), and its report has every table filled`, async () => {
    builtinCorpus('smoke', { build: true });
    const r = await ablate({ suite: name, profile: 'smoke', seeds: 1, quiet: true });
    assert.deepEqual(r.failed, [], `${name}: ${r.failed.map((f) => f.message).join('\n')}`);
    const stages = new Set(r.rows.map((x) => `${x.arm}/${x.stage}`));
    for (const j of r.jobs) assert.ok(stages.has(`${j.arm}/${j.stage}`), `${name}: no rows from ${j.id}`);
    const rep = writeReport(r.root);
    const md = fs.readFileSync(rep.md, 'utf8');
    const perTable = md.split('## Phone error rate')[1]?.split('\n\n')[1] ?? '';
    assert.ok(perTable.includes('|') && !/\| – /.test(perTable), `${name}: an empty PER cell:\n${perTable}`);
    assert.ok(md.includes('## Label statistics') && md.includes('## Frozen-encoder phone probe'), `${name}: label statistics and probe tables`);
    const probedPartWay = SUITES[name].arms.filter((a) => a.pretrain?.kind === 'ssl' && a.pretrain.probeAt?.length);
    for (const a of probedPartWay) {
      const over = md.split('## The phone probe over pretraining')[1]?.split('\n\n')[1] ?? '';
      const rowsOf = over.split('\n').filter((l) => l.startsWith(`| ${a.name} |`));
      assert.equal(rowsOf.length, a.pretrain!.kind === 'ssl' ? a.pretrain!.probeAt!.length + 1 : 0, `${name}: ${a.name} probed part-way and at the end:\n${over}`);
      assert.ok(rowsOf.every((l) => !l.includes('| – ')), `${name}: an empty probe cell:\n${over}`);
    }
    if (probedPartWay.length) assert.ok(rep.figures.some((f) => f.endsWith('probe-steps.svg')), `${name}: the probe-over-pretraining figure`);
    if (SUITES[name].words) {
      const words = md.split('## Word and character error rates')[1]?.split('\n\n')[2] ?? '';
      assert.ok(words.includes('|') && !/\| – /.test(words), `${name}: an empty WER/CER cell:\n${words}`);
    }
    // The paired comparisons: one row per evaluation stage and arm after the first arm scored on it.
    const evals = new Map<string, number>();
    for (const j of r.jobs) if (j.stage.startsWith('eval-')) evals.set(j.stage, (evals.get(j.stage) ?? 0) + 1);
    const pairs = [...evals.values()].reduce((s, n) => s + n - 1, 0);
    const paired = md.split('## Can the test set resolve the differences?')[1]?.split('\n\n')[2] ?? '';
    assert.equal(paired.split('\n').filter((l) => / − .* \| eval-/.test(l)).length, pairs, `${name}: paired comparisons:\n${paired}`);
    assert.ok(!/\| – \|/.test(paired.replace(/\| – \(\d+ vs \d+\) \|/g, '|')), `${name}: an empty paired cell:\n${paired}`);
    assert.ok(fs.statSync(rep.html).size > 100_000, `${name}: report.html inlines plotly`);
    assert.ok(rep.headline.length >= 2);
    // What a repository keeps of it: report.md with every figure it links, and the store as CSV.
    const pub = fs.mkdtempSync(path.join(os.tmpdir(), `birq-publish-${name}-`));
    publishReport(r.root, pub);
    for (const link of md.matchAll(/\]\((figures\/[^)]+\.svg)\)/g)) assert.ok(fs.existsSync(path.join(pub, link[1])), `${name}: ${link[1]} published`);
    assert.equal(fs.readFileSync(path.join(pub, 'results.csv'), 'utf8').trim().split('\n').length, r.rows.length + 1, `${name}: one CSV line a row`);
    fs.rmSync(pub, { recursive: true, force: true });
  });
}
