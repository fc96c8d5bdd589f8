/**
 * The `birq` command as a user meets it (a real process through bin/birq.cjs): exit statuses and what goes to
 * stderr for no command, help, an unknown command, a project error (one line, no stack) and an internal error
 * (a planted command that throws a TypeError: exit 70, with the stack, marked as a bug).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '../..');
const birq = (args: string[], node: string[] = [path.join(root, 'bin/birq.cjs')]) => {
  const r = spawnSync(process.execPath, [...node, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const noStack = (s: string) => assert.doesNotMatch(s, /^\s+at /m, `no stack trace expected:\n${s}`);

test('no command: usage on stdout, exit 2; --help: usage, exit 0', () => {
  const none = birq([]);
  assert.equal(none.status, 2);
  assert.match(none.stdout, /^usage: birq <command>/);
  const help = birq(['--help']);
  assert.equal(help.status, 0);
  for (const cmd of ['pretrain', 'finetune', 'eval', 'data', 'labels']) assert.match(help.stdout, new RegExp(`^  ${cmd} `, 'm'));
});

test('an unknown command: named on stderr with the usage, exit 2', () => {
  const r = birq(['frobnicate']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^birq: unknown command 'frobnicate'\n/);
  assert.match(r.stderr, /usage: birq <command>/);
  assert.equal(r.stdout, '');
});

test('a project error (BirqError): one line on stderr naming the command, exit 1, no stack', () => {
  const r = birq(['pretrain', '--stepz', '1']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^birq pretrain: .*unknown option --stepz/);
  noStack(r.stderr);
  const sub = birq(['pretrain', '--help']);
  assert.equal(sub.status, 0);
  assert.match(sub.stdout, /--preset/);
});

test('an internal error: exit 70, marked as a bug, with the stack', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-cli-'));
  const planted = path.join(dir, 'boom.ts');
  fs.writeFileSync(planted, `import { registerCommand } from ${JSON.stringify(path.join(root, 'src/cli/registry'))};
registerCommand('boom', { summary: 'planted', load: async () => ({ run: async () => { throw new TypeError('planted bug'); } }) });
`);
  const r = birq(['boom'], ['--import', 'tsx', '--import', planted, path.join(root, 'src/cli/main.ts')]);
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 70, r.stderr);
  assert.match(r.stderr, /^birq: internal error \(a bug, please report\): TypeError: planted bug\n\s+at /);
});
