/**
 * Fuzzed WAV and FLAC readers: mutations of valid files (truncation at every header byte, random byte flips,
 * random and huge values in the size fields, random bytes after a valid header) under a fixed seed and a time
 * budget. Every case must end in a BirqError or a decode that is consistent (equal channel lengths, finite
 * samples in [-1, 1] for integer PCM); never another exception, never a case that takes long, and never a
 * typed array larger than the file's bytes warrant (a declared size is not trusted for allocation).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { decodeAudio } from '../../src/audio';
import { BirqError } from '../../src/util/errors';
import { Rng } from '../../src/util/rng';

const FIX = path.join(__dirname, '..', 'fixtures', 'audio');
const SEEDS = ['pcm16.wav', 'pcm24.wav', 'float32.wav', 'stereo16.wav', 'pcm8.wav', 'pcm16-c8.flac', 'pcm16-c0.flac', 'pcm24.flac', 'stereo16.flac', 'pcm8.flac']
  .map((f) => ({ name: f, bytes: new Uint8Array(fs.readFileSync(path.join(FIX, f))) }));
const BUDGET_MS = Number(process.env.BIRQ_FUZZ_MS ?? 12000);
const MAX_CASES = 50000;

/** Byte offsets of the fields a mutation should aim at: RIFF/chunk sizes, fmt fields, FLAC block headers and STREAMINFO. */
function headerFields(b: Uint8Array): number[] {
  const at: number[] = [];
  if (b[0] === 0x52) {
    at.push(4);
    for (let pos = 12; pos + 8 <= b.length; ) {
      at.push(pos + 4);
      const size = b[pos + 4] | (b[pos + 5] << 8) | (b[pos + 6] << 16) | (b[pos + 7] << 24);
      if (String.fromCharCode(...b.subarray(pos, pos + 4)) === 'fmt ') for (const o of [8, 10, 12, 16, 20, 22]) at.push(pos + o);
      if (String.fromCharCode(...b.subarray(pos, pos + 4)) === 'data') break;
      pos += 8 + (size >>> 0) + (size & 1);
    }
  } else for (let o = 4; o < 42; o++) at.push(o); // metadata header + STREAMINFO
  return at;
}

function mutate(rng: Rng, src: Uint8Array, kind: number, i: number): Uint8Array {
  const b = src.slice();
  const fields = headerFields(src);
  const headerEnd = Math.min(src.length, Math.max(...fields) + 8);
  const u32 = (o: number, v: number) => { if (o + 4 <= b.length) new DataView(b.buffer).setUint32(o, v >>> 0, b[0] === 0x52); };
  switch (kind) {
    case 0: return src.slice(0, i % (headerEnd + 1)); // every truncation point in the header, in turn
    case 1: return src.slice(0, Math.floor(rng.uniform() * src.length)); // anywhere
    case 2: { const n = 1 + Math.floor(rng.uniform() * 8); for (let k = 0; k < n; k++) b[Math.floor(rng.uniform() * b.length)] ^= 1 << Math.floor(rng.uniform() * 8); return b; }
    case 3: { const o = fields[Math.floor(rng.uniform() * fields.length)]; u32(o, [0xffffffff, 0x7fffffff, 0x80000000, 0, 1, Math.floor(rng.uniform() * 2 ** 32)][i % 6]); return b; }
    case 4: { const o = fields[Math.floor(rng.uniform() * fields.length)]; b[o] = Math.floor(rng.uniform() * 256); return b; }
    default: { for (let k = headerEnd; k < b.length; k++) b[k] = Math.floor(rng.uniform() * 256); return b; }
  }
}

test('fuzzed WAV and FLAC: thousands of mutated files, each a named error or a consistent decode; no crash, hang or oversized allocation', () => {
  const rng = new Rng(1234);
  // Record the largest typed array asked for during each case (the decoders allocate Float32Array/Int32Array).
  let biggest = 0;
  const G = globalThis as unknown as Record<string, unknown>;
  const orig = { Float32Array, Int32Array };
  const spy = <T extends object>(C: T) => new Proxy(C, { construct(t, args) { if (typeof args[0] === 'number') biggest = Math.max(biggest, args[0]); return Reflect.construct(t as never, args); } });
  G.Float32Array = spy(Float32Array);
  G.Int32Array = spy(Int32Array);
  const t0 = Date.now();
  const tally = { cases: 0, errors: 0, decoded: 0, crashes: [] as string[], slowest: 0, allocFailures: [] as string[] };
  try {
    for (let i = 0; tally.cases < MAX_CASES && Date.now() - t0 < BUDGET_MS; i++) {
      const seed = SEEDS[i % SEEDS.length];
      const kind = Math.floor(i / SEEDS.length) % 6;
      const buf = mutate(rng, seed.bytes, kind, Math.floor(i / (SEEDS.length * 6)));
      biggest = 0;
      const c0 = Date.now();
      try {
        const a = decodeAudio(buf, `${seed.name}#${i}`);
        const n = a.channels[0]?.length ?? 0;
        assert.ok(a.channels.every((ch) => ch.length === n), 'equal channel lengths');
        if (!a.encoding.startsWith('float')) for (const ch of a.channels) for (let k = 0; k < ch.length; k++) if (!(ch[k] >= -1 && ch[k] <= 1)) throw new Error(`sample ${ch[k]} outside [-1, 1]`);
        tally.decoded++;
      } catch (e) {
        if (e instanceof BirqError && e.message.includes(`${seed.name}#${i}`)) tally.errors++;
        else tally.crashes.push(`${seed.name} kind ${kind} case ${i}: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
      }
      tally.slowest = Math.max(tally.slowest, Date.now() - c0);
      // Output is at most 4 bytes per input byte (8-bit PCM to float32); FLAC frames add at most one block (65536).
      if (biggest > 4 * buf.length + 65536) tally.allocFailures.push(`${seed.name} kind ${kind} case ${i}: typed array of ${biggest} for ${buf.length} bytes`);
      tally.cases++;
    }
  } finally {
    G.Float32Array = orig.Float32Array;
    G.Int32Array = orig.Int32Array;
  }
  process.stderr.write(`fuzz: ${tally.cases} cases in ${Date.now() - t0} ms: ${tally.errors} named errors, ${tally.decoded} decodes, ${tally.crashes.length} crashes, slowest case ${tally.slowest} ms\n`);
  assert.deepEqual(tally.crashes.slice(0, 5), []);
  assert.deepEqual(tally.allocFailures.slice(0, 5), []);
  assert.ok(tally.cases >= 3000, `only ${tally.cases} cases in the budget`);
  assert.ok(tally.slowest < 2000, `a case took ${tally.slowest} ms`);
});
