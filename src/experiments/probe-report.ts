/**
 * The report's frozen-encoder phone probe: where phone information lives in each arm's encoder (one row per arm,
 * one column per layer, layer 0 the input features), and, for arms probed part-way through pretraining
 * (`<probe stage>-at-<step>` stages, suites.ts `probeAt`), how it moved over training, as a table and a figure.
 * Every cell is mean ± sd over seeds with the seed count; chance is the majority phone's frame rate.
 */
import { Figure, PALETTE } from '../viz/figure';
import { meanSdCell, pct, ResultRow, seedMeanSd, summarizeMetric } from './store';

type Stat = { mean: number; sd: number; n: number };

/** `mean ± sd (seeds)` in percent (a one-argument wrapper, so that it can be passed to `map`). */
const cell = (s: Stat | undefined) => meanSdCell(s);

/** The layers a set of probe stages reports (`layers.<i>.accuracy`), ascending. */
function layersOf(rows: ResultRow[], isStage: (stage: string) => boolean): number[] {
  const ids = rows.filter((r) => isStage(r.stage)).map((r) => /^layers\.(\d+)\.accuracy$/.exec(r.metric)?.[1]);
  return [...new Set(ids.filter((x): x is string => !!x))].map(Number).sort((a, b) => a - b);
}

/** Per arm: the best encoder block's probe accuracy (layer >= 1), mean ± sd over seeds. */
export function bestLayerAccuracy(rows: ResultRow[], stage: string): ({ arm: string } & Stat)[] {
  const best = new Map<string, Map<number, number>>();
  for (const r of rows) {
    const m = /^layers\.(\d+)\.accuracy$/.exec(r.metric);
    if (r.stage !== stage || !m || Number(m[1]) === 0) continue;
    const a = best.get(r.arm) ?? best.set(r.arm, new Map()).get(r.arm)!;
    a.set(r.seed, Math.max(a.get(r.seed) ?? -Infinity, r.value));
  }
  return [...best].map(([arm, s]) => ({ arm, n: s.size, ...seedMeanSd([...s.values()]) }));
}

/** Probe metrics: per layer `layers.<i>.accuracy`, chance `majority.accuracy` (majority phone). */
export function probeTable(rows: ResultRow[], stage: string, arms: string[]): { md: string; fig: Figure } | null {
  const layers = layersOf(rows, (s) => s === stage);
  if (!layers.length) return null;
  const chance = seedMeanSd(rows.filter((r) => r.stage === stage && r.metric === 'majority.accuracy').map((r) => r.value)).mean;
  const lines = [`| arm | ${layers.map((l) => `layer ${l}`).join(' | ')} | chance |`, `|---|${layers.map(() => '---|').join('')}---|`];
  const data: Figure['data'] = [];
  arms.forEach((a, k) => {
    const s = layers.map((l) => summarizeMetric(rows.filter((r) => r.arm === a), stage, `layers.${l}.accuracy`)[0]);
    if (!s.some((x) => x?.n)) return;
    lines.push(`| ${a} | ${s.map(cell).join(' | ')} | ${pct(chance)} |`);
    data.push({ type: 'scatter', mode: 'lines+markers', name: a, x: layers, y: s.map((x) => 100 * (x?.mean ?? NaN)), error_y: { type: 'data', array: s.map((x) => 100 * (x?.sd || 0)) }, line: { color: PALETTE[k % PALETTE.length] } });
  });
  data.push({ type: 'scatter', mode: 'lines', name: 'chance', x: layers, y: layers.map(() => 100 * chance), line: { color: '#999', dash: 'dash' } });
  return { md: lines.join('\n'), fig: { data, layout: { title: 'phone probe per layer', xaxis: { title: 'layer (0 = input)' }, yaxis: { title: 'frame accuracy %' } } } };
}

/** One probed arm's probe at each step (from that arm's rows): the part-way stages in step order, then the end. */
function probedSteps(mine: ResultRow[], stage: string): { step: number; stage: string; end: boolean }[] {
  const at = new RegExp(`^${stage}-at-(\\d+)$`);
  const part = [...new Set(mine.map((r) => r.stage).filter((st) => at.test(st)))].map((st) => ({ step: Number(at.exec(st)![1]), stage: st, end: false }));
  part.sort((x, y) => x.step - y.step);
  const end = mine.find((r) => r.stage === 'pretrain')?.steps;
  return [...part, { step: end ?? NaN, stage, end: true }];
}

/**
 * Arms probed part-way: a table with one row per step (the end of pretraining last) and a figure of each
 * encoder block's accuracy against the pretraining step, the input features' accuracy dashed for reference.
 * Null when no arm was probed part-way.
 */
export function probeOverPretraining(rows: ResultRow[], stage: string, arms: string[]): { md: string; fig: Figure } | null {
  const at = new RegExp(`^${stage}-at-(\\d+)$`);
  const probed = arms.filter((a) => rows.some((r) => r.arm === a && at.test(r.stage)));
  if (!probed.length) return null;
  const layers = layersOf(rows, (s) => s === stage || at.test(s));
  const lines = [`| arm | pretraining step | ${layers.map((l) => `layer ${l}`).join(' | ')} |`, `|---|---|${layers.map(() => '---|').join('')}`];
  const data: Figure['data'] = [];
  probed.forEach((a, ai) => {
    const mine = rows.filter((r) => r.arm === a);
    const points = probedSteps(mine, stage)
      .map((p) => ({ ...p, s: layers.map((l) => summarizeMetric(mine, p.stage, `layers.${l}.accuracy`)[0]) }))
      .filter((p) => p.s.some((x) => x?.n));
    for (const p of points) lines.push(`| ${a} | ${p.end ? `${Number.isFinite(p.step) ? p.step : 'end'} (end)` : p.step} | ${p.s.map(cell).join(' | ')} |`);
    const shown = points.filter((p) => Number.isFinite(p.step));
    const name = (l: number) => (l === 0 ? 'input features' : `block ${l}`) + (probed.length > 1 ? ` (${a})` : '');
    layers.forEach((l, i) => {
      const ys = shown.map((p) => p.s[i]);
      data.push({
        type: 'scatter', mode: l === 0 ? 'lines' : 'lines+markers', name: name(l), x: shown.map((p) => p.step), y: ys.map((x) => 100 * (x?.mean ?? NaN)),
        error_y: { type: 'data', array: ys.map((x) => 100 * (x?.sd || 0)) }, line: l === 0 ? { color: '#999', dash: 'dash' } : { color: PALETTE[(l - 1) % PALETTE.length], dash: ai ? 'dot' : undefined },
      });
    });
  });
  return { md: lines.join('\n'), fig: { data, layout: { title: 'phone probe over pretraining', xaxis: { title: 'pretraining step' }, yaxis: { title: 'frame accuracy % (dev)' } } } };
}
