/**
 * Our binary tensor container (checkpoints, label snapshots):
 *   8 bytes magic "BIRQTNS1" | u32 LE header length | header JSON (UTF-8) | zero pad to 8 | tensor bytes
 * Header: { meta, tensors: [{ name, dtype, shape, offset, bytes }] }, offsets relative to the data start.
 * Written atomically (temp file + fsync + rename), so a crash never leaves half a checkpoint.
 */
import * as fs from 'node:fs';
import { BirqError } from '../util/errors';
import { writeFileAtomic } from '../util/fs';

const MAGIC = 'BIRQTNS1';

export type ArrayDType = 'float32' | 'int32';

export interface NamedArray {
  name: string;
  dtype: ArrayDType;
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface TensorFile<M = Record<string, unknown>> {
  meta: M;
  arrays: Map<string, NamedArray>;
}

export function writeTensorFile(file: string, meta: unknown, arrays: NamedArray[]): void {
  let offset = 0;
  const entries = arrays.map((a) => {
    const e = { name: a.name, dtype: a.dtype, shape: a.shape, offset, bytes: a.data.byteLength };
    offset += a.data.byteLength;
    return e;
  });
  const header = Buffer.from(JSON.stringify({ meta, tensors: entries }), 'utf8');
  const pre = 8 + 4 + header.length;
  const pad = (8 - (pre % 8)) % 8;
  const out = Buffer.alloc(pre + pad + offset);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, 8);
  header.copy(out, 12);
  const base = pre + pad;
  arrays.forEach((a, i) => Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).copy(out, base + entries[i].offset));
  writeFileAtomic(file, out);
}

export function readTensorFile<M = Record<string, unknown>>(file: string): TensorFile<M> {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new BirqError(`cannot read tensor file (${(e as NodeJS.ErrnoException).code ?? e})`, file);
  }
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw new BirqError('not a BiRQ tensor file (bad magic)', file);
  const hlen = buf.readUInt32LE(8);
  let header: { meta: M; tensors: { name: string; dtype: ArrayDType; shape: number[]; offset: number; bytes: number }[] };
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + hlen));
  } catch (e) {
    throw new BirqError(`tensor file header is not valid JSON (${(e as Error).message})`, file);
  }
  const pre = 12 + hlen;
  const base = pre + ((8 - (pre % 8)) % 8);
  const arrays = new Map<string, NamedArray>();
  for (const t of header.tensors) {
    if (base + t.offset + t.bytes > buf.length) throw new BirqError(`tensor '${t.name}' runs past the end of the file (truncated?)`, file);
    const bytes = new Uint8Array(t.bytes);
    buf.copy(bytes, 0, base + t.offset, base + t.offset + t.bytes);
    const data = t.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    arrays.set(t.name, { name: t.name, dtype: t.dtype, shape: t.shape, data });
  }
  return { meta: header.meta, arrays };
}
