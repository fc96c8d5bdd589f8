import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { readTransFile } from '../../src/data/librispeech';
import { BirqError } from '../../src/util/errors';

test('a transcript file that cannot be read is a BirqError naming it, not a raw ENOENT', () => {
  const missing = path.join(os.tmpdir(), 'birq-no-such-dir', '1-2.trans.txt');
  assert.throws(() => readTransFile(missing), (e: unknown) => e instanceof BirqError && (e as Error).message.includes(missing) && /ENOENT/.test((e as Error).message));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-trans-'));
  const bad = path.join(dir, '1-2.trans.txt');
  fs.writeFileSync(bad, 'NOSPACEHERE\n');
  assert.throws(() => readTransFile(bad), /line 1: expected/);
});
