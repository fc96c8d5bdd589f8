import { fail } from '../util/errors';
import { AudioData } from './types';

/**
 * FLAC decoder (https://xiph.org/flac/format.html, RFC 9639): STREAMINFO, frames with constant, verbatim,
 * fixed and LPC subframes, Rice / Rice2 residuals with escape partitions, wasted bits, and the three
 * stereo decorrelation modes. Every frame's CRC-8 (header) and CRC-16 (whole frame) is checked, so a flipped
 * byte is a named error, never silently wrong audio. Memory follows the bytes actually decoded, not the sample
 * count STREAMINFO declares (a corrupt header could declare 2^36). Samples are scaled to [-1, 1) like WAV PCM.
 */
export function decodeFlac(buf: Uint8Array, file = '<buffer>'): AudioData {
  if (buf.length < 4 || buf[0] !== 0x66 || buf[1] !== 0x4c || buf[2] !== 0x61 || buf[3] !== 0x43) fail('not a FLAC file (no "fLaC" marker)', file);
  const br = new BitReader(buf, file);
  br.pos = 4 * 8;
  let rate = 0, nc = 0, bps = 0, total = 0, last = false;
  while (!last) {
    last = br.bits(1) === 1;
    const type = br.bits(7);
    const len = br.bits(24);
    const start = br.pos;
    if (type === 0) {
      br.bits(16); br.bits(16); br.bits(24); br.bits(24);
      rate = br.bits(20);
      nc = br.bits(3) + 1;
      bps = br.bits(5) + 1;
      total = br.bits(4) * 2 ** 32 + br.bits(32);
    }
    br.pos = start + len * 8;
    if (br.pos > buf.length * 8) fail('truncated: metadata block runs past the end of the file', file);
  }
  if (!rate) fail('FLAC stream has no STREAMINFO', file);
  // Start small; grow() doubles as frames arrive. A declared total is only a cap, never an allocation size.
  const chans: Float32Array[] = Array.from({ length: nc }, () => new Float32Array(Math.min(total || 1 << 16, 1 << 16)));
  let n = 0;
  const grow = (need: number) => {
    if (need <= chans[0].length) return;
    for (let c = 0; c < nc; c++) {
      const a = new Float32Array(Math.max(need, chans[c].length * 2));
      a.set(chans[c]);
      chans[c] = a;
    }
  };
  const scale = 1 / 2 ** (bps - 1);
  while (br.pos + 16 <= buf.length * 8 && (total === 0 || n < total)) {
    const block = decodeFrame(br, bps, nc, rate, file);
    if (!block) break;
    const len = total ? Math.min(block[0].length, total - n) : block[0].length;
    grow(n + len);
    for (let c = 0; c < nc; c++) {
      const src = block[c];
      const dst = chans[c];
      for (let i = 0; i < len; i++) dst[n + i] = src[i] * scale;
    }
    n += len;
  }
  if (total && n < total) fail(`truncated: FLAC stream declares ${total} samples, decoded ${n}`, file);
  return { sampleRate: rate, channels: chans.map((c) => c.subarray(0, n)), encoding: `flac${bps}` };
}

