/**
 * `birq report`: a suite's report from its results store and run directories: report.md (tables, figures as
 * SVG files beside it) and a self-contained report.html (the same tables, every figure as interactive plotly
 * with the bundle inlined once, and its SVG for viewers that run no script). Every number is mean ± sd over
 * seeds with the seed count; label statistics stand beside their chance levels; the paper's numbers stand
 * beside ours with what they measured.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { snapshotQuality } from '../evaluate/label-snapshots';
import { readJson, readJsonl, writeFileAtomic } from '../util/fs';
import { Figure, PALETTE } from '../viz/figure';
import { figureHtml, plotlyScript } from '../viz/notebook';
import { figureToSvg } from '../viz/svg';
import { PairedComparison, pairedComparisons, pairedFigure, pairedTable } from './paired';
import { bestLayerAccuracy, probeOverPretraining, probeTable } from './probe-report';
import { SuiteProfile } from './profiles';
import { differenceSe, meanSdCell, pct, readRows, ResultRow, seedMeanSd, summarizeMetric, toCsv } from './store';
import { Arm } from './suites';

export interface SuiteRecord {
  suite: string;
  what: string;
  paper: string;
  profile: SuiteProfile;
  seeds: number;
  commit: string;
  arms: Arm[];
  jobs: { id: string; kind: string; argv: string[]; deps: string[]; estS: number; steps: number; configHash?: string }[];
}

/**
 * The rows of the suite as it stands: a row whose stage the plan now runs with another configuration (a changed
 * grid, say), of an arm the suite no longer has, or of a stage its arm no longer runs is left out, so a report
 * never mixes two versions of one stage. `stale` lists them. Seeds past the plan's keep their rows.
 */
export function currentRows(rec: Pick<SuiteRecord, 'jobs' | 'arms' | 'seeds'>, all: ResultRow[]): { rows: ResultRow[]; stale: string[] } {
  const hashOf = new Map(rec.jobs.map((j) => [j.id, j.configHash]));
  const arms = new Set(rec.arms.map((a) => a.name));
  const stale = new Set<string>();
  const rows = all.filter((r) => {
    const id = `${r.arm}/seed-${r.seed}/${r.stage}`;
    // A record from before jobs carried their hash trusts its rows, as the runner did.
    const ok = hashOf.has(id) ? [undefined, r.configHash].includes(hashOf.get(id)) : arms.has(r.arm) && r.seed > rec.seeds;
    if (!ok) stale.add(id);
    return ok;
  });
  return { rows, stale: [...stale].sort() };
}

export interface ReportFiles {
  md: string;
  html: string;
  figures: string[];
  /** Three lines that say what the suite found (printed by `npm start` and `birq ablate`). */
  headline: string[];
}

const num = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '–');
const cell = meanSdCell;

/** A suite's report as data, for notebooks: the markdown, the figures (plotly JSON) and the headline. */
export interface SuiteReport {
  root: string;
  record: SuiteRecord;
  rows: ResultRow[];
  markdown: string;
  figures: { name: string; fig: Figure; caption: string }[];
  headline: string[];
  /** Every arm against the first arm scored, per evaluation stage (paired.ts). */
  paired: PairedComparison[];
}

