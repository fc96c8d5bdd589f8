/**
 * Jane Austen's six novels from the Debian package r-cran-janeaustenr, without installing R:
 * `apt-get download` the .deb into the cache, `dpkg-deb -x` it, and parse `janeaustenr/data/Rdata.rdb`.
 * Format (docs/data.md §3): a run of records, each a big-endian u32 (the *inflated* length) then a
 * zlib stream whose compressed length is only known by inflating it; each inflates
 * to an R XDR serialization ('X\n', version, [native encoding for v3], then a STRSXP: flags (low byte 16),
 * an int32 count, per element int32 flags, int32 length (-1 = NA) and the bytes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { fail } from '../src/util/errors';
import { runTool } from './tools';

export type Novel = 'emma' | 'mansfield' | 'pride' | 'sense' | 'persuasion' | 'northanger';

const TITLES: Record<string, Novel> = {
  'EMMA': 'emma', 'MANSFIELD PARK': 'mansfield', 'PRIDE AND PREJUDICE': 'pride',
  'SENSE AND SENSIBILITY': 'sense', 'PERSUASION': 'persuasion', 'NORTHANGER ABBEY': 'northanger',
};

/** Fetch and unpack the package into `cacheDir` once; returns the path of Rdata.rdb. */
export function fetchAusten(cacheDir: string): string {
  const rdb = path.join(cacheDir, 'janeaustenr', 'usr', 'lib', 'R', 'site-library', 'janeaustenr', 'data', 'Rdata.rdb');
  if (fs.existsSync(rdb)) return rdb;
  const debDir = path.join(cacheDir, 'debs');
  fs.mkdirSync(debDir, { recursive: true });
  let deb = fs.readdirSync(debDir).find((f) => f.startsWith('r-cran-janeaustenr_') && f.endsWith('.deb'));
  if (!deb) {
    runTool('apt-get', ['download', 'r-cran-janeaustenr'], { cwd: debDir, pkg: 'apt', what: 'download the Austen texts (needs the Debian archive)' });
    deb = fs.readdirSync(debDir).find((f) => f.startsWith('r-cran-janeaustenr_') && f.endsWith('.deb'));
    if (!deb) fail('apt-get download r-cran-janeaustenr produced no .deb', debDir);
  }
  const tmp = path.join(cacheDir, `janeaustenr.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  runTool('dpkg-deb', ['-x', path.join(debDir, deb), tmp], { pkg: 'dpkg', what: 'unpack r-cran-janeaustenr' });
  fs.renameSync(tmp, path.join(cacheDir, 'janeaustenr'));
  if (!fs.existsSync(rdb)) fail('unpacked r-cran-janeaustenr has no data/Rdata.rdb', rdb);
  return rdb;
}

/** Parse Rdata.rdb into the six novels, each an array of text lines (NA lines dropped). */
export function readNovels(rdbFile: string): Record<Novel, string[]> {
  const buf = fs.readFileSync(rdbFile);
  const out: Partial<Record<Novel, string[]>> = {};
  let pos = 0;
  while (pos + 4 <= buf.length) {
    const want = buf.readUInt32BE(pos);
    let res: { buffer: Buffer; engine: zlib.Inflate };
    try {
      res = zlib.inflateSync(buf.subarray(pos + 4), { info: true }) as unknown as { buffer: Buffer; engine: zlib.Inflate };
    } catch (e) {
      fail(`corrupt zlib record at byte ${pos} (${(e as Error).message})`, rdbFile);
    }
    if (res.buffer.length !== want) fail(`record at byte ${pos} inflates to ${res.buffer.length} bytes, header says ${want}`, rdbFile);
    const lines = parseStrsxp(res.buffer, rdbFile);
    pos += 4 + res.engine.bytesWritten;
    if (!lines) continue;
    const head = lines.slice(0, 10).map((l) => l.trim().toUpperCase());
    const novel = head.map((h) => TITLES[h]).find((x) => x);
    if (novel) out[novel] = lines;
  }
  const missing = Object.values(TITLES).filter((n) => !out[n]);
  if (missing.length) fail(`could not find novels ${missing.join(', ')} in Rdata.rdb`, rdbFile);
  return out as Record<Novel, string[]>;
}

function parseStrsxp(b: Buffer, file: string): string[] | null {
  if (b[0] !== 0x58 || b[1] !== 0x0a) fail('R serialization is not XDR ("X\\n")', file);
  let p = 2;
  const version = b.readInt32BE(p);
  p += 12; // version, writer R version, minimal reader version
  if (version === 3) { const n = b.readInt32BE(p); p += 4 + n; }
  const flags = b.readInt32BE(p); p += 4;
  if ((flags & 0xff) !== 16) return null; // not a character vector (e.g. the index)
  const count = b.readInt32BE(p); p += 4;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    p += 4; // CHARSXP flags
    const len = b.readInt32BE(p); p += 4;
    if (len < 0) continue;
    lines.push(b.toString('utf8', p, p + len));
    p += len;
  }
  return lines;
}
