/**
 * Static SVG rendering of a Figure, for viewers that run no script (GitHub, nbconvert HTML, the report) and for
 * live displays that redraw cheaply. Covers what our builders emit: line/marker scatter, bars, heatmaps.
 */
import { Figure, PALETTE, Trace, titleText } from './figure';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

/** Ticks for a log axis, in log10 units: 1-2-5 per decade when the range is short, decades otherwise. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  const mults = hi - lo > 3 ? [1] : hi - lo > 1 ? [1, 2, 5] : [1, 1.5, 2, 3, 5, 7];
  for (let e = Math.floor(lo); e <= Math.ceil(hi); e++)
    for (const m of mults) {
      const v = Math.log10(m) + e;
      if (v >= lo && v <= hi) out.push(v);
    }
  return out.length >= 2 ? out : niceTicks(lo, hi);
}

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(+v.toPrecision(4));
}

function viridis(t: number): string {
  // 5-stop approximation of viridis, linear between stops.
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.min(1, Math.max(0, t)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const f = x - i;
  const c = stops[i].map((a, k) => Math.round(a + (stops[i + 1][k] - a) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export function figureToSvg(fig: Figure, size: { width?: number; height?: number } = {}): string {
  const W = size.width ?? (fig.layout?.width as number | undefined) ?? 640;
  const H = size.height ?? (fig.layout?.height as number | undefined) ?? 360;
  const m = { l: 64, r: 130, t: 36, b: 48 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const logY = fig.layout?.yaxis?.type === 'log';
  const parts: string[] = [];
  const heat = fig.data.find((t) => t.type === 'heatmap');

  let xs: number[] = [];
  let ys: number[] = [];
  let xCats: string[] | null = null;
  for (const t of fig.data) {
    if (t.type === 'heatmap') continue;
    const x = t.x ?? (t.y ?? []).map((_, i) => i);
    if (x.some((v) => typeof v === 'string')) xCats = x.map(String);
    else xs = xs.concat(x as number[]);
    ys = ys.concat(((t.y ?? []) as number[]).filter((v) => Number.isFinite(v) && (!logY || v > 0)));
    if (t.type === 'bar') ys.push(0);
  }
  const tf = (v: number) => (logY ? Math.log10(v) : v);
  let x0 = xs.length ? Math.min(...xs) : 0;
  let x1 = xs.length ? Math.max(...xs) : 1;
  let y0 = ys.length ? Math.min(...ys.map(tf)) : 0;
  let y1 = ys.length ? Math.max(...ys.map(tf)) : 1;
  if (xCats) [x0, x1] = [-0.5, xCats.length - 0.5];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const sx = (v: number) => m.l + ((v - x0) / (x1 - x0)) * pw;
  const sy = (v: number) => m.t + ph - ((tf(v) - y0) / (y1 - y0)) * ph;

  parts.push(`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`);
  if (heat && heat.z) {
    const z = heat.z;
    const rows = z.length;
    const cols = rows ? z[0].length : 0;
    const flat = z.flat().filter(Number.isFinite);
    const lo = Math.min(...flat);
    const hi = Math.max(...flat);
    const cw = pw / Math.max(1, cols);
    const ch = ph / Math.max(1, rows);
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const t = hi > lo ? (z[r][c] - lo) / (hi - lo) : 0;
        // Row 0 at the bottom, as plotly draws heatmaps.
        parts.push(`<rect x="${(m.l + c * cw).toFixed(2)}" y="${(m.t + ph - (r + 1) * ch).toFixed(2)}" width="${(cw + 0.5).toFixed(2)}" height="${(ch + 0.5).toFixed(2)}" fill="${viridis(t)}"/>`);
      }
    parts.push(`<text x="${W - m.r + 10}" y="${m.t + 10}" font-size="11">max ${esc(fmt(hi))}</text>`);
    parts.push(`<text x="${W - m.r + 10}" y="${m.t + ph}" font-size="11">min ${esc(fmt(lo))}</text>`);
    // Axis labels: the trace's x / y categories where given, else indices; at most ~12 per axis.
    const xl = heat.x ?? [...Array(cols).keys()];
    const yl = heat.y ?? [...Array(rows).keys()];
    for (let c = 0; c < cols; c += Math.ceil(cols / 12))
      parts.push(`<text x="${(m.l + (c + 0.5) * cw).toFixed(1)}" y="${m.t + ph + 16}" font-size="10" text-anchor="middle">${esc(String(xl[c]))}</text>`);
    for (let r = 0; r < rows; r += Math.ceil(rows / 12))
      parts.push(`<text x="${m.l - 6}" y="${(m.t + ph - (r + 0.5) * ch + 4).toFixed(1)}" font-size="10" text-anchor="end">${esc(String(yl[r]))}</text>`);
  } else {
    for (const v of logY ? logTicks(y0, y1) : niceTicks(y0, y1)) {
      const y = m.t + ph - ((v - y0) / (y1 - y0)) * ph;
      parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e5e5e5"/>`);
      parts.push(`<text x="${m.l - 6}" y="${(y + 4).toFixed(1)}" font-size="11" text-anchor="end">${esc(fmt(logY ? Math.pow(10, v) : v))}</text>`);
    }
    const xt = xCats ? xCats.map((_, i) => i) : niceTicks(x0, x1);
    for (const v of xt) {
      if (xCats && xCats.length > 20 && v % Math.ceil(xCats.length / 20) !== 0) continue;
      parts.push(`<text x="${sx(v).toFixed(1)}" y="${m.t + ph + 16}" font-size="11" text-anchor="middle">${esc(xCats ? xCats[v] : fmt(v))}</text>`);
    }
    const bars = fig.data.filter((t) => t.type === 'bar');
    fig.data.forEach((t: Trace, k) => {
      const color = t.line?.color ?? t.marker?.color ?? PALETTE[k % PALETTE.length];
      const yv = (t.y ?? []) as number[];
      const xv = (xCats ? yv.map((_, i) => i) : (t.x as number[] | undefined) ?? yv.map((_, i) => i)) as number[];
      if (t.type === 'bar') {
        const j = bars.indexOf(t);
        const slot = (pw / Math.max(1, xv.length)) * 0.8;
        const bw = slot / bars.length;
        yv.forEach((v, i) => {
          if (!Number.isFinite(v)) return;
          const x = sx(xv[i]) - slot / 2 + j * bw;
          const top = Math.min(sy(v), sy(0));
          parts.push(`<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.abs(sy(v) - sy(0)).toFixed(1)}" fill="${color}"/>`);
        });
      } else {
        const pts = xv.map((x, i) => [x, yv[i]]).filter(([, y]) => Number.isFinite(y) && (!logY || y > 0));
        const mode = t.mode ?? 'lines';
        if (mode.includes('lines') && pts.length > 1) {
          const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
          parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${t.line?.width ?? 2}"${t.line?.dash ? ' stroke-dasharray="6,4"' : ''}/>`);
        }
        if (mode.includes('markers') || pts.length === 1)
          for (const [x, y] of pts) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="${(t.marker?.size ?? 6) / 2}" fill="${color}"/>`);
      }
      if (t.name) {
        const ly = m.t + 12 + k * 16;
        parts.push(`<rect x="${W - m.r + 10}" y="${ly - 8}" width="12" height="4" fill="${color}"/><text x="${W - m.r + 26}" y="${ly - 3}" font-size="11">${esc(t.name)}</text>`);
      }
    });
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  const title = titleText(fig.layout?.title);
  if (title) parts.push(`<text x="${W / 2}" y="20" font-size="14" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  const xTitle = titleText(fig.layout?.xaxis?.title);
  const yTitle = titleText(fig.layout?.yaxis?.title);
  if (xTitle) parts.push(`<text x="${m.l + pw / 2}" y="${H - 10}" font-size="12" text-anchor="middle">${esc(xTitle)}</text>`);
  if (yTitle) parts.push(`<text transform="translate(14,${m.t + ph / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(yTitle)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${parts.join('')}</svg>`;
}
