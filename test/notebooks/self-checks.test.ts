/**
 * The committed notebooks are their own sources (edited in Jupyter, committed as .ipynb): each is stripped of
 * outputs (scripts/strip-notebooks.cjs --check) and ends with a cell that checks what its prose claims, so
 * removing or emptying that cell is a test failure, not a quieter notebook. Executing them (runner.test.ts and
 * the harness's notebook step) is what type-checks their TypeScript: tslab stops a cell on a type error.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '../..');
const dir = path.join(root, 'notebooks');
const notebooks = fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort();
/** What a notebook's last code cell must call: the claims table (00-04) or the suite checks (05-10). */
const CHECK = /birq\.checkClaims\(|birq\.checkSuite\(|throw new Error\(/;

test('notebooks 00-10 are all here, committed without outputs', () => {
  assert.deepEqual(notebooks.map((n) => n.slice(0, 2)), ['00', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10']);
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'strip-notebooks.cjs'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

for (const name of notebooks) {
  test(`notebook ${name} ends with a self-check of its claims`, () => {
    const nb = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as { cells: { cell_type: string; source: string | string[] }[] };
    const code = nb.cells.filter((c) => c.cell_type === 'code').map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source));
    const last = code[code.length - 1];
    assert.match(last, CHECK, 'the last code cell checks the claims');
    if (/checkClaims/.test(last)) assert.ok((last.match(/\{ claim: /g) ?? []).length >= 4, 'at least four claims');
  });
}
