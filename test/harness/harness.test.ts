/**
 * The test harness's verdict (scripts/test.cjs): planted test files that fail, hang, cannot load, exit non-zero
 * or skip must each turn the closing line red and the exit status non-zero; a passing one must stay green (so the
 * red verdicts are not the harness failing on everything).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '../..');
const planted = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-harness-'));

const HEAD = "import { test } from 'node:test';\nimport assert from 'node:assert/strict';\n";
const CASES: Record<string, { body: string; green: boolean; passed: number; failed: number }> = {
  passes: { body: "test('fine', () => assert.equal(1 + 1, 2));", green: true, passed: 1, failed: 0 },
  fails: { body: "test('fine', () => {});\ntest('broken', () => assert.equal(1 + 1, 3));", green: false, passed: 1, failed: 1 },
  // A live timer keeps the event loop busy, so only the per-test timeout can end it.
  hangs: { body: "test('hangs', () => new Promise(() => { setInterval(() => {}, 1000); }));", green: false, passed: 0, failed: 1 },
  // The promise never settles and nothing keeps the loop alive: the runner cancels it.
  'never-settles': { body: "test('pending', async () => { await new Promise(() => {}); });", green: false, passed: 0, failed: 1 },
  unloadable: { body: "import './no-such-module';\ntest('never reached', () => {});", green: false, passed: 0, failed: 1 },
  'syntax-error': { body: "test('never reached', () => {\n", green: false, passed: 0, failed: 1 },
  'exits-non-zero': { body: "test('fine', () => {});\nsetTimeout(() => process.exit(3), 50);", green: false, passed: 1, failed: 1 },
  skips: { body: "test('needs a corpus', { skip: 'no corpus' }, () => {});", green: false, passed: 0, failed: 1 },
};

function harness(file: string) {
  const r = spawnSync(process.execPath, ['scripts/test.cjs', '--tests-only', '--timeout', '3', file], {
    cwd: root, encoding: 'utf8', timeout: 120_000,
  });
  const out = `${r.stdout}${r.stderr}`;
  const m = out.match(/^npm test: (\d+) passed, (\d+) failed$/m);
  const kept = out.match(/kept for inspection: (\S+)/);
  if (kept) fs.rmSync(kept[1], { recursive: true, force: true });
  return { status: r.status, passed: m ? Number(m[1]) : NaN, failed: m ? Number(m[2]) : NaN, out };
}

for (const [name, c] of Object.entries(CASES)) {
  test(`harness verdict on a planted test file that ${name.replace(/-/g, ' ')}: ${c.green ? 'green' : 'red'}`, () => {
    const file = path.join(planted, `${name}.test.ts`);
    fs.writeFileSync(file, HEAD + c.body + '\n');
    const r = harness(file);
    assert.equal(r.status, c.green ? 0 : 1, r.out);
    assert.deepEqual({ passed: r.passed, failed: r.failed }, { passed: c.passed, failed: c.failed }, r.out);
  });
}

test('harness verdict on a test path that does not exist: red', () => {
  const r = harness(path.join(planted, 'missing.test.ts'));
  assert.equal(r.status, 1, r.out);
  assert.equal(r.failed, 1, r.out);
});

test.after(() => fs.rmSync(planted, { recursive: true, force: true }));
