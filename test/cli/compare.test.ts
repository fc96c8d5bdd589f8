/**
 * `birq compare` as a user runs it: two systems' eval.json files (seeds on each side) give the seed means, their
 * difference and the paired bootstrap; a missing file, a file without transcripts and two different test sets are
 * one-line errors naming the file or the system, never a stack trace.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { phoneErrorRate } from '../../src/metrics/error-rate';

const root = path.resolve(__dirname, '../..');
const birq = (args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin/birq.cjs'), 'compare', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
const REFS = ['dh ah k ae t', 's ae t aa n dh ah m ae t', 'hh iy r ae n', 'ay s ao ih t', 'w iy w er hh ih r', 'sh iy s eh d n ow'];

test('birq compare: seed means, the difference, the seeds\' SE and the bootstrap; clear errors', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-compare-'));
  const write = (name: string, drop: number, ids = REFS.map((_, i) => `u${i}`)) => {
    const hyps = REFS.map((r) => r.split(' ').slice(drop).join(' '));
    const f = path.join(dir, `${name}.json`);
    fs.writeFileSync(f, JSON.stringify({ vocab: 'phones', transcripts: REFS.map((ref, i) => ({ id: ids[i], ref, hyp: hyps[i] })) }));
    return { f, rate: phoneErrorRate(REFS, hyps).rate };
  };
  const a = [write('a1', 2), write('a2', 3)];
  const b = [write('b1', 0), write('b2', 1)];
  const r = birq(['--a', a.map((x) => x.f).join(','), '--b', b.map((x) => x.f).join(','), '--replicates', '300', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const mean = (xs: { rate: number }[]) => (xs[0].rate + xs[1].rate) / 2;
  assert.equal(out.unit, 'per');
  assert.ok(Math.abs(out.delta - (mean(b) - mean(a))) < 1e-12);
  assert.ok(out.seedSe > 0 && out.hi < 0 && out.pBetter === 1 && out.utterances === 6 && out.replicates === 300);

  const text = birq(['--a', a[0].f, '--b', b[0].f]);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^a: PER [\d.]+ % \(1 seed\)   b: PER [\d.]+ % \(1 seed\)   on 6 utterances\nb − a: -[\d.]+ points; seeds' SE – \(one seed on a side\); test set 95 % interval \[-[\d.]+, -[\d.]+\]/);

  const other = write('other', 0, REFS.map((_, i) => `v${i}`));
  const bare = path.join(dir, 'bare.json');
  fs.writeFileSync(bare, JSON.stringify({ vocab: 'phones' }));
  for (const [args, want] of [
    [['--a', a[0].f, '--b', path.join(dir, 'none.json')], /none\.json: cannot read evaluation result \(ENOENT\)/],
    [['--a', a[0].f, '--b', bare], /bare\.json: holds no transcripts/],
    [['--a', a[0].f, '--b', other.f], /b \(.*other\.json\): utterance 1 is v0, a \(.*a1\.json\) has u0 there/],
    [['--a', a[0].f], /give --a and --b/],
  ] as [string[], RegExp][]) {
    const e = birq(args);
    assert.equal(e.status, 1, `${args.join(' ')}: ${e.stderr}`);
    assert.match(e.stderr, want);
    assert.doesNotMatch(e.stderr, /^\s+at /m);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
