/**
 * On-disk feature cache, so epochs do not recompute spectra. One binary file per utterance:
 *   bytes 0-7 "BIRQFEAT", u32 version, u32 frames, u32 bins, u32 reserved, then frames·bins float32 LE.
 * The file name is a hash of (utterance id, audio path, its size and mtime, the feature config), so a changed
 * file or config never serves stale features. Written atomically; a corrupt entry is recomputed.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Features, LogMel, LogMelConfig } from '../features/logmel';
import { writeFileAtomic } from '../util/fs';
import { loadUtteranceAudio } from './corpus';
import { ManifestEntry } from './manifest';

const MAGIC = 'BIRQFEAT';
const VERSION = 1;
const HEADER = 24;

export function encodeFeatures(f: Features): Uint8Array {
  const buf = new Uint8Array(HEADER + f.data.length * 4);
  const dv = new DataView(buf.buffer);
  for (let i = 0; i < 8; i++) buf[i] = MAGIC.charCodeAt(i);
  dv.setUint32(8, VERSION, true);
  dv.setUint32(12, f.frames, true);
  dv.setUint32(16, f.bins, true);
  new Uint8Array(buf.buffer, HEADER).set(new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength));
  return buf;
}

/** Decode a cache file; null when it is not a complete, current one. */
export function decodeFeatures(buf: Uint8Array): Features | null {
  if (buf.length < HEADER || String.fromCharCode(...buf.subarray(0, 8)) !== MAGIC) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dv.getUint32(8, true) !== VERSION) return null;
  const frames = dv.getUint32(12, true), bins = dv.getUint32(16, true);
  if (buf.length !== HEADER + frames * bins * 4) return null;
  // A view when the payload is 4-byte aligned (large reads get their own ArrayBuffer); small Buffers may sit
  // at any offset in Node's pool and are copied.
  const off = buf.byteOffset + HEADER;
  if (off % 4 === 0) return { data: new Float32Array(buf.buffer, off, frames * bins), frames, bins };
  const data = new Float32Array(frames * bins);
  new Uint8Array(data.buffer).set(buf.subarray(HEADER));
  return { data, frames, bins };
}

export class FeatureCache {
  readonly logmel: LogMel;
  private tag: string;
  hits = 0;
  misses = 0;

  constructor(readonly dir: string, cfg: Partial<LogMelConfig> = {}) {
    this.logmel = new LogMel(cfg);
    this.tag = JSON.stringify(this.logmel.cfg);
  }

  private fileFor(e: ManifestEntry): string {
    let st = '';
    try {
      const s = fs.statSync(e.audio);
      st = `${s.size}:${s.mtimeMs}`;
    } catch {
      // a missing file fails in loadUtteranceAudio with a clear message
    }
    const h = createHash('sha1').update(`${e.id}\0${path.resolve(e.audio)}\0${e.start ?? ''}\0${e.end ?? ''}\0${st}\0${this.tag}`).digest('hex');
    return path.join(this.dir, h.slice(0, 2), h + '.feat');
  }

  /** Log-mel [T, F] of an utterance, from the cache or computed and stored. */
  get(e: ManifestEntry): Features {
    const file = this.fileFor(e);
    let buf: Buffer | null = null;
    try {
      buf = fs.readFileSync(file);
    } catch {
      // not cached yet
    }
    const f = buf && decodeFeatures(buf);
    if (f) {
      this.hits++;
      return f;
    }
    this.misses++;
    const g = this.logmel.compute(loadUtteranceAudio(e, this.logmel.cfg.sampleRate));
    writeFileAtomic(file, encodeFeatures(g));
    return g;
  }
}
