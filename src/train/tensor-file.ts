/**
 * Our binary tensor container (checkpoints, label snapshots, fine-tuned models):
 *   8 bytes magic "BIRQTNS1" | u32 LE header length | header JSON (UTF-8) | zero pad to 8 | tensor bytes
 * Header: { meta, tensors: [{ name, dtype, shape, offset, bytes }], sha256 }, offsets relative to the data start;
 * `sha256` covers the tensor bytes, so a truncated or corrupted file is named on reading, never loaded as
 * silently wrong weights (files written before the checksum existed are read without it).
 * Written atomically (temp file + fsync + rename), so a crash never leaves half a file.
 */
import { createHash } from 'node:crypto';
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

interface Entry { name: string; dtype: ArrayDType; shape: number[]; offset: number; bytes: number }

export function writeTensorFile(file: string, meta: unknown, arrays: NamedArray[]): void {
  let offset = 0;
  const entries = arrays.map((a) => {
    const e = { name: a.name, dtype: a.dtype, shape: a.shape, offset, bytes: a.data.byteLength };
    offset += a.data.byteLength;
    return e;
  });
  const hash = createHash('sha256');
  for (const a of arrays) hash.update(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength));
  const header = Buffer.from(JSON.stringify({ meta, tensors: entries, sha256: hash.digest('hex') }), 'utf8');
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
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) throw new BirqError(`not a BiRQ tensor file (bad magic${buf.length < 12 ? `, ${buf.length} bytes: truncated?` : ''})`, file);
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length) throw new BirqError(`truncated: header declares ${hlen} bytes, the file holds ${buf.length - 12} after the magic`, file);
  let header: { meta: M; tensors: Entry[]; sha256?: string };
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + hlen));
    if (!Array.isArray(header.tensors)) throw new Error('no tensor list');
  } catch (e) {
    throw new BirqError(`corrupt: tensor file header is not valid JSON (${(e as Error).message})`, file);
  }
  const pre = 12 + hlen;
  const base = pre + ((8 - (pre % 8)) % 8);
  const total = header.tensors.reduce((s, t) => s + t.bytes, 0);
  if (base + total > buf.length) throw new BirqError(`truncated: the tensors need ${base + total} bytes, the file holds ${buf.length}`, file);
  if (header.sha256 !== undefined) {
    const got = createHash('sha256').update(buf.subarray(base, base + total)).digest('hex');
    if (got !== header.sha256) throw new BirqError(`corrupt: tensor data checksum mismatch (sha256 ${got.slice(0, 12)}…, header says ${header.sha256.slice(0, 12)}…)`, file);
  }
  const arrays = new Map<string, NamedArray>();
  for (const t of header.tensors) {
    if (!(t.offset >= 0 && t.bytes >= 0 && t.offset + t.bytes <= total) || t.bytes % 4) throw new BirqError(`corrupt: tensor '${t.name}' has a bad offset or size`, file);
    const bytes = new Uint8Array(t.bytes);
    buf.copy(bytes, 0, base + t.offset, base + t.offset + t.bytes);
    const data = t.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    arrays.set(t.name, { name: t.name, dtype: t.dtype, shape: t.shape, data });
  }
  return { meta: header.meta, arrays };
}

/** Whether a tensor file reads back whole (magic, header, length, checksum); the reason when not. */
export function verifyTensorFile(file: string): string | null {
  try {
    readTensorFile(file);
    return null;
  } catch (e) {
    if (e instanceof BirqError) return e.message;
    throw e;
  }
}
