/**
 * Static SVG rendering of a Figure, for viewers that run no script (GitHub, nbconvert HTML, the report) and for
 * live displays that redraw cheaply. Draws what our figure builders emit, on one shared pair of axes:
 * heatmaps (as one embedded PNG), scatter traces in lines / markers / text mode, bars (grouped or stacked).
 * Plotly-only options (hover, colour bars, subplots) are ignored: the interactive figure has them.
 */
import { Figure, PALETTE, Trace, titleText } from './figure';
import { encodePng } from './png';

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

const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];

/** 5-stop approximation of viridis, linear between stops; t in [0, 1]. */
function viridisRgb(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const c = VIRIDIS[i].map((a, k) => Math.round(a + (VIRIDIS[i + 1][k] - a) * f));
  return [c[0], c[1], c[2]];
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Centre coordinates of a heatmap's columns or rows: the trace's numeric labels, else indices. */
function heatCoords(labels: (number | string)[] | undefined, n: number): { at: number[]; cats: string[] | null } {
  if (labels && labels.length === n && labels.every(isNum)) return { at: labels as number[], cats: null };
  return { at: [...Array(n).keys()], cats: labels && labels.length === n ? labels.map(String) : null };
}

export function figureToSvg(fig: Figure, size: { width?: number; height?: number } = {}): string {
  const W = size.width ?? (fig.layout?.width as number | undefined) ?? 640;
  const H = size.height ?? (fig.layout?.height as number | undefined) ?? 360;
  const m = { l: 64, r: 130, t: 36, b: 48 };
  const pw = W - m.l - m.r;
  const ph = H - m.t - m.b;
  const logY = fig.layout?.yaxis?.type === 'log';
  const stacked = fig.layout?.barmode === 'stack';
  const ly = (v: number) => (logY ? Math.log10(v) : v);

  // Categorical x (bar charts over names): shared category list in first-seen order.
  let xCats: string[] | null = null;
  for (const t of fig.data)
    if (t.type !== 'heatmap' && (t.x ?? []).some((v) => typeof v === 'string')) {
      xCats = xCats ?? [];
      for (const v of t.x!) if (!xCats.includes(String(v))) xCats.push(String(v));
    }
  const xOf = (t: Trace, i: number): number => (xCats ? xCats.indexOf(String((t.x ?? [])[i] ?? i)) : isNum((t.x ?? [])[i]) ? ((t.x as number[])[i]) : i);

  // Data ranges over every trace.
  const xs: number[] = [];
  const ys: number[] = [];
  let yCats: string[] | null = null;
  const stackTop = new Map<number, number>();
  const stackBot = new Map<number, number>();
  for (const t of fig.data) {
    if (t.type === 'heatmap' && t.z?.length) {
      const cx = heatCoords(t.x, t.z[0].length).at;
      const cy = heatCoords(t.y, t.z.length);
      yCats = cy.cats;
      const hx = cx.length > 1 ? (cx[1] - cx[0]) / 2 : 0.5;
      const hy = cy.at.length > 1 ? (cy.at[1] - cy.at[0]) / 2 : 0.5;
      xs.push(cx[0] - hx, cx[cx.length - 1] + hx);
      ys.push(cy.at[0] - hy, cy.at[cy.at.length - 1] + hy);
      continue;
    }
    const yv = (t.y ?? []) as number[];
    const errs = errorArray(t);
    yv.forEach((y, i) => {
      if (!isNum(y) || (logY && y <= 0)) return;
      const x = xOf(t, i);
      xs.push(x);
      if (isNum(errs[i]) && !stacked) ys.push(ly(y + errs[i]), ly(Math.max(logY ? y / 10 : -Infinity, y - errs[i])));
      if (t.type === 'bar' && stacked) {
        const top = (y >= 0 ? stackTop : stackBot).get(x) ?? 0;
        (y >= 0 ? stackTop : stackBot).set(x, top + y);
        ys.push(top + y);
      } else ys.push(ly(y));
    });
    if (t.type === 'bar') ys.push(0);
  }
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  let [y0, y1] = ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (xCats) [x0, x1] = [-0.5, xCats.length - 0.5];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const hasHeat = fig.data.some((t) => t.type === 'heatmap');
  const hasText = fig.data.some((t) => String(t.mode ?? '').includes('text'));
  if (!hasHeat || hasText) {
    const pad = (y1 - y0) * (hasText ? 0.08 : 0.05);
    y1 += pad;
    if (!hasHeat) y0 -= pad;
  }
  const sx = (v: number) => m.l + ((v - x0) / (x1 - x0)) * pw;
  const syT = (v: number) => m.t + ph - ((v - y0) / (y1 - y0)) * ph; // v already on the axis scale
  const sy = (v: number) => syT(ly(v));

  // plotly's error_y: {array: [...]} (symmetric, in data units), drawn as a whisker with caps.
  const errorBar = (cx: number, y: number, e: number | undefined, cap: number): string => {
    if (!isNum(e) || !(e > 0)) return '';
    const [a, b] = [sy(y + e), sy(logY ? Math.max(y - e, y / 10) : y - e)];
    return `<path d="M${cx.toFixed(1)},${a.toFixed(1)}V${b.toFixed(1)}M${(cx - cap).toFixed(1)},${a.toFixed(1)}H${(cx + cap).toFixed(1)}M${(cx - cap).toFixed(1)},${b.toFixed(1)}H${(cx + cap).toFixed(1)}" stroke="#222" stroke-width="1.2" fill="none"/>`;
  };
  const parts: string[] = [`<rect x="0" y="0" width="${W}" height="${H}" fill="white"/>`];
  parts.push(`<clipPath id="plot"><rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}"/></clipPath><g clip-path="url(#plot)">`);
  const bars = fig.data.filter((t) => t.type === 'bar');
  const barBase = new Map<number, [number, number]>();
  let legendRow = 0;
  const legend: string[] = [];
  fig.data.forEach((t: Trace, k) => {
    const color = t.line?.color ?? t.marker?.color ?? PALETTE[k % PALETTE.length];
    if (t.type === 'heatmap' && t.z?.length) {
      const z = t.z;
      const rows = z.length;
      const cols = z[0].length;
      let lo = Infinity;
      let hi = -Infinity;
      for (const r of z) for (const v of r) if (isNum(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
      const rgb = new Uint8Array(rows * cols * 3);
      for (let r = 0; r < rows; r++)
        for (let c = 0; c < cols; c++) {
          // PNG row 0 is the top; heatmap row 0 is drawn at the bottom, as plotly does.
          const px = ((rows - 1 - r) * cols + c) * 3;
          rgb.set(viridisRgb(hi > lo ? (z[r][c] - lo) / (hi - lo) : 0), px);
        }
      const png = encodePng(cols, rows, rgb).toString('base64');
      const cx = heatCoords(t.x, cols).at;
      const cy = heatCoords(t.y, rows).at;
      const hx = cols > 1 ? (cx[1] - cx[0]) / 2 : 0.5;
      const hy = rows > 1 ? (cy[1] - cy[0]) / 2 : 0.5;
      const [ix0, ix1, iy0, iy1] = [sx(cx[0] - hx), sx(cx[cols - 1] + hx), syT(cy[rows - 1] + hy), syT(cy[0] - hy)];
      parts.push(`<image x="${ix0.toFixed(1)}" y="${iy0.toFixed(1)}" width="${(ix1 - ix0).toFixed(1)}" height="${(iy1 - iy0).toFixed(1)}" preserveAspectRatio="none" style="image-rendering:pixelated" href="data:image/png;base64,${png}"/>`);
      legend.push(`<text x="${W - m.r + 10}" y="${m.t + 10}" font-size="11">max ${esc(fmt(hi))}</text><text x="${W - m.r + 10}" y="${m.t + ph}" font-size="11">min ${esc(fmt(lo))}</text>`);
      for (let i = 0; i < 5; i++) legend.push(`<rect x="${W - m.r + 10}" y="${(m.t + 16 + ((ph - 30) * i) / 5).toFixed(1)}" width="10" height="${((ph - 30) / 5 + 0.5).toFixed(1)}" fill="rgb(${viridisRgb(1 - i / 4).join(',')})"/>`);
      return;
    }
    const yv = (t.y ?? []) as number[];
    if (t.type === 'bar') {
      const j = bars.indexOf(t);
      const n = Math.max(1, xCats ? xCats.length : yv.length);
      const slot = (pw / n) * 0.8;
      const bw = stacked ? slot : slot / bars.length;
      yv.forEach((v, i) => {
        if (!isNum(v) || v === 0) return;
        const x = xOf(t, i);
        const [pos, neg] = barBase.get(x) ?? [0, 0];
        const base = stacked ? (v >= 0 ? pos : neg) : 0;
        if (stacked) barBase.set(x, v >= 0 ? [pos + v, neg] : [pos, neg + v]);
        const left = sx(x) - slot / 2 + (stacked ? 0 : j * bw);
        const yTop = syT(Math.max(base, base + v));
        const yBot = syT(Math.min(base, base + v));
        parts.push(`<rect x="${left.toFixed(1)}" y="${yTop.toFixed(1)}" width="${bw.toFixed(1)}" height="${Math.max(0, yBot - yTop).toFixed(1)}" fill="${color}"/>`);
        if (!stacked) parts.push(errorBar(left + bw / 2, v, errorArray(t)[i], Math.min(8, bw / 3)));
      });
    } else {
      const pts = yv.map((y, i) => [xOf(t, i), y, i]).filter(([, y]) => isNum(y) && (!logY || y > 0));
      const mode = String(t.mode ?? 'lines');
      if (mode.includes('lines') && pts.length > 1) {
        const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join('');
        parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="${t.line?.width ?? 2}"${t.line?.dash ? ' stroke-dasharray="6,4"' : ''}/>`);
      }
      const errs = errorArray(t);
      for (const [x, y, i] of pts) parts.push(errorBar(sx(x), y, errs[i], 4));
      if (mode.includes('markers') || (mode === 'lines' && pts.length === 1))
        for (const [x, y] of pts) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="${(t.marker?.size ?? 6) / 2}" fill="${color}"/>`);
      if (mode.includes('text')) {
        const text = (t.text ?? []) as unknown[];
        const fs = (t.textfont as { size?: number } | undefined)?.size ?? 10;
        for (const [x, y, i] of pts) parts.push(`<text x="${sx(x).toFixed(1)}" y="${(sy(y) + fs / 3).toFixed(1)}" font-size="${fs}" text-anchor="middle">${esc(String(text[i] ?? ''))}</text>`);
      }
    }
    if (t.name && t.showlegend !== false) {
      const yy = m.t + 12 + legendRow++ * 16;
      legend.push(`<rect x="${W - m.r + 10}" y="${yy - 8}" width="12" height="4" fill="${color}"/><text x="${W - m.r + 26}" y="${yy - 3}" font-size="11">${esc(t.name)}</text>`);
    }
  });
  parts.push('</g>', ...legend);

  // Axes: numeric ticks, or category labels (at most ~20 shown).
  const yTicks = yCats ? [] : logY ? logTicks(y0, y1) : niceTicks(y0, y1);
  for (const v of yTicks) {
    const y = syT(v);
    parts.push(`<line x1="${m.l}" x2="${m.l + pw}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#000" stroke-opacity="0.1"/>`);
    parts.push(`<text x="${m.l - 6}" y="${(y + 4).toFixed(1)}" font-size="11" text-anchor="end">${esc(fmt(logY ? Math.pow(10, v) : v))}</text>`);
  }
  if (yCats) yCats.forEach((c, i) => i % Math.ceil(yCats!.length / 20) === 0 && parts.push(`<text x="${m.l - 6}" y="${(syT(i) + 4).toFixed(1)}" font-size="10" text-anchor="end">${esc(c)}</text>`));
  const xt = xCats ? xCats.map((_, i) => i).filter((i) => i % Math.ceil(xCats!.length / 20) === 0) : niceTicks(x0, x1);
  for (const v of xt) parts.push(`<text x="${sx(v).toFixed(1)}" y="${m.t + ph + 16}" font-size="11" text-anchor="middle">${esc(xCats ? xCats[v] : fmt(v))}</text>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${pw}" height="${ph}" fill="none" stroke="#444"/>`);
  const title = titleText(fig.layout?.title);
  if (title) parts.push(`<text x="${W / 2}" y="20" font-size="14" text-anchor="middle" font-weight="bold">${esc(title)}</text>`);
  const xTitle = titleText(fig.layout?.xaxis?.title);
  const yTitle = titleText(fig.layout?.yaxis?.title);
  if (xTitle) parts.push(`<text x="${m.l + pw / 2}" y="${H - 10}" font-size="12" text-anchor="middle">${esc(xTitle)}</text>`);
  if (yTitle) parts.push(`<text transform="translate(14,${m.t + ph / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(yTitle)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">${parts.join('')}</svg>`;
}

function errorArray(t: Trace): number[] {
  const e = t.error_y as { array?: number[] } | undefined;
  return e?.array ?? [];
}
