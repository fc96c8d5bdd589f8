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
("md", """
## Self-check

What the prose above says, checked on these numbers (the cell fails, and with it `npm test`, if one does not hold).
"""),
("code", """
const tap = birq.layerTap(batch, cfg);
const T4 = Math.floor(batch.shape[1] / 4);
const encLens = batch.lengths.map((n) => Math.floor(n / 4));
const padOk = pic.mask.every((row, b) => row.every((m, t) => (t >= encLens[b]) === (m === -1)));
const tol = birq.profile() === 'smoke' ? 0.1 : 0.05;
const norm = (mode: string, part: string) => flow.find((r) => r.mode === mode)!.norms[part];
const parts = Object.keys(flow[0].norms);
const num = (i: number, k: string) => Number(rows[i][k]);
const [wF, wG] = [cfg.objective.w1, cfg.objective.w2];
birq.checkClaims('03 · self-check', [
  { claim: 'every block k (0 = front end) gives [B, T/4, D]; the last block is the full forward', ok: tap.length === cfg.encoder.blocks + 1 && tap.every((r) => r.shape.join() === [batch.shape[0], T4, cfg.encoder.dim].join()) && Math.abs(tap[tap.length - 1].cosineToLast - 1) < 1e-5 && tap.slice(0, -1).every((r) => r.cosineToLast < 0.9999), value: tap.map((r) => r.cosineToLast) },
  { claim: 'padding is never masked, and is exactly the frames past each length', ok: padOk, value: encLens },
  { claim: 'every utterance gets at least one masked span', ok: pic.mask.every((row) => row.includes(1)), value: pic.mask.map((row) => row.filter((m) => m === 1).length) },
  { claim: `measured masked fraction within ${tol} of the formula`, ok: Math.abs(pic.measured - pic.expected) < tol, value: [pic.measured, pic.expected] },
  { claim: 'soft and hard-st send the same nonzero gradient into the front end and blocks 1..k', ok: ['front', 'block 1'].every((p) => norm('soft', p) > 0 && Math.abs(norm('soft', p) - norm('hard-st', p)) <= 1e-4 * norm('soft', p)), value: [norm('soft', 'front'), norm('hard-st', 'front')] },
  { claim: 'stopgrad sends none; blocks after k get none in any mode', ok: parts.every((p) => norm('stopgrad', p) === 0) && parts.filter((p) => p !== 'front' && p !== 'block 1').every((p) => flow.every((r) => r.norms[p] === 0)), value: parts },
  { claim: 'F and G agree across the variants (same weights, seed and batch)', ok: rows.every((r) => Number(r.F) === num(0, 'F') && Number(r.G) === num(0, 'G')) && birq.allFinite([num(0, 'F'), num(0, 'G')]), value: [num(0, 'F'), num(0, 'G')] },
  { claim: 'BiRQ total = w1·F + w2·G; BEST-RQ = w2·G; enhanced only = w1·F', ok: Math.abs(num(0, 'total') - (wF * num(0, 'F') + wG * num(0, 'G'))) < 2e-3 && Math.abs(num(1, 'total') - wG * num(1, 'G')) < 2e-3 && Math.abs(num(2, 'total') - wF * num(2, 'F')) < 2e-3, value: rows.map((r) => r.total) },
  { claim: 'BOME replaces w2 by its own weight (w2 logged as NaN, total finite)', ok: Number.isNaN(num(3, 'w2')) && Number.isFinite(num(3, 'total')), value: num(3, 'total') },
]);
"""),
])
