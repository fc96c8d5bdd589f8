/**
 * What the ablation notebooks (05–10) call: run or resume a suite with a live display (stages per arm, the
 * suite's ETA), its report as data, tables for danfojs, and the checks a notebook's last cells make so that a
 * notebook whose story stops being true fails `npm test`. The CLI runs the same `ablate` and `suiteReport`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BirqError } from '../util/errors';
import { formatDuration } from '../util/progress';
import { Figure } from '../viz/figure';
import { liveDisplay } from '../viz/notebook';
import { suiteReport, SuiteReport } from './report';
import { ablate, suiteJobs } from './runner';
import { ResultRow, summarizeMetric } from './store';

export interface NotebookSuite {
  suite: string;
  profile: string;
  seeds: number;
  arms?: string[];
}

/** Run (or finish) a suite; finished stages are read, not rerun. The live display redraws as stages finish. */
export async function runSuiteLive(o: NotebookSuite): Promise<SuiteReport> {
  const { jobs } = suiteJobs(o);
  const arms = [...new Set(jobs.map((j) => j.arm))];
  const live = liveDisplay(1000);
  const fig = (done: Set<string>): Figure => ({
    data: [
      { type: 'bar', name: 'finished', x: arms, y: arms.map((a) => jobs.filter((j) => j.arm === a && done.has(j.id)).length), marker: { color: '#2ca02c' } },
      { type: 'bar', name: 'to do', x: arms, y: arms.map((a) => jobs.filter((j) => j.arm === a && !done.has(j.id)).length), marker: { color: '#bbbbbb' } },
    ],
    layout: { title: `${o.suite} (${o.profile}): stages per arm`, barmode: 'stack', yaxis: { title: 'stages' } },
  });
  const done = new Set<string>();
  const r = await ablate({
    ...o, quiet: true,
    onProgress: (p) => {
      for (const j of jobs) if (!p.running.includes(j.id) && !done.has(j.id) && isDone(j.dir)) done.add(j.id);
      const eta = Number.isFinite(p.etaS) ? formatDuration(p.etaS) : '?';
      live.update(fig(done), `${(100 * p.fraction).toFixed(0)}% · stages ${p.done}/${p.total} · ${formatDuration(p.elapsedS)} elapsed, ETA ${eta}${p.failed.length ? ` · failed: ${p.failed.join(', ')}` : ''} · running: ${p.running.join(', ') || '-'}`);
    },
  });
  for (const j of jobs) if (isDone(j.dir)) done.add(j.id);
  live.finish(fig(done), `${r.ran.length} stages run, ${r.skipped.length} read from earlier runs, ${r.failed.length} failed`);
  if (r.failed.length) throw new BirqError(`suite ${o.suite}: ${r.failed.map((f) => f.message).join('; ')}`);
  return suiteReport(r.root);
}

function isDone(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'stage.json'));
}

/** Mean ± sd over seeds of metrics of a stage, one record per arm (for `new dfd.DataFrame(...)`). */
export function summaryRecords(rows: ResultRow[], stage: string, metrics: Record<string, string>, scale = 1): Record<string, unknown>[] {
  const arms = [...new Set(rows.map((r) => r.arm))];
  return arms.flatMap((arm) => {
    const rec: Record<string, unknown> = { arm };
    let any = false;
    for (const [label, metric] of Object.entries(metrics)) {
      const s = summarizeMetric(rows.filter((r) => r.arm === arm), stage, metric)[0];
      if (!s) continue;
      any = true;
      rec[`${label} mean`] = +(scale * s.mean).toFixed(4);
      rec[`${label} sd`] = Number.isFinite(s.sd) ? +(scale * s.sd).toFixed(4) : null;
      rec.seeds = s.n;
    }
    return any ? [rec] : [];
  });
}

/**
 * The checks every suite notebook ends with: each arm has results from every stage for `seeds` seeds, error
 * rates are finite rates, label statistics come with their chance levels, the probe with its majority baseline.
 * `arms` limits the checks to those arms. Returns the checks that passed (for the notebook to show); throws naming
 * the ones that failed.
 */
export function checkSuite(rep: SuiteReport, o: { seeds: number; arms?: string[] }): string[] {
  const failed: string[] = [];
  const passed: string[] = [];
  const check = (ok: boolean, what: string) => (ok ? passed : failed).push(what);
  // A notebook that ran some arms of a suite (`runSuiteLive({ arms })`) checks those.
  const jobs = rep.record.jobs.filter((j) => !o.arms || o.arms.includes(j.id.split('/')[0]));
  const rowsOf = (id: string) => rep.rows.filter((r) => `${r.arm}/seed-${r.seed}/${r.stage}` === id);
  const missing = jobs.filter((j) => !rowsOf(j.id).length).map((j) => j.id);
  check(!missing.length, `every stage of every arm has results (${jobs.length} stages)${missing.length ? `; missing: ${missing.slice(0, 5).join(', ')}` : ''}`);
  const seeds = new Set(rep.rows.map((r) => r.seed));
  check(seeds.size >= o.seeds, `${o.seeds} seed(s) per arm (found ${seeds.size})`);
  const per = rep.rows.filter((r) => r.metric === 'per.rate' || r.metric === 'dev.per.rate');
  check(per.length > 0 && per.every((r) => Number.isFinite(r.value) && r.value >= 0 && r.value <= 2), `phone error rates are finite rates (${per.length} values)`);
  const labels = rep.rows.filter((r) => r.stage.startsWith('labels-'));
  if (labels.length) {
    const chance = labels.filter((r) => r.metric === 'streams.anchor.0.chance.pnmi.mean');
    check(chance.length > 0 && chance.every((r) => Number.isFinite(r.value)), 'PNMI is drawn beside its chance level (labels shuffled across frames)');
    const pnmi = labels.filter((r) => r.metric === 'streams.anchor.0.pnmi');
    check(pnmi.every((r) => { const c = chance.find((x) => x.arm === r.arm && x.seed === r.seed); return !!c && r.value > c.value; }), 'anchor labels carry phone information above chance (PNMI > shuffled PNMI) in every run');
  }
  const probe = rep.rows.filter((r) => r.stage.startsWith('probe-'));
  if (probe.length) check(probe.some((r) => r.metric === 'majority.accuracy') && probe.filter((r) => /^layers\.\d+\.accuracy$/.test(r.metric)).every((r) => r.value >= 0 && r.value <= 1), 'the phone probe reports every layer with its majority-phone baseline');
  check(rep.figures.length > 0 && rep.headline.length > 0, `the report has ${rep.figures.length} figures and a headline`);
  if (failed.length) throw new BirqError(`notebook checks failed:\n  ${failed.join('\n  ')}`);
  return passed;
}