function decodeFrame(br: BitReader, streamBps: number, streamNc: number, streamRate: number, file: string): Int32Array[] | null {
  br.align();
  const frameStart = br.pos >> 3;
  const sync = br.bits(14);
  if (sync !== 0x3ffe) fail(`lost FLAC frame sync at byte ${(br.pos >> 3) - 2} (corrupt or truncated)`, file);
  br.bits(1);
  br.bits(1); // blocking strategy: the frame number is not needed to decode
  const bsCode = br.bits(4);
  const srCode = br.bits(4);
  const chanCode = br.bits(4);
  const ssCode = br.bits(3);
  br.bits(1);
  // UTF-8-style coded frame/sample number: skip it.
  let lead = br.bits(8);
  let extra = 0;
  while (lead & 0x80) { extra++; lead = (lead << 1) & 0xff; }
  for (let i = 1; i < extra; i++) br.bits(8);
  let blockSize: number;
  if (bsCode === 1) blockSize = 192;
  else if (bsCode >= 2 && bsCode <= 5) blockSize = 576 << (bsCode - 2);
  else if (bsCode === 6) blockSize = br.bits(8) + 1;
  else if (bsCode === 7) blockSize = br.bits(16) + 1;
  else if (bsCode >= 8) blockSize = 256 << (bsCode - 8);
  else fail('reserved FLAC block size code', file);
  if (srCode === 12) br.bits(8);
  else if (srCode === 13 || srCode === 14) br.bits(16);
  void streamRate;
  const bpsTable = [streamBps, 8, 12, 0, 16, 20, 24, 32];
  const bps = bpsTable[ssCode];
  if (!bps) fail('reserved FLAC sample size code', file);
  // Samples are scaled by STREAMINFO's size: a frame of another size would decode out of [-1, 1].
  if (bps !== streamBps) fail(`FLAC frame at byte ${frameStart} has ${bps}-bit samples, STREAMINFO says ${streamBps}-bit`, file);
  const crc8 = crc(br.bytes, frameStart, br.pos >> 3, CRC8, 8);
  if (br.bits(8) !== crc8) fail(`FLAC frame header at byte ${frameStart}: CRC-8 mismatch (corrupt)`, file);
  const nc = chanCode < 8 ? chanCode + 1 : 2;
  if (nc !== streamNc) fail(`FLAC frame has ${nc} channels, STREAMINFO says ${streamNc}`, file);
  const out: Int32Array[] = [];
  for (let c = 0; c < nc; c++) {
    // The side channel carries one extra bit.
    const sideBit = (chanCode === 8 && c === 1) || (chanCode === 9 && c === 0) || (chanCode === 10 && c === 1) ? 1 : 0;
    out.push(decodeSubframe(br, blockSize, bps + sideBit, file));
  }
  if (chanCode === 8) { const [l, s] = out; for (let i = 0; i < blockSize; i++) s[i] = l[i] - s[i]; }
  else if (chanCode === 9) { const [s, r] = out; for (let i = 0; i < blockSize; i++) s[i] = s[i] + r[i]; }
  else if (chanCode === 10) {
    const [m, s] = out;
    for (let i = 0; i < blockSize; i++) {
      const side = s[i];
      const mid = (m[i] * 2) | (side & 1);
      m[i] = (mid + side) >> 1;
      s[i] = (mid - side) >> 1;
    }
  }
  br.align();
  const crc16 = crc(br.bytes, frameStart, br.pos >> 3, CRC16, 16);
  if (br.bits(16) !== crc16) fail(`FLAC frame at byte ${frameStart}: CRC-16 mismatch (corrupt)`, file);
  return out;
}

function decodeSubframe(br: BitReader, n: number, bps: number, file: string): Int32Array {
  br.bits(1);
  const type = br.bits(6);
  let wasted = 0;
  if (br.bits(1)) { wasted = 1; while (br.bits(1) === 0) wasted++; }
  const b = bps - wasted;
  const x = new Int32Array(n);
  if (type === 0) x.fill(br.signed(b));
  else if (type === 1) for (let i = 0; i < n; i++) x[i] = br.signed(b);
  else if (type >= 8 && type <= 12) {
    const order = type - 8;
    for (let i = 0; i < order; i++) x[i] = br.signed(b);
    residual(br, x, order, n, file);
    for (let i = order; i < n; i++) {
      if (order === 1) x[i] += x[i - 1];
      else if (order === 2) x[i] += 2 * x[i - 1] - x[i - 2];
      else if (order === 3) x[i] += 3 * x[i - 1] - 3 * x[i - 2] + x[i - 3];
      else if (order === 4) x[i] += 4 * x[i - 1] - 6 * x[i - 2] + 4 * x[i - 3] - x[i - 4];
    }
  } else if (type >= 32) {
    const order = type - 31;
    for (let i = 0; i < order; i++) x[i] = br.signed(b);
    const precision = br.bits(4) + 1;
    if (precision === 16) fail('invalid FLAC LPC precision', file);
    const shift = br.signed(5);
    const coef = new Float64Array(order);
    for (let j = 0; j < order; j++) coef[j] = br.signed(precision);
    residual(br, x, order, n, file);
    const div = 2 ** shift;
    for (let i = order; i < n; i++) {
      let s = 0;
      for (let j = 0; j < order; j++) s += coef[j] * x[i - 1 - j];
      // Arithmetic shift of a value that may exceed 32 bits: floor division is exact in doubles here.
      x[i] += Math.floor(s / div);
    }
  } else fail(`reserved FLAC subframe type ${type}`, file);
  if (wasted) for (let i = 0; i < n; i++) x[i] <<= wasted;
  return x;
}

