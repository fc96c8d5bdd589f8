import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { charErrorRate, errorRate, formatErrorRate, phoneErrorRate, wordErrorRate } from '../../src/metrics/error-rate';

const dir = path.join(__dirname, '../fixtures/sclite');
const trn = (f: string) => fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean).map((l) => l.replace(/\(\S+\)\s*$/, '').trim());

describe('corpus error rates', () => {
  it('WER over the sclite fixture equals sclite\'s Sum/Avg line', () => {
    const r = wordErrorRate(trn('ref.trn'), trn('hyp.trn'));
    const sum = fs.readFileSync(path.join(dir, 'sclite.sys'), 'utf8').split('\n').find((l) => l.includes('Sum/Avg'))!;
    // | Sum/Avg| #snt #wrd | Corr Sub Del Ins Err S.Err |
    const nums = sum.replace(/[|]/g, ' ').split(/\s+/).filter((x) => /^[\d.]+$/.test(x)).map(Number);
    const [snt, wrd, corr, sub, del, ins, err, serr] = nums;
    assert.equal(r.sentences, snt);
    assert.equal(r.refTokens, wrd);
    const pct = (n: number) => Math.round((1000 * n) / r.refTokens) / 10;
    assert.equal(pct(r.hits), corr);
    assert.equal(pct(r.substitutions), sub);
    assert.equal(pct(r.deletions), del);
    assert.equal(pct(r.insertions), ins);
    assert.equal(Math.round(1000 * r.rate) / 10, err);
    assert.equal(Math.round((1000 * r.sentenceErrors) / r.sentences) / 10, serr);
  });

  it('is summed over the corpus, not averaged per sentence', () => {
    const r = wordErrorRate(['A B C D', 'E'], ['A B C D', 'F']);
    assert.equal(r.rate, 1 / 5);
    assert.equal(r.sentenceErrors, 1);
  });

  it('CER counts characters with the space between words', () => {
    const r = charErrorRate(['AB CD'], ['ABCD']);
    assert.equal(r.refTokens, 5);
    assert.equal(r.deletions, 1);
    assert.equal(r.rate, 1 / 5);
    assert.equal(charErrorRate(['  HI   THERE '], ['HI THERE']).errors, 0, 'whitespace runs collapse');
  });

  it('PER over phone strings', () => {
    const r = phoneErrorRate(['dh ah k ae t'], ['dh ah k ae']);
    assert.equal(r.rate, 1 / 5);
  });

  it('empty references: no division by zero', () => {
    assert.equal(wordErrorRate([''], ['']).rate, 0);
    assert.equal(wordErrorRate([''], ['HELLO']).rate, Infinity);
    assert.equal(wordErrorRate(['', 'A'], ['X', 'A']).rate, 1, 'an empty reference inside a corpus adds its insertions');
    assert.equal(errorRate([], []).rate, 0);
    assert.match(formatErrorRate('WER', wordErrorRate([''], ['HELLO'])), /WER inf/);
    assert.throws(() => wordErrorRate(['A'], []), /1 references but 0 hypotheses/);
  });
});
