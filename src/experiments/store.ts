/**
 * The results store of a suite: one row per arm × seed × stage × metric, appended as stages finish
 * (`results.jsonl`, one JSON object a line; a CSV export beside it). Metrics are the numeric leaves of the JSON a
 * stage's command prints (`per.rate`, `streams.enhanced.used`, `layers.3.accuracy`, ...), so a new number a
 * command reports reaches the store without a schema change. A rerun of a stage replaces its rows (the newest
 * row of a key wins on read), and a torn last line (a killed write) is skipped with a warning, never fatal.
 */
import * as fs from 'node:fs';
import { meanSd } from '../metrics/label-chance';
import { writeFileAtomic } from '../util/fs';

export interface ResultRow {
  suite: string;
  profile: string;
  arm: string;
  seed: number;
  stage: string;
  metric: string;
  value: number;
  /** The stage's run directory, the hash of what determined it, the commit that ran it. */
  runDir: string;
  configHash: string;
  commit: string;
  /** Compute the stage spent: wall seconds and optimizer steps. */
  wallS: number;
  steps: number;
  time: string;
  /** Set where the stage was adopted from its twin in another suite (share.ts): the directory that computed it. */
  sharedFrom?: string;
}

/** Numeric leaves of a JSON value as dotted keys; arrays of up to 64 items by index; strings and longer arrays skipped. */
export function numericLeaves(v: unknown, prefix = '', out: Record<string, number> = {}): Record<string, number> {
  if (typeof v === 'number') {
    if (prefix) out[prefix] = v;
  } else if (typeof v === 'boolean') {
    if (prefix) out[prefix] = v ? 1 : 0;
  } else if (Array.isArray(v)) {
    if (v.length <= 64) v.forEach((x, i) => numericLeaves(x, prefix ? `${prefix}.${i}` : String(i), out));
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) numericLeaves(x, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

export function appendRows(file: string, rows: ResultRow[]): void {
  if (!rows.length) return;
  // One write call per stage: a kill mid-write leaves at worst one torn last line, which readRows skips.
  fs.appendFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
}

/** Every row, newest per (arm, seed, stage, metric). */
export function readRows(file: string, warn: (msg: string) => void = () => {}): ResultRow[] {
  if (!fs.existsSync(file)) return [];
  const latest = new Map<string, ResultRow>();
  fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const r = JSON.parse(line) as ResultRow;
      latest.set(`${r.arm}\u0000${r.seed}\u0000${r.stage}\u0000${r.metric}`, r);
    } catch {
      warn(`${file}:${i + 1}: unreadable row skipped (a write interrupted by a kill?)`);
    }
  });
  return [...latest.values()];
}

/** Drop a stage's rows before it reruns, so a changed stage never leaves stale metrics behind. */
export function dropStageRows(file: string, arm: string, seed: number, stage: string): void {
  const rows = readRows(file).filter((r) => !(r.arm === arm && r.seed === seed && r.stage === stage));
  writeFileAtomic(file, rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : ''));
}

const CSV_COLUMNS: (keyof ResultRow)[] = ['suite', 'profile', 'arm', 'seed', 'stage', 'metric', 'value', 'wallS', 'steps', 'configHash', 'commit', 'runDir', 'time', 'sharedFrom'];

export function toCsv(rows: ResultRow[]): string {
  const cell = (v: unknown) => {
    const s = v === undefined ? '' : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [CSV_COLUMNS.join(','), ...rows.map((r) => CSV_COLUMNS.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

export interface Summary {
  arm: string;
  stage: string;
  metric: string;
  mean: number;
  sd: number;
  n: number;
  values: number[];
}

/** Mean ± sample sd over seeds of one metric of one stage, per arm (arms in first-seen order). */
export function summarizeMetric(rows: ResultRow[], stage: string, metric: string): Summary[] {
  const byArm = new Map<string, number[]>();
  for (const r of rows) if (r.stage === stage && r.metric === metric && Number.isFinite(r.value)) (byArm.get(r.arm) ?? byArm.set(r.arm, []).get(r.arm)!).push(r.value);
  return [...byArm].map(([arm, values]) => ({ arm, stage, metric, values, n: values.length, ...seedMeanSd(values) }));
}

/** Mean ± sample sd over seeds; the sd of one seed is NaN (shown as '–'), not 0: one seed has no spread to show. */
export function seedMeanSd(values: number[]): { mean: number; sd: number } {
  if (!values.length) return { mean: NaN, sd: NaN };
  const { mean, sd } = meanSd(values);
  return { mean, sd: values.length > 1 ? sd : NaN };
}

/** A rate in percent with one decimal; '–' where there is none. */
export const pct = (x: number): string => (Number.isFinite(x) ? (100 * x).toFixed(1) : '–');

/** A table cell `mean ± sd (seeds)`, each number through `f`; '–' for an arm without results or a one-seed sd. */
export function meanSdCell(s: { mean: number; sd: number; n: number } | undefined, f: (x: number) => string = pct): string {
  return !s || !s.n ? '–' : `${f(s.mean)} ± ${Number.isFinite(s.sd) ? f(s.sd) : '–'} (${s.n})`;
}

/** Standard error of the difference of two arms' seed means; NaN unless both have two seeds or more. */
export function differenceSe(a: { sd: number; n: number }, b: { sd: number; n: number }): number {
  return a.n > 1 && b.n > 1 ? Math.sqrt(a.sd ** 2 / a.n + b.sd ** 2 / b.n) : NaN;
}
