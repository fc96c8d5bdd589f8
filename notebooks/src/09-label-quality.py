import sys; sys.path.insert(0, "scripts")
from nb import write
write("notebooks/09-label-quality.ipynb", [
("md", """
# 09 · Label quality: do the enhanced labels refine themselves?

BiRQ's claim is about its targets: the enhanced labels, made by the model's own block k, should carry more phonetic
information than BEST-RQ's random-projection anchor labels, while the anchor keeps them from collapsing. With the
exact phone alignments of the built-in corpus we can measure that directly, with HuBERT's definitions
(Hsu et al. 2021, §IV-E; `birq.labelQuality`), from the joint distribution p(y, z) of phone y and label z over frames:

* **phone purity** = Σ_z max_y p(y, z): how phonetically pure each label is on average;
* **cluster purity** = Σ_y max_z p(y, z): how concentrated each phone's labels are;
* **PNMI** = I(y; z) / H(y): the fraction of phone uncertainty a label removes (1: labels determine phones).

Labels live at the encoder rate (40 ms); phones are brought to it by majority over each stacked window. The same
numbers come from `birq labels --run RUN --split dev`. The plug-in mutual information is biased upward (by about
(phones−1)(labels−1) / 2N nats): thousands of codes over a few thousand frames score a large PNMI with no phone
information at all. So every statistic is shown beside its **chance level**, the same statistic for the labels
shuffled across frames (`birq.labelQualityWithChance`; E[I] / H(phone) is its analytic value), and two label
streams are compared by **AMI** (adjusted mutual information, scikit-learn's `adjusted_mutual_info_score`), which is
0 for independent streams whatever their code counts, where NMI is not (~0.98 for two independent 8192-code
streams on 2,000 frames).
"""),
("code", """
import * as birq from 'birq-lab';
await birq.initBackend({ quiet: true });
const profile = birq.profile();
const corpus = birq.builtinCorpus(profile, { build: true }).dir;
const plan = profile === 'smoke' ? { preset: 'smoke', pretrainSteps: 4 } : { preset: 'c1-small', pretrainSteps: 4000 };
const root = `${birq.runsRoot()}/notebooks/${profile}`;
// The pretraining runs of notebook 08 (reused when finished, resumed when interrupted).
const runs: Record<string, string> = {};
for (const task of ['bestrq', 'birq'] as const) {
  const c = birq.presetConfig(plan.preset);
  c.task = task;
  c.data = { ...c.data, source: 'corpus', corpus: corpus };
  c.run = { ...c.run, steps: plan.pretrainSteps, checkpointEvery: plan.pretrainSteps, snapshotEvery: Math.max(1, Math.floor(plan.pretrainSteps / 3)) };
  runs[task] = `${root}/pretrain-${task}`;
  await birq.train({ config: c, runDir: runs[task], resume: true, quiet: true, onProgress: birq.notebookProgress() });
}
"""),
("md", """
## Over pretraining

The loop saves the labels of a fixed probe set (the first utterances of the pretraining split) every
`run.snapshotEvery` steps; `birq.snapshotQuality` scores each snapshot against the phones. The anchor stream
comes from frozen random matrices and the input alone, so it never moves (its churn is exactly 0); the enhanced
stream is the one that can learn, or collapse.
"""),
("code", """
const q = Object.fromEntries(Object.entries(runs).map(([task, dir]) => [task, birq.snapshotQuality(dir, corpus)]));
const traces = Object.entries(q).flatMap(([task, r]) => ['anchor.0', 'enhanced'].map((s) => ({
  name: `${task} ${s}`, x: r.steps.map((x) => x.step), y: r.steps.map((x) => x.streams[s].pnmi),
})));
birq.showFigure(birq.lineFigure(traces, { title: 'PNMI of each label stream over pretraining (probe set)', xTitle: 'step', yTitle: 'PNMI' }));
birq.showFigure(birq.lineFigure(Object.entries(q).map(([task, r]) => ({ name: task, x: r.steps.slice(1).map((x) => x.step), y: r.steps.slice(1).map((x) => x.churn.enhanced) })),
  { title: 'Enhanced-label churn between snapshots', xTitle: 'step', yTitle: 'fraction of frames relabeled' }));
birq.showTable(Object.entries(q).flatMap(([task, r]) => r.steps.map((s) => ({
  run: task, step: s.step, frames: s.frames, 'anchor PNMI': +s.streams['anchor.0'].pnmi.toFixed(3), 'enhanced PNMI': +s.streams.enhanced.pnmi.toFixed(3),
  'anchor PNMI chance': +s.streams['anchor.0'].chance.pnmi.mean.toFixed(3), 'enhanced PNMI chance': +s.streams.enhanced.chance.pnmi.mean.toFixed(3),
  'enhanced codes': s.streams.enhanced.used, 'AMI(anchor, enhanced)': +s.anchorEnhancedAmi.toFixed(3), 'NMI (not chance-corrected)': +s.anchorEnhancedNmi.toFixed(3),
}))), 'per snapshot');
"""),
("md", """
## Anchor × enhanced co-occurrence

Rows: the most frequent anchor codes; columns: the most frequent enhanced codes (BiRQ run, last snapshot), rows
ordered by their most frequent column so that agreement shows as a diagonal.
"""),
("code", """
const last = q.birq.last;
const co = birq.orderRowsByArgmax(birq.cooccurrence(last['anchor.0'], last.enhanced, 32));
birq.showFigure(birq.heatmapFigure(co.counts, { title: `anchor × enhanced co-occurrence (frames; ${co.otherFrames} of ${co.frames} outside the shown codes)`,
  x: co.cols.map(String), y: co.rows.map(String), xTitle: 'enhanced code', yTitle: 'anchor code' }));
"""),
("md", """
## On the dev split, with the offline k-means teacher

At the final checkpoint: anchor, enhanced, and k-means clusters of block k's output (fit on the pretraining
split, 100 clusters; the offline HuBERT-style teacher of `birq relabel`), scored on `dev` (held-out speakers).
"""),
("code", """
const rows: Record<string, unknown>[] = [];
for (const [task, dir] of Object.entries(runs)) {
  const run = birq.loadPretrainedRun(dir);
  const layer = run.config.enhanced.layer;
  const labels = birq.splitLabels(run, corpus, 'dev', { layer });
  birq.addKMeansStream(labels, birq.fitLayerKMeans(run, corpus, 'pretrain', { k: profile === 'smoke' ? 20 : 100, layer, seed: 1 }));
  const rep = birq.labelsReport('dev', labels);
  for (const [stream, s] of Object.entries(rep.streams))
    rows.push({ run: task, stream, PNMI: +s.pnmi.toFixed(3), 'PNMI chance': +s.chance.pnmi.mean.toFixed(3), 'adjusted PNMI': +s.adjustedPnmi.toFixed(3), 'phone purity': +s.phonePurity.toFixed(3), 'phone purity chance': +s.chance.phonePurity.mean.toFixed(3), 'cluster purity': +s.clusterPurity.toFixed(3), codes: s.used, perplexity: +s.perplexity.toFixed(1) });
  run.task.dispose();
}
birq.showTable(rows, 'label quality on dev (final checkpoints)');
"""),
])
