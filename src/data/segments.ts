/**
 * Phone segments and frame labels. A segment is [start, end) in seconds. Frame t of a feature stream with
 * shift `hopS` (and torchaudio's `center=True` framing) is centred at t·hopS, so its label is the phone
 * whose segment contains that instant ('center'), or the phone covering most of the frame's window
 * [t·hopS - winS/2, t·hopS + winS/2) ('majority', for coarse rates such as 40 ms stacked frames).
 */
export interface Segment { phone: string; start: number; end: number }

/** The phone inventory: `sil` then CMU-39, so label ids are stable across corpora. */
export const PHONE_SET = [
  'sil', 'aa', 'ae', 'ah', 'ao', 'aw', 'ay', 'b', 'ch', 'd', 'dh', 'eh', 'er', 'ey', 'f', 'g', 'hh', 'ih', 'iy', 'jh',
  'k', 'l', 'm', 'n', 'ng', 'ow', 'oy', 'p', 'r', 's', 'sh', 't', 'th', 'uh', 'uw', 'v', 'w', 'y', 'z', 'zh',
] as const;
const INDEX = new Map<string, number>(PHONE_SET.map((p, i) => [p, i]));

export function phoneId(p: string): number {
  const i = INDEX.get(p);
  if (i === undefined) throw new Error(`phoneId: '${p}' is not in the CMU-39 + sil set`);
  return i;
}

/**
 * Frame-level phone ids (indices into PHONE_SET), one per frame. Frames past the last segment get `sil`.
 * @param hopS frame shift in seconds (0.01 for log-mel, 0.04 after stacking 4)
 * @param mode 'center' (default) or 'majority' over a window of `winS` (default hopS) around the centre
 */
export function frameLabels(segs: Segment[], numFrames: number, hopS: number, mode: 'center' | 'majority' = 'center', winS = hopS): Int32Array {
  const out = new Int32Array(numFrames);
  if (mode === 'center') {
    let j = 0;
    for (let t = 0; t < numFrames; t++) {
      const c = t * hopS;
      while (j < segs.length && segs[j].end <= c) j++;
      out[t] = j < segs.length && segs[j].start <= c ? phoneId(segs[j].phone) : 0;
    }
    return out;
  }
  const acc = new Float64Array(PHONE_SET.length);
  for (let t = 0; t < numFrames; t++) {
    const a = t * hopS - winS / 2, b = t * hopS + winS / 2;
    acc.fill(0);
    for (const s of segs) {
      const o = Math.min(b, s.end) - Math.max(a, s.start);
      if (o > 0) acc[phoneId(s.phone)] += o;
    }
    let best = 0;
    for (let k = 1; k < acc.length; k++) if (acc[k] > acc[best]) best = k;
    out[t] = best;
  }
  return out;
}

/** Phone string without silences, as a CTC phone target. */
export function phoneString(segs: Segment[]): string {
  return segs.filter((s) => s.phone !== 'sil').map((s) => s.phone).join(' ');
}
