/**
 * Showing things in a tslab notebook. Plotly figures go out as one display bundle: text/html (interactive, the
 * local plotly.js bundle inlined once per notebook since a CDN cannot load offline, with the static SVG inside the
 * plot's div until the script replaces it) plus image/svg+xml (for viewers that pick images or run no script).
 * Outside a notebook these calls do nothing and return false, so library code may call them freely.
 */
import { Figure, titleText } from './figure';
import { figureToSvg } from './svg';
import { plotlySource } from './plotly-bundle';
import { formatProgress, ProgressInfo } from '../util/progress';

type Bundle = Record<string, string>;
type Writer = (data: { data: Bundle; metadata: object; transient: { display_id?: string } }, update: boolean) => void;

function writer(): Writer | null {
  try {
    // tslab keeps the kernel's display channel here; `display.raw` sends one mimetype per message, we need several.
    const jupyter = require('tslab/dist/jupyter') as { lastWriteDisplayData?: Writer | null };
    return jupyter.lastWriteDisplayData ?? null;
  } catch {
    return null;
  }
}

/** True inside a running tslab kernel. */
export function inNotebook(): boolean {
  return writer() !== null;
}

let plotlyInlined = false;
let divCounter = 0;

/** The plotly bundle as a script tag: once per notebook (a page holds one), always for a standalone page. */
export function plotlyScript(opts: { always?: boolean } = {}): string {
  if (plotlyInlined && !opts.always) return '';
  if (!opts.always) plotlyInlined = true;
  const src = plotlySource();
  // Shadow AMD/CommonJS globals so the UMD bundle sets window.Plotly even in classic Notebook (which has require.js).
  return `<script type="text/javascript">(function(define, module, exports){${src}\n}).call(window);</script>`;
}

/** Figure JSON with floats rounded to 5 significant digits: a log-mel heatmap's spec shrinks ~3x, no visible change. */
export function figureJson(fig: Figure): string {
  const layout = { ...fig.layout, title: titleText(fig.layout?.title) || undefined };
  return JSON.stringify({ data: fig.data, layout }, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? +v.toPrecision(5) : v)).replace(/<\//g, '<\\/');
}

/** The interactive HTML for a figure, with its static SVG as the fallback content of the plot div. */
export function figureHtml(fig: Figure, opts: { includePlotly?: boolean } = {}): string {
  const id = `birq-plot-${process.pid}-${++divCounter}-${Date.now().toString(36)}`;
  const spec = figureJson(fig);
  const lib = opts.includePlotly === false ? '' : plotlyScript();
  return `${lib}<div id="${id}" style="max-width:900px">${figureToSvg(fig)}</div>
<script type="text/javascript">(function(){var el=document.getElementById(${JSON.stringify(id)});var s=${spec};
if(window.Plotly){el.innerHTML='';window.Plotly.newPlot(el,s.data,s.layout,{responsive:true});}})();</script>`;
}

function send(bundle: Bundle, displayId?: string, update = false): boolean {
  const w = writer();
  if (!w) return false;
  w({ data: bundle, metadata: {}, transient: displayId ? { display_id: displayId } : {} }, update);
  return true;
}

/** Show a plotly figure: interactive where scripts run, an SVG image elsewhere. */
export function showFigure(fig: Figure): void {
  if (!inNotebook()) return;
  send({ 'text/html': figureHtml(fig), 'image/svg+xml': figureToSvg(fig), 'text/plain': `<figure: ${titleText(fig.layout?.title)}>` });
}

/** Show raw HTML (audio players, small tables). */
export function showHtml(html: string, plain = '<html>'): boolean {
  return send({ 'text/html': html, 'text/plain': plain });
}

/** Show markdown. */
export function showMarkdown(md: string): boolean {
  return send({ 'text/markdown': md, 'text/plain': md });
}

/**
 * A display that updates in place (tslab newDisplay semantics): for live loss curves and progress in long loops.
 * Updates are static SVG (cheap to redraw, visible in every viewer); `finish` may swap in the interactive figure.
 */
export class LiveDisplay {
  readonly id = `birq-live-${process.pid}-${++divCounter}-${Date.now().toString(36)}`;
  private shown = false;
  private lastUpdate = 0;

  constructor(private readonly minIntervalMs = 500) {}

  /** For displays drawn by other helpers with this id: returns whether the next send is an update. */
  touch(): boolean {
    const update = this.shown;
    this.shown = this.shown || inNotebook();
    return update;
  }

  private put(bundle: Bundle): boolean {
    const ok = send(bundle, this.id, this.shown);
    this.shown = this.shown || ok;
    return ok;
  }

  /** Redraw with a figure and an optional status line; throttled to `minIntervalMs` unless `force`. */
  update(fig: Figure | null, status = '', force = false): boolean {
    const now = Date.now();
    if (!force && this.shown && now - this.lastUpdate < this.minIntervalMs) return false;
    this.lastUpdate = now;
    const svg = fig ? figureToSvg(fig) : '';
    const html = `${status ? `<pre style="margin:0">${status.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>` : ''}${svg}`;
    return this.put({ 'text/html': html, 'text/plain': status || '<live figure>', ...(svg ? { 'image/svg+xml': svg } : {}) });
  }

  /** Final state: the interactive figure (plus its SVG) replaces the live view. */
  finish(fig: Figure, status = ''): void {
    const pre = status ? `<pre style="margin:0">${status.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</pre>` : '';
    this.put({ 'text/html': pre + figureHtml(fig), 'image/svg+xml': figureToSvg(fig), 'text/plain': status || '<figure>' });
  }
}

export function liveDisplay(minIntervalMs = 500): LiveDisplay {
  return new LiveDisplay(minIntervalMs);
}

/**
 * A progress callback for `Progress`'s `onUpdate` that draws a bar with ETA in place in a notebook
 * (a no-op elsewhere, where Progress prints to the terminal itself).
 */
export function notebookProgress(minIntervalMs = 300): (p: ProgressInfo) => void {
  const live = new LiveDisplay(minIntervalMs);
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (p.done < p.total && now - last < minIntervalMs) return;
    last = now;
    const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
    const bar = `<div style="width:360px;height:10px;background:#eee;display:inline-block;vertical-align:middle"><div style="width:${(frac * 100).toFixed(1)}%;height:10px;background:#1f77b4"></div></div>`;
    const text = formatProgress(p, 0).replace(/ +/g, ' ');
    send({ 'text/html': `${bar} <code>${text.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</code>`, 'text/plain': text }, live.id, live.touch());
  };
}
