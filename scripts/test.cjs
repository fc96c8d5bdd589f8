#!/usr/bin/env node
/**
 * `npm test` (after `pretest` ran setup): type-check, build the smoke corpus the tests read, run every
 * test/**\/*.test.ts with Node's test runner (through tsx), then execute every notebook headless under
 * BIRQ_PROFILE=smoke. Ends with one summary line "npm test: N passed, M failed".
 *
 * The verdict is the runner's, not a count of the lines that happened to say "ok": a test that fails, is
 * cancelled (timed out, or its promise never settles), is skipped, or a file that fails to load counts as failed,
 * and so does any step whose exit status is non-zero even when nothing was counted.
 *
 *   node scripts/test.cjs [FILE|DIR ...] [--tests-only] [--timeout SECONDS]
 * FILE/DIR: run only those tests (no notebooks). --tests-only: skip the type-check and the corpus build (the
 * harness's own test uses it). --timeout: per-test limit (default BIRQ_TEST_TIMEOUT_S or 900 s), so a hanging
 * test is cancelled, and so counted as failed, instead of hanging `npm test`.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const argv = process.argv.slice(2);
const flag = (name) => { const i = argv.indexOf(name); return i < 0 ? undefined : argv.splice(i, name === '--timeout' ? 2 : 1)[1] ?? ''; };
const testsOnly = flag('--tests-only') !== undefined;
const timeoutS = Number(flag('--timeout') ?? process.env.BIRQ_TEST_TIMEOUT_S ?? 900);
if (!(timeoutS > 0)) { process.stderr.write('scripts/test.cjs: --timeout needs a positive number of seconds\n'); process.exit(2); }
const only = argv; // optional: test files or folders to run (skips notebooks)

// Runs (checkpoints, executed notebooks) go to a fresh folder per test run, so a run directory left by an earlier
// run or an older version can never change this run's result; the data cache (BIRQ_DATA) is shared on purpose.
const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-test-runs-'));
// One BLAS thread per process: the test runner runs two files at once on a 2-core machine.
const env = { ...process.env, BIRQ_PROFILE: 'smoke', BIRQ_QUIET: '1', BIRQ_RUNS: runsDir, BIRQ_BLAS_THREADS: '1' };
// Started from inside a test (the harness's own test), node --test would see this and skip every file, green.
delete env.NODE_TEST_CONTEXT;
const step = (msg) => process.stdout.write(`\n== ${msg}\n`);
const run = (args, opts = {}) => spawnSync(args[0], args.slice(1), { cwd: root, stdio: 'inherit', env, ...opts }).status;
const tsx = [process.execPath, '--import', 'tsx'];

function findTests(p) {
  // A named file or folder that does not exist is an error, not an empty (green) selection.
  if (!fs.existsSync(p)) return [{ missing: p }];
  if (fs.statSync(p).isFile()) return [p];
  return fs.readdirSync(p, { withFileTypes: true }).flatMap((e) => {
    const q = path.join(p, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : findTests(q);
    return e.name.endsWith('.test.ts') ? [q] : [];
  }).sort();
}

let passed = 0;
let failed = 0;
const problems = [];
const fail = (what, n = 1) => { failed += n; problems.push(what); };
const t0 = Date.now();

if (!testsOnly) {
  step('typecheck (tsc --noEmit, strict)');
  if (run([process.execPath, path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']) === 0) passed++;
  else fail('typecheck');

  step('smoke corpus (birq data build --profile smoke)');
  if (run([...tsx, 'src/cli/main.ts', 'data', 'build', '--profile', 'smoke']) === 0) passed++;
  else fail('smoke corpus build (the tests that read it will fail too)');
}

step(`unit and integration tests (node --test, ${timeoutS} s per test)`);
const found = (only.length ? only.map((p) => path.resolve(p)) : [path.join(root, 'test')]).flatMap(findTests);
for (const m of found.filter((f) => typeof f !== 'string')) fail(`no such test file or folder: ${m.missing}`);
const files = found.filter((f) => typeof f === 'string');
if (!files.length) { if (!problems.length) fail('no test files found'); }
else {
  const tap = path.join(os.tmpdir(), `birq-test-${process.pid}.tap`);
  fs.rmSync(tap, { force: true });
  const status = run([
    ...tsx, '--test', '--test-concurrency=2', `--test-timeout=${Math.round(timeoutS * 1000)}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const tapText = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
  fs.rmSync(tap, { force: true });
  // The totals the runner prints at the end of its TAP stream (one set for the whole run).
  const count = (k) => {
    const m = tapText.match(new RegExp(`^# ${k} (\\d+)$`, 'm'));
    return m ? Number(m[1]) : NaN;
  };
  const c = { pass: count('pass'), fail: count('fail'), cancelled: count('cancelled'), skipped: count('skipped') };
  if (Object.values(c).some(Number.isNaN)) fail(`node --test left no totals (exit status ${status})`);
  else {
    passed += c.pass;
    if (c.fail) fail(`${c.fail} test(s) failed (a file that fails to load counts here)`, c.fail);
    if (c.cancelled) fail(`${c.cancelled} test(s) cancelled (timed out after ${timeoutS} s, or never settled)`, c.cancelled);
    // A skip cannot be told apart from a lost prerequisite, so it is not a pass.
    if (c.skipped) fail(`${c.skipped} test(s) skipped`, c.skipped);
    if (status !== 0 && !c.fail && !c.cancelled && !c.skipped) fail(`node --test exited with status ${status} although every test passed`);
  }
}

if (!only.length) {
  step('notebooks, headless, BIRQ_PROFILE=smoke (birq notebooks)');
  const r = spawnSync(tsx[0], [...tsx.slice(1), 'src/cli/main.ts', 'notebooks', '--profile', 'smoke'], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout || '');
  const m = (r.stdout || '').match(/notebooks: (\d+) passed, (\d+) failed/);
  if (!m) fail(`notebooks: no summary line (exit status ${r.status})`);
  else {
    passed += Number(m[1]);
    if (Number(m[2])) fail(`${m[2]} notebook(s) failed`, Number(m[2]));
    if (r.status !== 0 && !Number(m[2])) fail(`notebooks exited with status ${r.status} although every notebook passed`);
  }
}

if (problems.length) process.stdout.write(`\nfailed:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
if (failed) process.stdout.write(`\nrun directories and executed notebooks kept for inspection: ${runsDir}\n`);
else fs.rmSync(runsDir, { recursive: true, force: true });
process.stdout.write(`\n(${((Date.now() - t0) / 1000).toFixed(0)} s)\nnpm test: ${passed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
