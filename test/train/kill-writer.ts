/**
 * Child process for the SIGKILL test: rewrites a checkpoint-sized tensor file, a label snapshot and a results JSON
 * in a loop, each version's content derived from its number, until killed. Prints "ready" after the first round.
 */
import * as path from 'node:path';
import { writeJsonAtomic } from '../../src/util/fs';
import { writeTensorFile } from '../../src/train/tensor-file';

const dir = process.argv[2];
const start = Number(process.argv[3] ?? 0);
const N = 2_000_000; // 8 MB per tensor file: writes take long enough to be killed mid-way
for (let v = start; ; v++) {
  writeTensorFile(path.join(dir, 'model.ckpt'), { v }, [{ name: 'w', dtype: 'float32', shape: [N], data: new Float32Array(N).fill(v) }]);
  writeTensorFile(path.join(dir, 'step.labels'), { v }, [{ name: 'l', dtype: 'int32', shape: [N / 2], data: new Int32Array(N / 2).fill(v) }]);
  writeJsonAtomic(path.join(dir, 'results.json'), { v, rows: Array.from({ length: 20000 }, (_, i) => ({ i, v })) });
  if (v === start) process.stdout.write('ready\n');
}
