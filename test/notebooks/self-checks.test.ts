/**
 * Notebooks 00-03 end by checking their own claims (src/viz/claims.ts): the last code cell calls
 * birq.checkClaims, so removing or emptying it is a test failure, not a quieter notebook. The committed
 * notebook must also be what its source (notebooks/src/NN-name.py) generates. (04-09: add them here as they
 * gain their self-checks.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';

const root = path.resolve(__dirname, '../..');
const SELF_CHECKED = ['00-environment', '01-data', '02-quantizers', '03-encoder-and-objective'];
const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

for (const name of SELF_CHECKED) {
  test(`notebook ${name} ends with a self-check and is what its source generates`, () => {
    const file = path.join(root, 'notebooks', `${name}.ipynb`);
    const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { cell_type: string; source: string | string[]; outputs?: unknown[] }[] };
    const code = nb.cells.filter((c) => c.cell_type === 'code').map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source));
    const last = code[code.length - 1];
    assert.match(last, /birq\.checkClaims\(/, 'the last code cell checks the claims');
    assert.ok((last.match(/\{ claim: /g) ?? []).length >= 4, 'at least four claims');
    assert.ok(nb.cells.every((c) => !c.outputs || c.outputs.length === 0), 'committed without outputs');
    // Regenerate from the source into a scratch copy of the repo layout and compare.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-nbsrc-'));
    fs.mkdirSync(path.join(tmp, 'notebooks', 'src'), { recursive: true });
    fs.mkdirSync(path.join(tmp, 'scripts'));
    fs.copyFileSync(path.join(root, 'scripts', 'nb.py'), path.join(tmp, 'scripts', 'nb.py'));
    const r = spawnSync(python, [path.join(root, 'notebooks', 'src', `${name}.py`)], { cwd: tmp, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(tmp, 'notebooks', `${name}.ipynb`), 'utf8'), fs.readFileSync(file, 'utf8'), `notebooks/${name}.ipynb differs from what notebooks/src/${name}.py writes`);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
}
