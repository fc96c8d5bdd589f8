#!/usr/bin/env node
/**
 * `npm test` (after `pretest` ran setup): type-check, build the smoke corpus the tests read, run every
 * test/**\/*.test.ts with Node's test runner (through tsx), then execute every notebook headless under
 * BIRQ_PROFILE=smoke. Ends with one summary line "npm test: N passed, M failed".
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
// Runs (checkpoints, executed notebooks) go to a fresh folder per test run, so a run directory left by an earlier
// run or an older version can never change this run's result; the data cache (BIRQ_DATA) is shared on purpose.
const runsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-test-runs-'));
// One BLAS thread per process: the test runner runs two files at once on a 2-core machine.
const env = { ...process.env, BIRQ_PROFILE: 'smoke', BIRQ_QUIET: '1', BIRQ_RUNS: runsDir, BIRQ_BLAS_THREADS: '1' };
const only = process.argv.slice(2); // optional: test files or folders to run (skips notebooks)
const step = (msg) => process.stdout.write(`\n== ${msg}\n`);
const run = (argv, opts = {}) => spawnSync(argv[0], argv.slice(1), { cwd: root, stdio: 'inherit', env, ...opts }).status;
const tsx = [process.execPath, '--import', 'tsx'];

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  if (fs.statSync(dir).isFile()) return [dir];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : findTests(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  }).sort();
}

let passed = 0;
let failed = 0;
const t0 = Date.now();

step('typecheck (tsc --noEmit, strict)');
if (run([process.execPath, path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit']) === 0) passed++;
else failed++;

if (fs.existsSync(path.join(root, 'src/cli/data.ts'))) {
  step('smoke corpus (birq data build --profile smoke)');
  if (run([...tsx, 'src/cli/main.ts', 'data', 'build', '--profile', 'smoke']) === 0) passed++;
  else failed++;
}

step('unit and integration tests (node --test)');
const files = (only.length ? only.map((p) => path.resolve(p)) : [path.join(root, 'test')]).flatMap(findTests);
const tap = path.join(os.tmpdir(), `birq-test-${process.pid}.tap`);
run([
  ...tsx, '--test', '--test-concurrency=2',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`,
  ...files,
]);
const tapText = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
const count = (k) => Number((tapText.match(new RegExp(`^# ${k} (\\d+)$`, 'm')) || [0, 0])[1]);
passed += count('pass');
failed += count('fail') + (tapText ? 0 : 1);

if (!only.length) {
  step('notebooks, headless, BIRQ_PROFILE=smoke (birq notebooks)');
  const r = spawnSync(tsx[0], [...tsx.slice(1), 'src/cli/main.ts', 'notebooks', '--profile', 'smoke'], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(r.stdout || '');
  const m = (r.stdout || '').match(/notebooks: (\d+) passed, (\d+) failed/);
  if (m) {
    passed += Number(m[1]);
    failed += Number(m[2]);
  } else failed++;
}

if (failed) process.stdout.write(`\nrun directories and executed notebooks kept for inspection: ${runsDir}\n`);
else fs.rmSync(runsDir, { recursive: true, force: true });
process.stdout.write(`\n(${((Date.now() - t0) / 1000).toFixed(0)} s)\nnpm test: ${passed} passed, ${failed} failed\n`);
process.exit(failed ? 1 : 0);
