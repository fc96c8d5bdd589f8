import * as fs from 'node:fs';
import * as path from 'node:path';
import { BirqError } from './errors';

/** Write a file atomically: write a temporary sibling, fsync, rename. Readers never see half a file. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    if (typeof data === 'string') fs.writeSync(fd, data);
    else fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
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
