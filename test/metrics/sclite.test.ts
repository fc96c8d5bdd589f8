/**
 * errorCounts / alignTokens against NIST sclite's own output on 322 sentence pairs
 * (test/fixtures/sclite, made by test/fixtures/make_sclite_golden.sh; exact match required).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { alignTokens, errorCounts } from '../../src/metrics/edit-distance';

const dir = path.join(__dirname, '../fixtures/sclite');

function readTrn(file: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
    const k = line.match(/^(.*)\((\S+)\)\s*$/);
    if (k) m.set(k[2], k[1].split(/\s+/).filter(Boolean));
  }
  return m;
}

interface PraEntry { id: string; counts: number[]; ref: string[]; hyp: string[] }
function readPra(): PraEntry[] {
  const out: PraEntry[] = [];
  let cur: PraEntry | null = null;
  for (const line of fs.readFileSync(path.join(dir, 'sclite.pra'), 'utf8').split('\n')) {
    let m;
    if ((m = line.match(/^id: \((\S+)\)/))) out.push((cur = { id: m[1], counts: [], ref: [], hyp: [] }));
    else if (cur && (m = line.match(/^Scores: \(#C #S #D #I\) (\d+) (\d+) (\d+) (\d+)/))) cur.counts = m.slice(1).map(Number);
    else if (cur && line.startsWith('REF:')) cur.ref = line.slice(4).trim().split(/\s+/);
    else if (cur && line.startsWith('HYP:')) cur.hyp = line.slice(4).trim().split(/\s+/);
  }
  return out;
}

describe('errorCounts matches sclite', () => {
  const refs = readTrn('ref.trn');
  const hyps = readTrn('hyp.trn');
  const pra = readPra();

  it('reads the whole fixture', () => {
    assert.equal(pra.length, 322);
    assert.equal(refs.size, 322);
  });

  it('per-sentence counts and alignments are identical', () => {
    let ties = 0;
    for (const e of pra) {
      const ref = refs.get(e.id)!;
      const hyp = hyps.get(e.id)!;
      const c = errorCounts(ref, hyp);
      assert.deepEqual([c.hits, c.substitutions, c.deletions, c.insertions], e.counts, `${e.id}: ${ref.join(' ')} | ${hyp.join(' ')}`);
      const al = alignTokens(ref, hyp);
      // sclite writes a gap as asterisks the width of the other side's word.
      const gap = (s: string | null) => s === null;
      assert.deepEqual(al.map((a) => (gap(a.ref) ? '*' : a.ref)), e.ref.map((w) => (/^\*+$/.test(w) ? '*' : w)), `${e.id} REF`);
      assert.deepEqual(al.map((a) => (gap(a.hyp) ? '*' : a.hyp)), e.hyp.map((w) => (/^\*+$/.test(w) ? '*' : w)), `${e.id} HYP`);
      if (c.substitutions + c.deletions + c.insertions > 1) ties++;
    }
    assert.ok(ties > 100, `only ${ties} multi-error alignments`);
  });

  it('documented cases: weighted cost prefers D+I over two substitutions', () => {
    assert.deepEqual(errorCounts(['A', 'B'], ['B', 'C']), { hits: 1, substitutions: 0, deletions: 1, insertions: 1 });
    assert.deepEqual(errorCounts([], ['X', 'Y']), { hits: 0, substitutions: 0, deletions: 0, insertions: 2 });
    assert.deepEqual(errorCounts(['X'], []), { hits: 0, substitutions: 0, deletions: 1, insertions: 0 });
    assert.deepEqual(errorCounts([], []), { hits: 0, substitutions: 0, deletions: 0, insertions: 0 });
  });
});
