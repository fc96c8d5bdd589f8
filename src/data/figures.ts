/**
 * Figures for looking at data (src/viz renders them: `showFigure`): waveform and log-mel with the phone
 * alignment overlaid, utterance durations per split, utterances per speaker.
 */
import { Features } from '../features/logmel';
import { Figure, PALETTE, Trace } from '../viz/figure';
import { ManifestEntry } from './manifest';
import { Segment } from './segments';

/** Phone boundaries as vertical lines from y0 to y1, and phone names above, as scatter traces. */
function phoneTraces(segs: Segment[], y0: number, y1: number): Trace[] {
  const xs: number[] = [], ys: number[] = [];
  const lines: Trace[] = segs.slice(1).map((s) => ({ type: 'scatter', mode: 'lines', x: [s.start, s.start], y: [y0, y1], line: { color: 'white', width: 1 }, showlegend: false, hoverinfo: 'skip' }));
  for (const s of segs) { xs.push((s.start + s.end) / 2); ys.push(y1 + (y1 - y0) * 0.04); }
  // plotly's 'text' mode (Trace's mode union lists only what the SVG renderer draws; it ignores this trace).
  const labels = { type: 'scatter', mode: 'text' as unknown as Trace['mode'], x: xs, y: ys, text: segs.map((s) => s.phone), showlegend: false, textfont: { size: 10 } } as Trace;
  return [...lines, labels];
}

/**
 * Log-mel (bins × time, seconds on x) with the phone segments overlaid, over the first `maxSeconds` (phone
 * labels stay legible, and the figure stays small: every cell is drawn).
 */
export function alignmentFigure(e: ManifestEntry, feats: Features, hopS = 0.01, maxSeconds = 4): Figure {
  const T = Math.min(feats.frames, Math.round(maxSeconds / hopS));
  const z: number[][] = Array.from({ length: feats.bins }, (_, b) => Array.from({ length: T }, (_, t) => +feats.data[t * feats.bins + b].toFixed(2)));
  const x = Array.from({ length: T }, (_, t) => +(t * hopS).toFixed(3));
  const segs = (e.segments ?? []).filter((s) => s.start < T * hopS).map((s) => ({ ...s, end: Math.min(s.end, T * hopS) }));
  const data: Trace[] = [{ type: 'heatmap', z, x, colorscale: 'Viridis', name: 'log-mel' }, ...(segs.length ? phoneTraces(segs, 0, feats.bins - 1) : [])];
  const cut = T < feats.frames ? ` (first ${maxSeconds} s)` : '';
  return { data, layout: { title: `${e.id}: log-mel and phone alignment${cut}`, xaxis: { title: 'time (s)' }, yaxis: { title: 'mel bin' }, height: 380, width: 900 } };
}

/** Waveform as a min/max envelope per 10 ms (light enough to draw), with phone boundaries. */
export function waveformFigure(e: ManifestEntry, x: Float32Array, rate = 16000): Figure {
  const step = Math.round(rate * 0.01);
  const t: number[] = [], lo: number[] = [], hi: number[] = [];
  for (let i = 0; i < x.length; i += step) {
    let a = Infinity, b = -Infinity;
    for (let j = i; j < Math.min(x.length, i + step); j++) { a = Math.min(a, x[j]); b = Math.max(b, x[j]); }
    t.push(+(i / rate).toFixed(3)); lo.push(a); hi.push(b);
  }
  const peak = Math.max(...hi, ...lo.map((v) => -v), 1e-3);
  const bounds = (e.segments ?? []).slice(1).map((s): Trace => ({ type: 'scatter', mode: 'lines', x: [s.start, s.start], y: [-peak, peak], line: { color: '#bbb', width: 1 }, showlegend: false }));
  return {
    data: [...bounds, { type: 'scatter', mode: 'lines', name: 'max', x: t, y: hi, line: { color: PALETTE[0] } }, { type: 'scatter', mode: 'lines', name: 'min', x: t, y: lo, line: { color: PALETTE[0] } },
      ...(e.segments ? [phoneTraces(e.segments, -peak, peak).pop()!] : [])],
    layout: { title: `${e.id}: "${e.text ?? ''}"`, xaxis: { title: 'time (s)' }, yaxis: { title: 'amplitude' }, height: 300, width: 900 },
  };
}

/** Histogram of utterance durations (1 s bins), one bar series per split. */
export function durationFigure(rows: ManifestEntry[]): Figure {
  const splits = [...new Set(rows.map((r) => r.split ?? 'all'))];
  const maxS = Math.ceil(Math.max(...rows.map((r) => r.duration ?? 0)));
  const x = Array.from({ length: maxS + 1 }, (_, i) => i);
  return {
    data: splits.map((s, k) => {
      const y = x.map(() => 0);
      for (const r of rows) if ((r.split ?? 'all') === s) y[Math.floor(r.duration ?? 0)]++;
      return { type: 'bar', name: s, x, y, marker: { color: PALETTE[k % PALETTE.length] } };
    }),
    layout: { title: 'utterance durations', xaxis: { title: 'duration (s, 1 s bins)' }, yaxis: { title: 'utterances' }, barmode: 'stack' },
  };
}

/** Minutes of speech per speaker, one bar series per split over a shared speaker axis (hover: engine/voice). */
export function speakerFigure(rows: ManifestEntry[]): Figure {
  const by = new Map<string, { split: string; s: number; voice: string }>();
  for (const r of rows) {
    const v = r.voice as { engine?: string; name?: string } | undefined;
    const k = r.speaker ?? '?';
    const cur = by.get(k) ?? { split: r.split ?? 'all', s: 0, voice: v ? `${v.engine}/${v.name}` : '' };
    cur.s += r.duration ?? 0;
    by.set(k, cur);
  }
  const splits = [...new Set([...by.values()].map((v) => v.split))];
  // Speakers grouped by split along x; each series is zero outside its split, so categories line up.
  const order = [...by].sort((a, b) => splits.indexOf(a[1].split) - splits.indexOf(b[1].split) || (a[0] < b[0] ? -1 : 1));
  const x = order.map(([k]) => k);
  return {
    data: splits.map((s, i) => ({
      type: 'bar', name: s, x, y: order.map(([, v]) => (v.split === s ? +(v.s / 60).toFixed(3) : 0)),
      text: order.map(([, v]) => v.voice), marker: { color: PALETTE[i % PALETTE.length] },
    })),
    layout: { title: 'speech per speaker (minutes), by split', xaxis: { title: 'speaker' }, yaxis: { title: 'minutes' }, barmode: 'stack', height: 380, width: 900 },
  };
}
