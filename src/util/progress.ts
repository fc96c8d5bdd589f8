/**
 * Progress with ETA. In a terminal it redraws one line on stderr; elsewhere (CI logs) it prints a line at most
 * every 10 s. Notebooks pass `onUpdate` to draw their own live display from the same numbers.
 */
export interface ProgressInfo {
  label: string;
  done: number;
  total: number;
  elapsedS: number;
  etaS: number;
  extra: string;
}

export class Progress {
  private start = Date.now();
  private lastPrint = 0;
  done = 0;
  extra = '';

  constructor(
    readonly label: string,
    readonly total: number,
    private opts: { stream?: NodeJS.WriteStream; quiet?: boolean; onUpdate?: (p: ProgressInfo) => void } = {},
  ) {}

  tick(n = 1, extra?: string): void {
    this.done += n;
    if (extra !== undefined) this.extra = extra;
    this.render(false);
  }

  set(done: number, extra?: string): void {
    this.done = done;
    if (extra !== undefined) this.extra = extra;
    this.render(false);
  }

  info(): ProgressInfo {
    const elapsedS = (Date.now() - this.start) / 1000;
    const rate = this.done > 0 ? elapsedS / this.done : 0;
    return { label: this.label, done: this.done, total: this.total, elapsedS, etaS: rate * Math.max(0, this.total - this.done), extra: this.extra };
  }

  finish(extra?: string): void {
    if (extra !== undefined) this.extra = extra;
    this.render(true);
    const stream = this.opts.stream ?? process.stderr;
    if (!this.opts.quiet && stream.isTTY) stream.write('\n');
  }

  private render(force: boolean): void {
    const p = this.info();
    this.opts.onUpdate?.(p);
    if (this.opts.quiet) return;
    const stream = this.opts.stream ?? process.stderr;
    const now = Date.now();
    if (stream.isTTY) {
      if (!force && now - this.lastPrint < 100) return;
      this.lastPrint = now;
      stream.write(`\r${formatProgress(p, 30)}\x1b[K`);
    } else if (force || now - this.lastPrint > 10000) {
      this.lastPrint = now;
      stream.write(formatProgress(p, 20) + '\n');
    }
  }
}

export function formatProgress(p: ProgressInfo, width: number): string {
  const frac = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
  const fill = Math.round(frac * width);
  const bar = '█'.repeat(fill) + '░'.repeat(width - fill);
  return `${p.label} ${bar} ${p.done}/${p.total} ${(frac * 100).toFixed(0)}% ${formatDuration(p.elapsedS)}<${formatDuration(p.etaS)}${p.extra ? ' ' + p.extra : ''}`;
}

export function formatDuration(s: number): string {
  if (!isFinite(s)) return '?';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}` : `${m}:${String(sec).padStart(2, '0')}`;
}
