import * as fs from 'node:fs';
import * as path from 'node:path';
import { BirqError } from './errors';

/**
 * Write a file atomically: write a temporary sibling, fsync, rename, fsync the directory. Readers never see half
 * a file, and a process killed at any moment leaves the previous version in place. A failed write (a full disk,
 * ENOSPC; a quota; EIO) removes the temporary file and is a BirqError naming the path, so the caller can stop
 * with the previous version still intact.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  let fd: number | undefined;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fd = fs.openSync(tmp, 'w');
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    // writeSync may write less than asked (large buffers, signals): loop until all bytes are out.
    for (let off = 0; off < buf.length; ) off += fs.writeSync(fd, buf, off, buf.length - off);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) try { fs.closeSync(fd); } catch { /* already failing */ }
    fs.rmSync(tmp, { force: true });
    const code = (e as NodeJS.ErrnoException).code;
    if (!code) throw e;
    const why = code === 'ENOSPC' ? 'disk full (ENOSPC)' : code === 'EDQUOT' ? 'disk quota exceeded (EDQUOT)' : code;
    throw new BirqError(`cannot write: ${why}; the previous version, if any, is unchanged`, file);
  }
  syncDir(path.dirname(file));
}

/** fsync a directory so a rename survives a power cut (best effort: not every platform allows it). */
function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  } catch { /* best effort */ }
}

/** Remove temporary files `<name>.tmp-<pid>-<time>` in `dir` left by writers that were killed (pid not alive). */
export function removeStaleTemps(dir: string): void {
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return; }
  for (const n of names) {
    const m = /\.tmp-(\d+)-\d+$/.exec(n);
    if (!m || Number(m[1]) === process.pid) continue;
    let alive = true;
    try { process.kill(Number(m[1]), 0); } catch (e) { alive = (e as NodeJS.ErrnoException).code === 'EPERM'; }
    if (!alive) fs.rmSync(path.join(dir, n), { force: true });
  }
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Read and parse a JSON file; a missing or malformed file is a BirqError naming it. */
export function readJson<T = unknown>(file: string, what = 'JSON file'): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new BirqError(`cannot read ${what} (${(e as NodeJS.ErrnoException).code ?? String(e)})`, file);
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new BirqError(`${what} is not valid JSON (${(e as Error).message})`, file);
  }
}

/** Append one JSON line (metrics logs). Appends of a single short line are atomic enough on POSIX. */
export function appendJsonl(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, JSON.stringify(value) + '\n');
}

export function readJsonl<T = unknown>(file: string): T[] {
  if (!fs.existsSync(file)) return [];
  const out: T[] = [];
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // A torn last line after a crash is dropped; a bad line in the middle is an error.
      if (i < lines.length - 2) throw new BirqError(`line ${i + 1} is not valid JSON`, file);
    }
  });
  return out;
}
