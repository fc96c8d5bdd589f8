import { fail } from '../util/errors';
import { AudioData } from './types';

/**
 * RIFF/WAVE reader: PCM 8 (unsigned), 16, 24, 32-bit, IEEE float 32/64, plain or WAVE_FORMAT_EXTENSIBLE.
 * Integer samples map to [-1, 1) by dividing by 2^(bits-1), as torchaudio and soundfile do, so features match.
 * A data chunk that claims more bytes than the file holds is "truncated" (an error), except the streaming
 * sizes 0 / 0xFFFFFFFF that sox and ffmpeg write to pipes, which mean "to end of file".
 */
export function decodeWav(buf: Uint8Array, file = '<buffer>'): AudioData {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 12) fail(`not a WAV file (${buf.length} bytes, too short for a RIFF header)`, file);
  const tag = ascii(buf, 0, 4);
  if (tag !== 'RIFF') fail(`not a WAV file (starts with ${JSON.stringify(tag)}, expected "RIFF")`, file);
  if (ascii(buf, 8, 4) !== 'WAVE') fail('RIFF file is not WAVE', file);
  let fmt: { format: number; channels: number; rate: number; bits: number; blockAlign: number } | null = null;
  let pos = 12;
  while (pos + 8 <= buf.length) {
    const id = ascii(buf, pos, 4);
    let size = dv.getUint32(pos + 4, true);
    const body = pos + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) fail('truncated fmt chunk', file);
      let format = dv.getUint16(body, true);
      const channels = dv.getUint16(body + 2, true);
      const rate = dv.getUint32(body + 4, true);
      const blockAlign = dv.getUint16(body + 12, true);
      const bits = dv.getUint16(body + 14, true);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID.
      if (format === 0xfffe && size >= 40 && body + 26 <= buf.length) format = dv.getUint16(body + 24, true);
      fmt = { format, channels, rate, bits, blockAlign };
    } else if (id === 'data') {
      if (!fmt) fail('data chunk before fmt chunk', file);
      const avail = buf.length - body;
      if (size === 0xffffffff || (size === 0 && avail > 0)) size = avail;
      if (size > avail) fail(`truncated: data chunk declares ${size} bytes, file holds ${avail}`, file);
      return decodeSamples(buf.subarray(body, body + size), fmt, file);
    }
    pos = body + size + (size & 1);
  }
  fail(fmt ? 'no data chunk (truncated?)' : 'no fmt chunk', file);
}

function decodeSamples(
  data: Uint8Array,
  fmt: { format: number; channels: number; rate: number; bits: number; blockAlign: number },
  file: string,
): AudioData {
  const { format, channels: nc, rate, bits } = fmt;
  if (nc < 1) fail('WAV declares 0 channels', file);
  if (rate < 1) fail('WAV declares sample rate 0', file);
  const isInt = format === 1 && [8, 16, 24, 32].includes(bits);
  const isFloat = format === 3 && (bits === 32 || bits === 64);
  if (!isInt && !isFloat) {
    const names: Record<number, string> = { 2: 'MS ADPCM', 6: 'A-law', 7: 'mu-law', 0x11: 'IMA ADPCM', 0x55: 'MP3' };
    fail(`unsupported WAV encoding (format tag ${format}${names[format] ? ' ' + names[format] : ''}, ${bits}-bit)`, file);
  }
  const bps = bits / 8;
  const frameBytes = bps * nc;
  if (data.length % frameBytes !== 0) fail(`truncated: data chunk of ${data.length} bytes is not a whole number of ${frameBytes}-byte frames`, file);
  const n = data.length / frameBytes;
  const out = Array.from({ length: nc }, () => new Float32Array(n));
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let c = 0; c < nc; c++) {
    const ch = out[c];
    let p = c * bps;
    if (isFloat) {
      for (let i = 0; i < n; i++, p += frameBytes) ch[i] = bits === 32 ? dv.getFloat32(p, true) : dv.getFloat64(p, true);
      // A NaN or infinity would poison every feature and gradient downstream: name it here.
      for (let i = 0; i < n; i++) if (!Number.isFinite(ch[i])) fail(`float sample ${i} of channel ${c} is ${ch[i]} (corrupt)`, file);
    }
    else if (bits === 8) for (let i = 0; i < n; i++, p += frameBytes) ch[i] = (data[p] - 128) / 128;
    else if (bits === 16) for (let i = 0; i < n; i++, p += frameBytes) ch[i] = dv.getInt16(p, true) / 32768;
    else if (bits === 24)
      for (let i = 0; i < n; i++, p += frameBytes) ch[i] = (((data[p] | (data[p + 1] << 8) | (data[p + 2] << 16)) << 8) >> 8) / 8388608;
    else for (let i = 0; i < n; i++, p += frameBytes) ch[i] = dv.getInt32(p, true) / 2147483648;
  }
  return { sampleRate: rate, channels: out, encoding: isFloat ? `float${bits}` : `pcm${bits}` };
}

/**
 * Encode WAV: 16-bit PCM (default; values clipped to [-1, 1) and rounded) or 32-bit IEEE float (written with
 * the cbSize field and `fact` chunk that non-PCM WAV requires, so strict readers such as sox do not warn).
 * `channels` are equal-length arrays, interleaved on write.
 */
export function encodeWav(channels: Float32Array | Float32Array[], sampleRate: number, bits: 16 | 32 = 16): Uint8Array {
  const chs = Array.isArray(channels) ? channels : [channels];
  const nc = chs.length;
  const n = chs[0]?.length ?? 0;
  const bps = bits / 8;
  const isFloat = bits === 32;
  const fmtSize = isFloat ? 18 : 16;
  const factBytes = isFloat ? 12 : 0;
  const header = 12 + 8 + fmtSize + factBytes + 8;
  const dataBytes = n * nc * bps;
  const buf = new Uint8Array(header + dataBytes);
  const dv = new DataView(buf.buffer);
  const w = (o: number, s: string) => { for (let i = 0; i < s.length; i++) buf[o + i] = s.charCodeAt(i); };
  w(0, 'RIFF'); dv.setUint32(4, header - 8 + dataBytes, true); w(8, 'WAVE');
  w(12, 'fmt '); dv.setUint32(16, fmtSize, true); dv.setUint16(20, isFloat ? 3 : 1, true); dv.setUint16(22, nc, true);
  dv.setUint32(24, sampleRate, true); dv.setUint32(28, sampleRate * nc * bps, true); dv.setUint16(32, nc * bps, true);
  dv.setUint16(34, bits, true);
  let p = 36;
  if (isFloat) {
    dv.setUint16(36, 0, true); // cbSize
    w(38, 'fact'); dv.setUint32(42, 4, true); dv.setUint32(46, n, true);
    p = 50;
  }
  w(p, 'data'); dv.setUint32(p + 4, dataBytes, true);
  p += 8;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < nc; c++, p += bps) {
      const v = chs[c][i];
      if (isFloat) dv.setFloat32(p, v, true);
      else dv.setInt16(p, Math.max(-32768, Math.min(32767, Math.round(v * 32768))), true);
    }
  }
  return buf;
}

function ascii(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = 0; i < n && o + i < b.length; i++) s += String.fromCharCode(b[o + i]);
  return s;
}
