/**
 * Tables: a danfojs DataFrame (or plain records) as an HTML table in a notebook, or aligned text in a terminal.
 */
import { showHtml } from './notebook';

export type Records = Record<string, unknown>[];
/** The part of a danfojs DataFrame we read (duck-typed so this module does not load danfojs). */
export interface FrameLike {
  readonly columns: string[];
  readonly values: unknown;
  readonly index: unknown;
}

function isFrame(x: unknown): x is FrameLike {
  return typeof x === 'object' && x !== null && Array.isArray((x as FrameLike).columns) && Array.isArray((x as FrameLike).values);
}

function toRows(t: FrameLike | Records): { columns: string[]; rows: unknown[][]; index?: (string | number)[] } {
  if (isFrame(t)) {
    const v = t.values as unknown[];
    const rows = (v.length && !Array.isArray(v[0]) ? v.map((x) => [x]) : v) as unknown[][];
    return { columns: t.columns, rows, index: t.index as (string | number)[] };
  }
  const columns = [...new Set(t.flatMap((r) => Object.keys(r)))];
  return { columns, rows: t.map((r) => columns.map((c) => r[c])) };
}

function cell(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(+v.toPrecision(4));
  return v === undefined || v === null ? '' : String(v);
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function tableHtml(t: FrameLike | Records, caption?: string): string {
  const { columns, rows, index } = toRows(t);
  const head = `<tr>${index ? '<th></th>' : ''}${columns.map((c) => `<th>${esc(c)}</th>`).join('')}</tr>`;
  const body = rows
    .map((r, i) => `<tr>${index ? `<th>${esc(String(index[i]))}</th>` : ''}${r.map((v) => `<td style="text-align:right">${esc(cell(v))}</td>`).join('')}</tr>`)
    .join('');
  return `<table>${caption ? `<caption>${esc(caption)}</caption>` : ''}<thead>${head}</thead><tbody>${body}</tbody></table>`;
}

export function tableText(t: FrameLike | Records): string {
  const { columns, rows } = toRows(t);
  const all = [columns, ...rows.map((r) => r.map(cell))];
  const widths = columns.map((_, j) => Math.max(...all.map((r) => String(r[j] ?? '').length)));
  return all.map((r) => r.map((v, j) => String(v ?? '').padStart(widths[j])).join('  ')).join('\n');
}

/** Show a table: HTML in a notebook, text on stdout elsewhere. */
export function showTable(t: FrameLike | Records, caption?: string): void {
  if (!showHtml(tableHtml(t, caption), tableText(t))) process.stdout.write((caption ? caption + '\n' : '') + tableText(t) + '\n');
}
