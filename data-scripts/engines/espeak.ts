/**
 * espeak-ng through libespeak-ng: the CLI prints no timings, so a small C helper (espeak-helper.c, compiled
 * on first use into the cache with `gcc -lespeak-ng`) synthesizes a batch of lines and reports every
 * espeakEVENT_PHONEME with its sample index (22.05 kHz). A phoneme ends where the next begins.
 * Speaking rate: 175 wpm / stretch; pitch: espeak's 0-99 scale, 50 · f0Shift.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../../src/util/errors';
import { Speaker } from '../voices';
import { RawSegment, Synth } from './types';

const SOURCE = path.join(__dirname, 'espeak-helper.c');

/** espeak-ng English phoneme mnemonics → CMU-39 + sil (accent vowels folded onto the nearest US phone). */
export const ESPEAK_TO_CMU: Record<string, string> = {
  p: 'p', b: 'b', t: 't', d: 'd', k: 'k', g: 'g', f: 'f', v: 'v', T: 'th', D: 'dh', s: 's', z: 'z', S: 'sh', Z: 'zh',
  h: 'hh', m: 'm', n: 'n', N: 'ng', l: 'l', r: 'r', w: 'w', j: 'y', tS: 'ch', dZ: 'jh', x: 'k',
  't#': 't', 't[': 't', t2: 't', 'd#': 'd', d2: 'd', '?': 't', 'r-': 'r', 'l/': 'l', 'n-': 'n', 'm-': 'm', 'w#': 'w', 'z#': 'z',
  a: 'ae', aa: 'ae', 'a#': 'ah', a2: 'ah', 'A:': 'aa', 'A@': 'aa', A: 'aa', '0': 'aa', V: 'ah', '@': 'ah', '@2': 'ah', '@5': 'ah', '@-': 'ah',
  '@L': 'l', '3': 'er', '3:': 'er', VR: 'er', IR: 'er', '@r': 'er', E: 'eh', E2: 'eh', e: 'eh', 'e@': 'eh', eI: 'ey',
  i: 'iy', 'i:': 'iy', 'i@': 'iy', 'i@3': 'iy', I: 'ih', I2: 'ih', 'I#': 'ih', 'O:': 'ao', 'O@': 'ao', O: 'ao', O2: 'ao', 'o@': 'ao',
  OI: 'oy', oU: 'ow', 'oU#': 'ow', o: 'ow', 'u:': 'uw', u: 'uw', U: 'uh', 'U@': 'uh', aI: 'ay', aI2: 'ay', aI3: 'ay', 'aI@': 'ay', aU: 'aw',
  _: 'sil', '_:': 'sil', '_!': 'sil', '_^_': 'sil',
};
/** Zero-width markers that espeak reports as phonemes (";" palatal/linking mark): folded into the previous phone. */
const MARKERS = new Set([';', "'", ',', '%', '=', '|', '#']);

/** Path of the compiled helper (rebuilt when the C source changes). */
export function espeakHelper(binDir: string): string {
  const src = fs.readFileSync(SOURCE);
  const bin = path.join(binDir, `birq-espeak-${createHash('sha1').update(src).digest('hex').slice(0, 10)}`);
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(binDir, { recursive: true });
  const tmp = `${bin}.tmp-${process.pid}`;
  const r = spawnSync('gcc', ['-O2', '-o', tmp, SOURCE, '-lespeak-ng']);
  if (r.error) fail('gcc not found: install the Debian packages gcc libc6-dev (needed to build the espeak-ng helper)');
  if (r.status !== 0) {
    const err = r.stderr.toString();
    if (/espeak-ng\/speak_lib.h|lespeak-ng/.test(err)) fail('cannot build the espeak-ng helper: install the Debian package libespeak-ng-dev');
    fail(`compiling the espeak-ng helper failed: ${err.trim().split('\n').slice(-2).join(' | ')}`, SOURCE);
  }
  fs.renameSync(tmp, bin);
  return bin;
}

/** One helper process per utterance (see espeak-helper.c: state would leak between lines). */
export function espeakSynthBatch(sp: Speaker, texts: string[], tmpDir: string, tag: string, helper: string): Synth[] {
  return texts.map((t, i) => espeakSynthLines(sp, [t], tmpDir, `${tag}-${i}`, helper)[0]);
}

function espeakSynthLines(sp: Speaker, texts: string[], tmpDir: string, tag: string, helper: string): Synth[] {
  const prefix = path.join(tmpDir, `${tag}.es`);
  const wpm = Math.round(175 / sp.stretch);
  const pitch = Math.max(0, Math.min(99, Math.round(50 * sp.f0Shift)));
  const input = texts.map((t) => t.replace(/\n/g, ' ')).join('\n') + '\n';
  const r = spawnSync(helper, [sp.base.name, String(wpm), String(pitch), prefix], { input, maxBuffer: 1 << 26, timeout: 120000 });
  if (r.status !== 0) fail(`espeak-ng helper failed (voice ${sp.base.name}): ${r.stderr?.toString().trim() || r.error}`);
  let rate = 22050;
  const events: { sample: number; ph: string }[][] = texts.map(() => []);
  const totals: number[] = [];
  for (const line of r.stdout.toString().split('\n')) {
    const p = line.split(' ');
    if (p[0] === 'R') rate = Number(p[1]);
    else if (p[0] === 'P') events[Number(p[1])].push({ sample: Number(p[2]), ph: p.slice(4).join(' ') });
    else if (p[0] === 'E') totals[Number(p[1])] = Number(p[2]);
  }
  return texts.map((_, i) => {
    const file = `${prefix}-${i}.raw`;
    const buf = fs.readFileSync(file);
    fs.rmSync(file, { force: true });
    const n = buf.length >> 1;
    if (n !== totals[i]) fail(`espeak-ng helper wrote ${n} samples, reported ${totals[i]}`, file);
    const samples = new Float32Array(n);
    for (let k = 0; k < n; k++) samples[k] = buf.readInt16LE(2 * k) / 32768;
    return { samples, rate, segments: toRaw(events[i], rate, n, sp.base.name) };
  });
}

/** Phoneme starts → (CMU phone, end time) pairs; leading audio before the first event is silence. */
function toRaw(ev: { sample: number; ph: string }[], rate: number, n: number, voice: string): RawSegment[] {
  const out: RawSegment[] = [];
  const starts: { t: number; ph: string }[] = [];
  for (const e of ev) {
    if (MARKERS.has(e.ph)) continue; // the previous phone simply lasts until the next real one
    const ph = ESPEAK_TO_CMU[e.ph];
    if (!ph) fail(`espeak-ng phoneme '${e.ph}' has no CMU-39 mapping (add it to ESPEAK_TO_CMU)`, `voice ${voice}`);
    starts.push({ t: e.sample / rate, ph });
  }
  if (!starts.length || starts[0].t > 0) starts.unshift({ t: 0, ph: 'sil' });
  for (let k = 0; k < starts.length; k++) {
    const end = k + 1 < starts.length ? starts[k + 1].t : n / rate;
    out.push({ phone: starts[k].ph, end });
  }
  return out;
}
