import sys; sys.path.insert(0, "scripts")
from nb import write
write("notebooks/03-encoder-and-objective.ipynb", [
("md", """
# 03 · Encoder, masking, and where the gradient goes

The Conformer (`birq.Conformer`) returns any block's output: `forward(x, { untilBlock: k })`. BiRQ runs the first
k blocks on the **unmasked** input to make its enhanced labels and the full encoder on the **masked** input to
predict both label streams. CLI: `birq inspect layer-tap | masking | gradient-flow`.
"""),
("code", """
import * as birq from 'birq-lab';
await birq.initBackend();
const cfg = birq.presetConfig('smoke');
const batch = birq.makeSource(cfg).batchAt(0);
birq.showTable(birq.layerTap(batch, cfg).map((r) => ({ block: r.block, shape: JSON.stringify(r.shape), cosineToLast: +r.cosineToLast.toFixed(3) })),
  'block k outputs (untrained smoke encoder): shape and similarity to the last block');
"""),
("md", """
## Span masking

Each stacked frame (40 ms) starts a 400 ms span with probability p; spans overlap; every utterance gets at least
one; padding is never masked; masked input frames become N(0, 0.1²) noise. The expected masked fraction is
`(1/n) Σ_t [1 - (1-p)^min(t+1, L)] + (1-p)^n · min(L, n)/n`, close to `1 - (1-p)^L` for long utterances. The smoke
preset uses p = 0.05 (the paper's 0.01 masks too little of a 4 s crop to learn from in 80 steps).
"""),
("code", """
const pic = birq.maskingPicture(batch, cfg);
birq.showFigure(birq.heatmapFigure(pic.mask, { title: 'span mask (1 masked, 0 kept, -1 padding)', xTitle: 'stacked frame (40 ms)', yTitle: 'utterance' }));
birq.showTable([{ measured: +pic.measured.toFixed(3), expected: +pic.expected.toFixed(3), interiorRate: +pic.interiorRate.toFixed(3) }], 'masked fraction');
"""),
("md", """
## Where the enhanced targets send gradient, per Gumbel mode

The loss below sees the encoder only through the targets of block k (`<targets, W>` with a fixed W stands in
for the cross-entropy's dependence on its target). `soft` and `hard-st` send gradient into the front end and
blocks 1..k (identical norms here: straight-through passes exactly the soft sample's gradient); `stopgrad` sends
none; blocks after k never get any from this path (they still learn from F and G through the masked branch).
"""),
("code", """
const flow = birq.gradientFlow(batch, { ...cfg, enhanced: { ...cfg.enhanced, layer: 1 } });
birq.showTable(flow.map((r) => ({ mode: r.mode, ...Object.fromEntries(Object.entries(r.norms).map(([k, v]) => [k, +v.toFixed(4)])) })), 'gradient norm reaching each part through the targets (k = 1)');
"""),
("md", """
## The objective

`F` (enhanced soft targets) and `G` (anchor labels) are cross-entropies on masked frames; the update is
`w1·∇F + w2·∇G` (paper: 0.1 and 2.4). BEST-RQ is `w1 = 0`; enhanced-only is `w2 = 0`; `objective.schedule`
offers an increasing penalty and a BOME-style adaptive weight. One step of each, from the same weights:
"""),
("code", """
const rows = [] as Record<string, unknown>[];
for (const [name, patch] of [['BiRQ', {}], ['BEST-RQ (w1 = 0)', { w1: 0 }], ['enhanced only (w2 = 0)', { w2: 0 }], ['BOME', { schedule: 'bome' }]] as const) {
  const task = new birq.MaskedPredictionTask({ ...cfg, objective: { ...cfg.objective, ...patch } });
  const r = task.step(batch, { step: 0, micro: 0, totalSteps: 10, seed: 1 });
  rows.push({ variant: name, F: +r.losses.F.toFixed(4), G: +r.losses.G.toFixed(4), total: +r.losses.total.toFixed(4), w1: r.metrics.w1, w2: +r.metrics.w2.toFixed(3) });
  for (const g of r.grads.values()) g.dispose();
  task.dispose();
}
birq.showTable(rows, 'loss terms of one step (same seed, same batch)');
"""),
])
