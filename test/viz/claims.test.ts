/** Notebook self-checks (src/viz/claims.ts): a false claim throws and names itself; NaN anywhere is caught. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allFinite, checkClaims } from '../../src/viz/claims';

test('checkClaims passes true claims and throws naming each false one', () => {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    assert.doesNotThrow(() => checkClaims('t', [{ claim: 'one is one', ok: true, value: 1 }]));
    assert.throws(() => checkClaims('nb 99', [{ claim: 'fine', ok: true }, { claim: 'loss fell', ok: false, value: [2, 3] }, { claim: 'finite', ok: false, value: NaN }]),
      /nb 99: 2 of 3 claims do not hold: loss fell \(\[2,3\]\); finite \(NaN\)/);
    assert.throws(() => checkClaims('empty', []), /no claims/);
  } finally {
    process.stdout.write = write;
  }
});

test('allFinite looks into arrays, typed arrays and objects, and rejects a value with no numbers', () => {
  assert.ok(allFinite([1, { a: Float32Array.from([2, 3]) }, [[4]]]));
  assert.ok(!allFinite([1, { a: Float32Array.from([2, NaN]) }]));
  assert.ok(!allFinite({ deep: [[Infinity]] }));
  assert.ok(!allFinite([]) && !allFinite({ name: 'x' }));
});