export function writeReport(root: string): ReportFiles {
  const r = suiteReport(root);
  const figDir = path.join(root, 'figures');
  fs.mkdirSync(figDir, { recursive: true });
  const html: string[] = [];
  r.figures.forEach((f, i) => {
    const svg = figureToSvg(f.fig, { width: 720, height: 380 });
    writeFileAtomic(path.join(figDir, `${f.name}.svg`), svg);
    html.push(`<figure>${i === 0 ? plotlyScript({ always: true }) : ''}${figureHtml(f.fig, { includePlotly: false })}<details><summary>static</summary>${svg}</details><figcaption>${esc(f.caption)}</figcaption></figure>`);
  });
  const mdFile = path.join(root, 'report.md');
  writeFileAtomic(mdFile, r.markdown);
  const htmlFile = path.join(root, 'report.html');
  const body = r.markdown.split('\n').filter((l) => !l.startsWith('![') && !/^\*.*\*$/.test(l)).join('\n').replace(/## Figures\n*$/, '');
  writeFileAtomic(htmlFile, `<!doctype html><html><head><meta charset="utf-8"><title>${esc(r.record.suite)} report</title><style>body{font-family:sans-serif;max-width:1000px;margin:auto;padding:1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px}figure{margin:1.5em 0}</style></head><body>${mdToHtml(body)}<h2>Figures</h2>${html.join('\n')}</body></html>`);
  return { md: mdFile, html: htmlFile, figures: r.figures.map((f) => path.join(figDir, `${f.name}.svg`)), headline: r.headline };
}

/**
 * Copies a written report's small files (report.md, its figures, the results as CSV) into `dest`, replacing what
 * an earlier publish left there; report.html is left out (it inlines plotly, ~4 MB). Returns the files written.
 */
export function publishReport(root: string, dest: string): string[] {
  const figDest = path.join(dest, 'figures');
  fs.rmSync(figDest, { recursive: true, force: true });
  fs.mkdirSync(figDest, { recursive: true });
  const files = ['report.md', ...fs.readdirSync(path.join(root, 'figures')).filter((f) => f.endsWith('.svg')).map((f) => `figures/${f}`)];
  for (const f of files) writeFileAtomic(path.join(dest, f), fs.readFileSync(path.join(root, f)));
  // From the store itself (results.csv of a suite still running is only as new as its last runner's exit), and the
  // rows the report shows: none from a stage's superseded configuration.
  writeFileAtomic(path.join(dest, 'results.csv'), toCsv(suiteRows(root).rows));
  return [...files, 'results.csv'].map((f) => path.join(dest, f));
}

/** A suite directory's record and the rows of its current plan (`currentRows`). */
function suiteRows(root: string): { rec: SuiteRecord; rows: ResultRow[]; stale: string[] } {
  const rec = readJson<SuiteRecord>(path.join(root, 'suite.json'), 'suite record');
  return { rec, ...currentRows(rec, readRows(path.join(root, 'results.jsonl'))) };
}

/** Everything a report shows, computed from the suite directory (nothing written). */
export function suiteReport(root: string): SuiteReport {
  const { rec, rows, stale } = suiteRows(root);
  const p = rec.profile;
  const arms = rec.arms.map((a) => a.name);
  const figs: { name: string; fig: Figure; caption: string }[] = [];
  const md: string[] = [];
  const stat = (stage: string, metric: string) => new Map(summarizeMetric(rows, stage, metric).map((s) => [s.arm, s]));
  const seedsDone = new Set(rows.map((r) => r.seed)).size;

  md.push(`# ${rec.suite} (${p.name} profile)`, '', rec.what, '', `- **Profile:** ${p.what}`, `- **Paper:** ${rec.paper}`,
    `- **Seeds:** ${rec.seeds} planned, ${seedsDone} with results; commit ${rec.commit}; compute ${formatHours(rows)} of stage wall time in all${sharedNote(rows)}`,
    ...(stale.length ? [`- **Left out:** the rows of ${stale.length} stage${stale.length > 1 ? 's' : ''} whose configuration, arm or stage the suite's plan no longer has (rerun to bring them back): ${stale.slice(0, 6).join(', ')}${stale.length > 6 ? ', …' : ''}`] : []),
    `- **Reproduce:** \`npx birq ablate --suite ${rec.suite} --profile ${p.name} --seeds ${rec.seeds}\` then \`npx birq report --suite ${rec.suite} --profile ${p.name}\``, '');

  // Error rates: phone error rate of greedy CTC decoding, per labeled budget and test split.
  // The budgets this suite fine-tunes on (a sweep may use the smallest only).
  const budgets = Object.keys(p.finetuneSteps).filter((b) => rec.jobs.some((j) => j.id.endsWith(`/finetune-${b}`)));
  md.push('## Phone error rate after CTC fine-tuning (greedy, %; mean ± sd (seeds))', '');
  const cols = budgets.flatMap((b) => [...p.evalSplits.map((t) => ({ b, t, stage: `eval-${b}-${t}`, metric: 'per.rate' })), { b, t: 'dev', stage: `finetune-${b}`, metric: 'dev.per.rate' }]);
  const paperKeys = [...new Set(rec.arms.flatMap((a) => Object.keys(a.paper ?? {})))];
  md.push(`| arm | ${cols.map((c) => `${c.b} → ${c.t}`).join(' | ')}${paperKeys.map((k) => ` | paper ${k}`).join('')} |`, `|---|${cols.map(() => '---|').join('')}${paperKeys.map(() => '---|').join('')}`);
  const perStats = cols.map((c) => stat(c.stage, c.metric));
  for (const a of rec.arms) md.push(`| ${a.name} | ${perStats.map((s) => cell(s.get(a.name), pct)).join(' | ')}${paperKeys.map((k) => ` | ${a.paper?.[k] ?? ''}`).join('')} |`);
  md.push('', `Paper numbers are WER % on LibriSpeech at 155 M parameters, shown for the ordering; ours are PER % on the built-in corpus at ${p.encoder} scale.`, '');
  const first = cols[0];
  if (first) {
    const s = perStats[0];
    const base = s.get(arms[0]);
    if (base?.n) {
      md.push(`Differences from \`${arms[0]}\` on ${first.b} → ${first.t} (mean difference ± its standard error; "> 2 sd" when it exceeds twice the larger of the two arms' sd):`, '');
      for (const a of arms.slice(1)) {
        const o = s.get(a);
        if (!o?.n) continue;
        const d = o.mean - base.mean;
        const sign = d >= 0 ? '+' : '';
        // One seed on either side has no spread: a difference without an error bar, said so.
        if (base.n < 2 || o.n < 2) {
          md.push(`- ${a}: ${sign}${pct(d)} points (${Math.min(base.n, o.n)} seed on one side: no error bar yet)`);
          continue;
        }
        const se = differenceSe(base, o);
        const big = Math.abs(d) > 2 * Math.max(base.sd, o.sd);
        md.push(`- ${a}: ${sign}${pct(d)} ± ${pct(se)} points${big ? ' (> 2 sd)' : ''}`);
      }
      md.push('');
    }
    figs.push({ name: 'per', caption: 'Phone error rate per arm and labeled budget (mean ± sd over seeds)', fig: perFigure(rec, cols, perStats) });
  }

  // Words beside phones: character CTC + the character LM, its weight and bonus chosen on the tuning split.
  if (p.chars && rows.some((r) => r.stage.startsWith(`eval-${p.chars!.budget}-chars-`))) {
    const c = p.chars;
    md.push(`## Word and character error rates: character CTC on ${c.budget}, beam search + the character LM (%; mean ± sd (seeds))`, '',
      `LM weight ∈ {${c.lmWeights.join(', ')}} and insertion bonus ∈ {${c.bonuses.join(', ')}} are chosen per model on ${c.tuneSplit}, then each test split is decoded once with them.`, '');
    const wc = p.evalSplits.flatMap((t) => ['wer', 'cer'].map((m) => ({ t, m, s: stat(`eval-${c.budget}-chars-${t}`, `${m}.rate`) })));
    const chosen = stat(`eval-${c.budget}-chars-${p.evalSplits[0]}`, 'tuned.lmWeight');
    md.push(`| arm | ${wc.map((x) => `${x.t} ${x.m.toUpperCase()}`).join(' | ')} | LM weight chosen${paperKeys.map((k) => ` | paper ${k}`).join('')} |`, `|---|${wc.map(() => '---|').join('')}---|${paperKeys.map(() => '---|').join('')}`);
    for (const a of rec.arms) md.push(`| ${a.name} | ${wc.map((x) => cell(x.s.get(a.name), pct)).join(' | ')} | ${cell(chosen.get(a.name), (x) => x.toFixed(2))}${paperKeys.map((k) => ` | ${a.paper?.[k] ?? ''}`).join('')} |`);
    md.push('');
    const edge = gridEdgeNote(rows, `eval-${c.budget}-chars-${p.evalSplits[0]}`, c.lmWeights, c.bonuses);
    if (edge) md.push(edge, '');
  }

  // Paired comparisons: is each difference larger than the seeds' spread and the test set's sampling noise?
  const paired = pairedComparisons(rows, arms);
  if (paired.comparisons.length) {
    md.push('## Can the test set resolve the differences? (each arm against the first arm scored on the stage)', '',
      'Two sources of uncertainty, side by side: the seeds (standard error of the difference of seed means) and the test set (a paired bootstrap over its utterances of the seed-mean difference, 2,000 replicates; Bisani & Ney 2004). "Resolved": the difference exceeds twice both combined.', '',
      pairedTable(paired.comparisons), '');
    figs.push({ name: 'paired', caption: 'Each arm minus the first arm scored, per test split (points); whiskers: ±2 × the seeds\' and the test set\'s standard errors combined, what a difference must clear to be resolved', fig: pairedFigure(paired.comparisons) });
    if (paired.missing.length) md.push(`Left out for want of their transcripts (eval.json): ${paired.missing.slice(0, 6).join(', ')}${paired.missing.length > 6 ? ', …' : ''}.`, '');
  }

  // Label statistics on the evaluation split, each beside its chance level.
  const L = `labels-${p.labelSplit}`;
  if (rows.some((r) => r.stage === L)) {
    md.push(`## Label statistics on ${p.labelSplit} at the end of pretraining`, '', 'PNMI and phone purity with the same statistic for the labels shuffled across frames (chance); AMI between the anchor and enhanced streams is 0 at chance. Codes used are over every frame of the split.', '');
    md.push('| arm | frames | anchor codes | enhanced codes | enhanced / anchor | AMI(anchor, enhanced) | PNMI anchor (chance) | PNMI enhanced (chance) |', '|---|---|---|---|---|---|---|---|');
    const g = (m: string) => stat(L, m);
    const [fr, ua, ue, ami, pa, pac, pe, pec] = ['frames', 'streams.anchor.0.used', 'streams.enhanced.used', 'agreement.anchor.0 x enhanced.ami', 'streams.anchor.0.pnmi', 'streams.anchor.0.chance.pnmi.mean', 'streams.enhanced.pnmi', 'streams.enhanced.chance.pnmi.mean'].map(g);
    for (const a of arms) {
      if (!ua.get(a)?.n) continue;
      const ratio = seedMeanSd(seedRatios(rows, L, a, 'streams.enhanced.used', 'streams.anchor.0.used'));
      md.push(`| ${a} | ${num(fr.get(a)?.mean ?? NaN, 0)} | ${cell(ua.get(a), (x) => x.toFixed(0))} | ${cell(ue.get(a), (x) => x.toFixed(0))} | ${cell({ ...ratio, n: ua.get(a)!.n }, pct)} % | ${cell(ami.get(a), num)} | ${cell(pa.get(a), num)} (${num(pac.get(a)?.mean ?? NaN)}) | ${cell(pe.get(a), num)} (${num(pec.get(a)?.mean ?? NaN)}) |`);
    }
    md.push('');
  }

  // The per-layer phone probe: where phone information lives.
  const P = `probe-${p.labelSplit}`;
  const probe = probeTable(rows, P, arms);
  if (probe) {
    md.push(`## Frozen-encoder phone probe on ${p.labelSplit} (frame accuracy %, linear softmax per layer; layer 0 = the input features)`, '', probe.md, '');
    figs.push({ name: 'probe', caption: 'Per-layer phone probe accuracy (mean ± sd over seeds); dashed: chance (majority phone)', fig: probe.fig });
  }
  const over = probeOverPretraining(rows, P, arms);
  if (over) {
    md.push(`## The phone probe over pretraining (frame accuracy %, ${p.labelSplit}; the arms probed part-way)`, '', over.md, '');
    figs.push({ name: 'probe-steps', caption: 'Phone probe per encoder block over pretraining (mean ± sd over seeds); dashed: the input features', fig: over.fig });
  }

  // Training curves and label snapshots over pretraining.
  const curves = pretrainCurves(root, rec);
  for (const c of curves) figs.push(c);

  // Compute each arm spent (the relabeling arms also spent their teachers').
  md.push('## Compute per seed (stage wall time on one core, mean over seeds)', '', '| arm | pretraining steps | pretraining | fine-tuning | evaluation | total, with teachers |', '|---|---|---|---|---|---|');
  for (const a of rec.arms) {
    const w = (kinds: string[]) => wallPerSeed(rows, a.name, (st) => kinds.some((k) => st.startsWith(k)));
    const own = w(['pretrain']);
    const teacher = a.pretrain?.kind === 'relabel' ? teacherWall(rows, rec, a.name) : 0;
    const steps = rows.find((r) => r.arm === a.name && r.stage === 'pretrain')?.steps ?? 0;
    md.push(`| ${a.name} | ${steps} | ${formatS(own)} | ${formatS(w(['finetune']))} | ${formatS(w(['eval', 'labels', 'probe']))} | ${formatS(own + teacher + w(['finetune', 'eval', 'labels', 'probe']))} |`);
  }
  md.push('');

  md.push('## Figures', '');
  for (const f of figs) md.push(`![${f.caption}](figures/${f.name}.svg)`, '', `*${f.caption}*`, '');
  const headline = headlineOf(rec, cols, perStats, rows);
  const at = md.findIndex((l) => l.startsWith('## '));
  md.splice(at < 0 ? md.length : at, 0, '## What it says', '', ...headline.map((l) => `- ${l}`), '');
  return { root, record: rec, rows, markdown: md.join('\n') + '\n', figures: figs, headline, paired: paired.comparisons };
}

function headlineOf(rec: SuiteRecord, cols: { b: string; t: string }[], perStats: Map<string, { mean: number; sd: number; n: number }>[], rows: ResultRow[]): string[] {
  const out: string[] = [];
  if (cols.length) {
    const s = perStats[0];
    // Arms not scored yet are named once at the end, not listed as a row of dashes.
    const scored = rec.arms.filter((a) => s.get(a.name)?.n);
    const waiting = rec.arms.filter((a) => !s.get(a.name)?.n).map((a) => a.name);
    const parts = scored.map((a) => `${a.name} ${cell(s.get(a.name), pct)}`);
    out.push(`PER % on ${cols[0].t} after fine-tuning on ${cols[0].b} (mean ± sd (seeds)): ${parts.join(', ') || 'none scored yet'}${scored.length && waiting.length ? `; not scored yet: ${waiting.join(', ')}` : ''}`);
  }
  const L = `labels-${rec.profile.labelSplit}`;
  const ue = summarizeMetric(rows, L, 'streams.enhanced.used');
  const ami = new Map(summarizeMetric(rows, L, 'agreement.anchor.0 x enhanced.ami').map((x) => [x.arm, x]));
  if (ue.length) out.push(`enhanced labels at the end of pretraining: ${ue.map((u) => `${u.arm} ${u.mean.toFixed(0)} codes, AMI with anchor ${num(ami.get(u.arm)?.mean ?? NaN)}`).join('; ')} (AMI is 0 at chance)`);
  const probe = bestLayerAccuracy(rows, `probe-${rec.profile.labelSplit}`);
  if (probe.length) out.push(`best encoder layer's phone probe accuracy (frames, %): ${probe.map((x) => `${x.arm} ${cell(x, pct)}`).join(', ')}`);
  if (!out.length) out.push('no finished stages yet');
  return out.slice(0, 3);
}

function perFigure(rec: SuiteRecord, cols: { b: string; t: string; stage: string }[], stats: Map<string, { mean: number; sd: number; n: number }>[]): Figure {
  return {
    data: rec.arms.map((a, k) => ({
      type: 'bar' as const, name: a.name, x: cols.map((c) => `${c.b}→${c.t}`),
      y: stats.map((s) => 100 * (s.get(a.name)?.mean ?? NaN)), error_y: { type: 'data', array: stats.map((s) => 100 * (s.get(a.name)?.sd || 0)) }, marker: { color: PALETTE[k % PALETTE.length] },
    })),
    layout: { title: `${rec.suite}: phone error rate`, yaxis: { title: 'PER %' }, barmode: 'group' },
  };
}

/** F, G and enhanced code usage over training, and the label snapshots (AMI, codes, PNMI vs chance), mean over seeds. */
function pretrainCurves(root: string, rec: SuiteRecord): { name: string; fig: Figure; caption: string }[] {
  const series = new Map<string, Map<string, Map<number, number[]>>>(); // metric -> arm -> step -> values
  const put = (metric: string, arm: string, step: number, v: number) => {
    if (!Number.isFinite(v)) return;
    const m = series.get(metric) ?? series.set(metric, new Map()).get(metric)!;
    const a = m.get(arm) ?? m.set(arm, new Map()).get(arm)!;
    (a.get(step) ?? a.set(step, []).get(step)!).push(v);
  };
  for (const j of rec.jobs.filter((j) => j.id.endsWith('/pretrain'))) {
    const arm = j.id.split('/')[0];
    const dir = path.join(root, j.id);
    const metrics = path.join(dir, 'metrics.jsonl');
    if (!fs.existsSync(metrics)) continue;
    for (const m of readJsonl<Record<string, number>>(metrics)) for (const k of ['F', 'G', 'codes_enhanced', 'codes_anchor']) put(k, arm, m.step, m[k]);
    if (!fs.existsSync(path.join(dir, 'labels'))) continue;
    try {
      const corpus = readJson<{ config: { data: { corpus: string } } }>(path.join(dir, 'config.json'), 'run config').config.data.corpus;
      for (const s of snapshotQuality(dir, corpus, undefined, { repeats: 2 }).steps) {
        put('snap.ami', arm, s.step, s.anchorEnhancedAmi);
        const e = s.streams.enhanced;
        const a = s.streams['anchor.0'];
        if (e) put('snap.codes_enhanced', arm, s.step, e.used), put('snap.pnmi_enhanced', arm, s.step, e.pnmi), put('snap.pnmi_enhanced_chance', arm, s.step, e.chance.pnmi.mean);
        if (a) put('snap.codes_anchor', arm, s.step, a.used), put('snap.pnmi_anchor', arm, s.step, a.pnmi);
      }
    } catch {
      /* snapshots of a run still in progress or without alignments: curves from metrics only */
    }
  }
  const fig = (metrics: string[], title: string, y: string, caption: string, name: string) => {
    const data: Figure['data'] = [];
    metrics.forEach((metric, mi) => {
      const m = series.get(metric);
      if (!m) return;
      [...m].forEach(([arm, bySteps], k) => {
        const steps = [...bySteps.keys()].sort((a, b) => a - b);
        data.push({ type: 'scatter', mode: steps.length > 12 ? 'lines' : 'lines+markers', name: metrics.length > 1 ? `${arm} ${metric.replace('snap.', '')}` : arm, x: steps, y: steps.map((s) => seedMeanSd(bySteps.get(s)!).mean), line: { color: PALETTE[k % PALETTE.length], dash: mi ? 'dash' : undefined } });
      });
    });
    return data.length ? [{ name, caption, fig: { data, layout: { title, xaxis: { title: 'pretraining step' }, yaxis: { title: y } } } }] : [];
  };
  return [
    ...fig(['G'], 'G: cross-entropy against anchor labels (masked frames)', 'nats', 'G over pretraining (per batch, mean over seeds)', 'curve-G'),
    ...fig(['F'], 'F: cross-entropy against enhanced targets (masked frames)', 'nats', 'F over pretraining (per batch, mean over seeds)', 'curve-F'),
    ...fig(['codes_enhanced', 'codes_anchor'], 'codes used per batch (masked frames; noise-free labels)', 'codes', 'Codes used per batch; solid enhanced, dashed anchor', 'curve-codes'),
    ...fig(['snap.ami'], `AMI(anchor, enhanced) on the ${rec.profile.labelSplit} snapshot set`, 'AMI (0 = chance)', 'Anchor–enhanced agreement (AMI) on the fixed evaluation set over pretraining', 'snap-ami'),
    ...fig(['snap.codes_enhanced', 'snap.codes_anchor'], `codes used on the snapshot set`, 'codes', 'Codes used on the evaluation set over pretraining; solid enhanced, dashed anchor', 'snap-codes'),
    ...fig(['snap.pnmi_enhanced', 'snap.pnmi_enhanced_chance'], 'PNMI of the enhanced labels, and its chance level', 'PNMI', 'PNMI of the enhanced labels on the evaluation set (solid) and for the same labels shuffled across frames (dashed)', 'snap-pnmi'),
  ];
}

/**
 * A tuned value on the edge of its grid means the best setting may lie outside it: say so, with the count, so
 * that a WER tuned on too narrow a grid is not read as the decoder's best.
 */
export function gridEdgeNote(rows: ResultRow[], stage: string, lmWeights: number[], bonuses: number[]): string | null {
  const parts: string[] = [];
  for (const [metric, what, grid] of [['tuned.lmWeight', 'LM weight', lmWeights], ['tuned.bonus', 'insertion bonus', bonuses]] as const) {
    if (grid.length < 2) continue;
    const chosen = rows.filter((r) => r.stage === stage && r.metric === metric).map((r) => r.value);
    for (const [end, v] of [['largest', Math.max(...grid)], ['smallest', Math.min(...grid)]] as const) {
      const hits = chosen.filter((x) => x === v).length;
      if (hits) parts.push(`the ${end} ${what} (${v}) for ${hits} of ${chosen.length} models`);
    }
  }
  return parts.length ? `**Grid edge:** dev chose ${parts.join('; ')}. The best setting may lie beyond the grid, so these error rates are upper bounds on what the decoder reaches.` : null;
}

function seedRatios(rows: ResultRow[], stage: string, arm: string, num_: string, den: string): number[] {
  const by = new Map<number, { n?: number; d?: number }>();
  for (const r of rows) if (r.arm === arm && r.stage === stage && (r.metric === num_ || r.metric === den)) {
    const x = by.get(r.seed) ?? by.set(r.seed, {}).get(r.seed)!;
    if (r.metric === num_) x.n = r.value;
    else x.d = r.value;
  }
  return [...by.values()].filter((x) => x.n !== undefined && x.d).map((x) => x.n! / x.d!);
}

function wallPerSeed(rows: ResultRow[], arm: string, stageMatch: (s: string) => boolean): number {
  const per = new Map<number, Map<string, number>>();
  for (const r of rows) if (r.arm === arm && stageMatch(r.stage)) (per.get(r.seed) ?? per.set(r.seed, new Map()).get(r.seed)!).set(r.stage, r.wallS);
  const totals = [...per.values()].map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  return totals.length ? totals.reduce((a, b) => a + b, 0) / totals.length : 0;
}

function teacherWall(rows: ResultRow[], rec: SuiteRecord, arm: string): number {
  const a = rec.arms.find((x) => x.name === arm);
  if (a?.pretrain?.kind !== 'relabel') return 0;
  const t = a.pretrain.teacher;
  return wallPerSeed(rows, t, (s) => s === 'pretrain') + teacherWall(rows, rec, t);
}

/** Stages adopted from their twins in other suites (share.ts) spent their compute once, there. */
function sharedNote(rows: ResultRow[]): string {
  const shared = rows.filter((r) => r.sharedFrom);
  if (!shared.length) return '';
  const stages = new Set(shared.map((r) => `${r.arm}/${r.seed}/${r.stage}`)).size;
  const suites = [...new Set(shared.map((r) => path.basename(path.resolve(r.sharedFrom!, '..', '..', '..'))))];
  return `, ${formatHours(shared)} of it in ${stages} stages adopted from their twins in ${suites.join(', ')} (computed once, there)`;
}

function formatHours(rows: ResultRow[]): string {
  const per = new Map<string, number>();
  for (const r of rows) per.set(`${r.arm}/${r.seed}/${r.stage}`, r.wallS);
  return formatS([...per.values()].reduce((a, b) => a + b, 0));
}

function formatS(s: number): string {
  if (!s) return '–';
  return s >= 3600 ? `${(s / 3600).toFixed(2)} h` : s >= 60 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(0)} s`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The report's own markdown subset (headings, lists, tables, paragraphs, inline code and bold) as HTML. */
function mdToHtml(md: string): string {
  const inline = (s: string) => esc(s).replace(/`([^`]+)`/g, '<code>$1</code>').replace(/\*\*([^*]+)\*\*/g, '<b>$1</b>');
  const out: string[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('|')) {
      const rowsT: string[][] = [];
      while (i < lines.length && lines[i].startsWith('|')) rowsT.push(lines[i++].split('|').slice(1, -1).map((c) => c.trim()));
      i--;
      const [head, , ...body] = rowsT;
      out.push(`<table><tr>${head.map((c) => `<th>${inline(c)}</th>`).join('')}</tr>${body.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`).join('')}</table>`);
    } else if (/^#+ /.test(l)) {
      const n = l.match(/^#+/)![0].length;
      out.push(`<h${n}>${inline(l.slice(n + 1))}</h${n}>`);
    } else if (l.startsWith('- ')) out.push(`<li>${inline(l.slice(2))}</li>`);
    else if (l.trim()) out.push(`<p>${inline(l)}</p>`);
  }
  return out.join('\n');
}
