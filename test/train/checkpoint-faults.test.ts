import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mock, test } from 'node:test';
import { latestCheckpoint, saveCheckpoint } from '../../src/train/checkpoint';
import { readTensorFile, verifyTensorFile } from '../../src/train/tensor-file';
import { BirqError } from '../../src/util/errors';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'birq-ckfault-'));
/** Stand-ins with the only members saveCheckpoint reads (dtype, shape, dataSync), so no backend is needed. */
const fake = (v: number) => ({ dtype: 'float32', shape: [1000], dataSync: () => new Float32Array(1000).fill(v) });
const task = (v: number) => ({ params: { vars: new Map([['w', fake(v)]]) }, frozen: () => ({ anchor: fake(-1) }) }) as never;
const opt = (v: number) => ({ stateTensors: () => ({ 'adam.m.w': fake(v / 2) }) }) as never;
const meta = (step: number) => ({ step, adamT: step, rng: { s: [1, 2, 3, 4] as never, spare: null }, config: {}, task: 'best-rq' });

test('a truncated or corrupted checkpoint is named, and resume falls back to the previous good one, saying so', () => {
  const dir = tmp();
  const a = saveCheckpoint(dir, meta(10), task(1), opt(1), 3);
  const b = saveCheckpoint(dir, meta(20), task(2), opt(2), 3);
  assert.equal(latestCheckpoint(dir, () => assert.fail('no warning expected')), b);
  // Flip one byte in the tensor data: the checksum names it.
  const bytes = fs.readFileSync(b);
  bytes[bytes.length - 10] ^= 0x40;
  fs.writeFileSync(b, bytes);
  assert.match(verifyTensorFile(b)!, /checksum mismatch/);
  assert.throws(() => readTensorFile(b), (e: unknown) => e instanceof BirqError && e.message.includes(b));
  const warnings: string[] = [];
  assert.equal(latestCheckpoint(dir, (m) => warnings.push(m)), a);
  assert.match(warnings.join('\n'), /step-0000020\.ckpt: corrupt.*resuming from the previous good checkpoint .*step-0000010\.ckpt/);
  // Truncated: named as such.
  fs.writeFileSync(b, bytes.subarray(0, bytes.length - 100));
  assert.match(verifyTensorFile(b)!, /truncated/);
  assert.equal(latestCheckpoint(dir, () => {}), a);
  // A torn pointer falls back too; when nothing verifies it is an error naming every file.
  fs.writeFileSync(path.join(dir, 'latest.json'), '{"file": "step-00');
  assert.equal(latestCheckpoint(dir, () => {}), a);
  fs.writeFileSync(a, 'BIRQTNS1');
  assert.throws(() => latestCheckpoint(dir, () => {}), /no checkpoint verifies.*step-0000020.*step-0000010/s);
});

test('ENOSPC while writing a checkpoint: the error names the path, no temporary file is left, the last good checkpoint stays', () => {
  const dir = tmp();
  const a = saveCheckpoint(dir, meta(10), task(1), opt(1), 2);
  // The module object itself (the namespace import is a frozen view of it); src/util/fs.ts reads through to it.
  const fsm = require('node:fs') as typeof fs;
  const m = mock.method(fsm, 'writeSync', () => {
    throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  });
  try {
    assert.throws(() => saveCheckpoint(dir, meta(20), task(2), opt(2), 2), (e: unknown) => e instanceof BirqError && /step-0000020\.ckpt: cannot write: disk full \(ENOSPC\)/.test((e as Error).message));
  } finally {
    m.mock.restore();
  }
  assert.deepEqual(fs.readdirSync(dir).sort(), ['latest.json', 'step-0000010.ckpt']);
  assert.equal(latestCheckpoint(dir, () => assert.fail('no warning expected')), a);
  assert.equal(readTensorFile(a).arrays.get('param.w')!.data[0], 1);
});

test('SIGKILL while writing a checkpoint, a label snapshot or a results file leaves the previous version readable', async () => {
  const dir = tmp();
  const child = (start: number) => spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'kill-writer.ts'), dir, String(start)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const kills = 6;
  for (let k = 0; k < kills; k++) {
    const c = child(k * 1000);
    await new Promise<void>((res, rej) => { c.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && res()); c.on('exit', () => rej(new Error('writer exited early'))); });
    // Kill at a different point of the write cycle each time.
    await new Promise((r) => setTimeout(r, 15 + 37 * k));
    c.kill('SIGKILL');
    await new Promise((r) => c.on('exit', r));
    for (const [f, name] of [['model.ckpt', 'w'], ['step.labels', 'l']] as const) {
      const t = readTensorFile<{ v: number }>(path.join(dir, f));
      const data = t.arrays.get(name)!.data;
      assert.ok(data[0] === t.meta.v && data[data.length - 1] === t.meta.v, `${f}: a whole version`);
    }
    const r = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as { v: number; rows: unknown[] };
    assert.equal(r.rows.length, 20000);
  }
  // The killed writers' temporary files are what a later checkpoint save sweeps away.
  const { removeStaleTemps } = await import('../../src/util/fs');
  removeStaleTemps(dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['model.ckpt', 'results.json', 'step.labels']);
});