function residual(br: BitReader, x: Int32Array, order: number, n: number, file: string): void {
  const method = br.bits(2);
  if (method > 1) fail('reserved FLAC residual coding method', file);
  const pbits = method === 0 ? 4 : 5;
  const escape = method === 0 ? 15 : 31;
  const porder = br.bits(4);
  const parts = 1 << porder;
  let i = order;
  for (let p = 0; p < parts; p++) {
    const count = (n >> porder) - (p === 0 ? order : 0);
    const k = br.bits(pbits);
    if (k === escape) {
      const raw = br.bits(5);
      for (let j = 0; j < count; j++) x[i++] = raw ? br.signed(raw) : 0;
    } else for (let j = 0; j < count; j++) x[i++] = br.rice(k);
  }
}

/** CRC tables of the FLAC format: CRC-8 poly 0x07 (frame header), CRC-16 poly 0x8005 (frame), MSB first, init 0. */
const table = (poly: number, width: number) => Uint16Array.from({ length: 256 }, (_, b) => {
  let r = b << (width - 8);
  for (let k = 0; k < 8; k++) r = r & (1 << (width - 1)) ? ((r << 1) ^ poly) & ((1 << width) - 1) : (r << 1) & ((1 << width) - 1);
  return r;
});
const CRC8 = table(0x07, 8);
const CRC16 = table(0x8005, 16);

function crc(b: Uint8Array, from: number, to: number, t: Uint16Array, width: number): number {
  let r = 0;
  if (width === 8) for (let i = from; i < to; i++) r = t[r ^ b[i]];
  else for (let i = from; i < to; i++) r = ((r << 8) & 0xffff) ^ t[(r >> 8) ^ b[i]];
  return r;
}

/** MSB-first bit reader over a byte array; reading past the end is a "truncated" BirqError. */
class BitReader {
  pos = 0;
  private end: number;
  constructor(private b: Uint8Array, private file: string) { this.end = b.length * 8; }

  get bytes(): Uint8Array { return this.b; }

  bits(n: number): number {
    if (n === 0) return 0;
    if (this.pos + n > this.end) fail('truncated: FLAC stream ends mid-frame', this.file);
    let v = 0;
    let pos = this.pos;
    let left = n;
    while (left > 0) {
      const byte = this.b[pos >> 3];
      const off = pos & 7;
      const take = Math.min(8 - off, left);
      const chunk = (byte >> (8 - off - take)) & ((1 << take) - 1);
      v = v * (1 << take) + chunk;
      pos += take;
      left -= take;
    }
    this.pos = pos;
    return v;
  }

  signed(n: number): number {
    const v = this.bits(n);
    return v >= 2 ** (n - 1) ? v - 2 ** n : v;
  }

  rice(k: number): number {
    let q = 0;
    // Unary quotient: count zeros up to the terminating one, a byte at a time where possible.
    for (;;) {
      if (this.pos >= this.end) fail('truncated: FLAC stream ends mid-frame', this.file);
      const off = this.pos & 7;
      const byte = (this.b[this.pos >> 3] << off) & 0xff;
      if (byte === 0) { q += 8 - off; this.pos += 8 - off; continue; }
      const lz = Math.clz32(byte) - 24;
      q += lz;
      this.pos += lz + 1;
      break;
    }
    const u = q * (1 << k) + this.bits(k);
    return u & 1 ? -((u + 1) / 2) : u / 2;
  }

  align(): void { this.pos = (this.pos + 7) & ~7; }
}
