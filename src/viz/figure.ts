/**
 * The figure type our builders produce: a subset of Plotly's JSON (traces + layout). The same object renders
 * interactively (plotly.js, inlined from the local bundle) and statically (our SVG renderer, svg.ts).
 */
export interface Trace {
  type?: 'scatter' | 'bar' | 'heatmap';
  name?: string;
  x?: (number | string)[];
  y?: (number | string)[];
  z?: number[][];
  mode?: 'lines' | 'markers' | 'lines+markers' | 'text' | 'markers+text' | 'lines+text';
  text?: (string | number)[];
  showlegend?: boolean;
  line?: { color?: string; width?: number; dash?: string };
  marker?: { color?: string; size?: number };
  colorscale?: string;
  yaxis?: 'y' | 'y2';
  [key: string]: unknown;
}

export interface Layout {
  title?: string | { text: string };
  xaxis?: { title?: string | { text: string }; type?: 'linear' | 'log'; range?: [number, number] };
  yaxis?: { title?: string | { text: string }; type?: 'linear' | 'log'; range?: [number, number] };
  width?: number;
  height?: number;
  [key: string]: unknown;
}

export interface Figure {
  data: Trace[];
  layout?: Layout;
}

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function titleText(t: string | { text: string } | undefined): string {
  return t === undefined ? '' : typeof t === 'string' ? t : t.text;
}

/** A line chart from named series: the common case (loss curves, label-quality curves). */
export function lineFigure(
  series: { name: string; x: number[]; y: number[] }[],
  opts: { title?: string; xTitle?: string; yTitle?: string; logY?: boolean } = {},
): Figure {
  return {
    data: series.map((s) => ({ type: 'scatter', mode: 'lines', name: s.name, x: s.x, y: s.y })),
    layout: {
      title: opts.title,
      xaxis: { title: opts.xTitle },
      yaxis: { title: opts.yTitle, type: opts.logY ? 'log' : 'linear' },
    },
  };
}

/** A heatmap (co-occurrence matrices, spectrograms). z is [rows][cols]. */
export function heatmapFigure(z: number[][], opts: { title?: string; xTitle?: string; yTitle?: string; x?: (number | string)[]; y?: (number | string)[] } = {}): Figure {
  return {
    data: [{ type: 'heatmap', z, x: opts.x, y: opts.y, colorscale: 'Viridis' }],
    layout: { title: opts.title, xaxis: { title: opts.xTitle }, yaxis: { title: opts.yTitle } },
  };
}

/**
 * Trailing moving average over `window` points (NaN skipped): per-batch metrics on ~100 masked frames jump by
 * more than their trend, so live curves show them smoothed, and say so.
 */
export function movingAverage(y: number[], window: number): number[] {
  return y.map((_, i) => {
    const w = y.slice(Math.max(0, i - window + 1), i + 1).filter((v) => Number.isFinite(v));
    return w.length ? w.reduce((a, b) => a + b, 0) / w.length : NaN;
  });
}
