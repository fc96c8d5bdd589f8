import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { executeNotebook } from '../../src/notebooks';

/** A minimal tslab notebook with the given code cells. */
function writeNotebook(dir: string, name: string, cells: string[]): string {
  const file = path.join(dir, name);
  const nb = {
    cells: cells.map((src, i) => ({ cell_type: 'code', id: `c${i}`, execution_count: null, metadata: {}, outputs: [], source: src })),
    metadata: { kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.writeFileSync(file, JSON.stringify(nb));
  return file;
}

test('the notebook runner passes a good notebook and names the failing cell of a bad one (type error and throw)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-nb-'));
  const good = writeNotebook(dir, 'good.ipynb', ['const x: number = 1 + 1;', 'console.log(`x=${x}`);']);
  const typeErr = writeNotebook(dir, 'type-error.ipynb', ['const a = 1;', 'const s: string = 42;', 'console.log("never")']);
  const throws = writeNotebook(dir, 'throws.ipynb', ['throw new Error("boom from cell one")']);
  const out = path.join(dir, 'out');

  const r1 = executeNotebook(good, { outDir: out });
  assert.ok(r1.ok, r1.error);
  const executed = JSON.parse(fs.readFileSync(path.join(out, 'good.ipynb'), 'utf8'));
  assert.match(JSON.stringify(executed.cells[1].outputs), /x=2/);

  const r2 = executeNotebook(typeErr, { outDir: out });
  assert.equal(r2.ok, false);
  assert.match(r2.error ?? '', /cell 2/);
  assert.match(r2.error ?? '', /not assignable to type 'string'/);
  assert.ok(fs.existsSync(path.join(out, 'type-error.ipynb')), 'the failed notebook is saved with its outputs');

  const r3 = executeNotebook(throws, { outDir: out });
  assert.equal(r3.ok, false);
  assert.match(r3.error ?? '', /boom from cell one/);
});
