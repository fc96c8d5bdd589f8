import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeText, normalizeTextReport, describeChar } from '../../src/decode/text';
import { charVocab, decodeTokens, encodeTarget, phoneVocab, vocabFor } from '../../src/decode/vocab';
import { BirqError } from '../../src/util/errors';

describe('normalizeText (LibriSpeech set)', () => {
  it('applies the documented rule', () => {
    assert.equal(normalizeText('Mr. Darcy’s café — “Hello!”  said she.'), "MR DARCY'S CAFE HELLO SAID SHE");
    assert.equal(normalizeText("'Tis the well-known 'truth', isn't it?"), "TIS THE WELL KNOWN TRUTH ISN'T IT");
    assert.equal(normalizeText('Æsop’s ﬁne Straße'), "AESOP'S FINE STRASSE");
    assert.equal(normalizeText('  \t\n '), '');
    assert.equal(normalizeText('a_b/c;d:e(f)g'), 'A B C D E F G');
  });

  it('reports out-of-vocabulary characters by name', () => {
    assert.throws(() => normalizeText('In 1811 & after', { where: 'text.jsonl:3' }), (e: Error) =>
      e instanceof BirqError && e.message.startsWith('text.jsonl:3: ') && e.message.includes("U+0031 '1' (digit)") &&
      e.message.includes("U+0038 '8' (digit)") && e.message.includes("U+0026 '&' (symbol)"));
    const r = normalizeTextReport('Cost £5 — Ωmega');
    assert.equal(r.text, 'COST MEGA');
    assert.deepEqual(r.dropped, ["U+00A3 '£' (symbol)", "U+0035 '5' (digit)", "U+03A9 'Ω' (letter outside A-Z)"]);
    assert.equal(normalizeText('x + y', { onUnknown: 'drop' }), 'X Y');
    assert.equal(describeChar('\u0007'), 'U+0007 (control or other)');
  });
});

describe('vocabularies', () => {
  it('chars: blank, space, apostrophe, A-Z', () => {
    const v = charVocab();
    assert.equal(v.tokens.length, 29);
    assert.equal(v.blank, 0);
    const ids = encodeTarget(v, "IT'S A");
    assert.deepEqual(ids, [11, 22, 2, 21, 1, 3]);
    assert.equal(decodeTokens(v, [0, 1, ...ids, 1, 1, 0]), "IT'S A");
    assert.throws(() => encodeTarget(v, 'it'), /'i', which is not in the vocabulary/);
  });

  it('phones: blank + CMU-39, no silence', () => {
    const v = phoneVocab();
    assert.equal(v.tokens.length, 40);
    assert.ok(!v.tokens.includes('sil'));
    const ids = encodeTarget(v, 'dh ah  k ae t');
    assert.equal(ids.length, 5);
    assert.equal(decodeTokens(v, ids), 'dh ah k ae t');
    assert.throws(() => encodeTarget(v, 'dh sil'), /'sil'/);
    assert.throws(() => vocabFor('words' as never), /unknown vocabulary 'words'/);
  });
});
