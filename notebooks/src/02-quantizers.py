import sys; sys.path.insert(0, "scripts")
from nb import write
write("notebooks/02-quantizers.ipynb", [
("md", """
# 02 · The random-projection quantizer

BEST-RQ's anchor labels (DESIGN.md §1.1): stack 4 log-mel frames into `u_t` (320 dims), project with a frozen
Xavier-uniform matrix `A` (320 → 16), l2-normalize, and take the nearest of 8192 frozen unit codewords. Nothing here
is trained; the labels depend only on the input and the seed. The same numbers come from the CLI:
`birq inspect rpq`.
"""),
("code", """
import * as birq from 'birq-lab';
import * as tf from '@tensorflow/tfjs';
await birq.initBackend();
let cfg = birq.presetConfig('smoke');
const source = birq.makeSource(cfg);
const batch = source.batchAt(0);
birq.showTable([{ utterances: batch.shape[0], frames: batch.shape[1], mel: batch.shape[2], source: source.description }], 'one batch of the smoke corpus');
"""),
("md", """
## Labels are a nearest-codeword search

`rpqLabels` is one matMul against the codebook and an argmax of cosine similarity, which for unit vectors is the
l2 nearest neighbour (test/quantizers checks it against a brute-force search). The label sequence of one utterance
changes where the spectrum changes: frames of one phone tend to share a code.
"""),
("code", """
const q = new birq.RandomProjectionQuantizer({ inputDim: 320, numCodes: 8192, seed: 1 });
const feats = tf.tensor3d(batch.feats, batch.shape);
const T = Math.floor(batch.shape[1] / 4);
const stacked = birq.normalizePerUtterance(birq.stackFramesTensor(feats), birq.lengthMask(batch.lengths.map((n) => Math.floor(n / 4)), T));
const labels = q.labels(stacked)[0].arraySync() as number[][];
const n0 = Math.floor(batch.lengths[0] / 4);
birq.showFigure(birq.lineFigure([{ name: 'anchor label', x: [...Array(n0).keys()], y: labels[0].slice(0, n0) }],
  { title: `anchor labels of ${batch.ids[0]} (one per 40 ms)`, xTitle: 'stacked frame', yTitle: 'code id' }));
"""),
("md", """
## Code usage with and without input normalization

BEST-RQ normalizes the input before quantizing. Without it, a common offset (like raw log-mel energies) points
every projected vector the same way and a handful of codes take almost all frames: the collapse the paper warns about.
`rpqUsage` adds such an offset to the (normalized) corpus features for the raw arm.
"""),
("code", """
const rows = birq.rpqUsage(batch, [64, 1024, 8192]);
birq.showTable(rows.map(({ usage, ...r }) => ({ ...r, perplexity: +r.perplexity.toFixed(1), top10Share: +r.top10Share.toFixed(3) })), 'anchor code usage on one batch');
"""),
("code", """
const sorted = (i: number) => Array.from(rows[i].usage.histogram).sort((a, b) => b - a).slice(0, 200);
birq.showFigure(birq.lineFigure([
  { name: 'raw', x: [...Array(200).keys()], y: sorted(4) },
  { name: 'normalized', x: [...Array(200).keys()], y: sorted(5) },
], { title: 'frames per code, most used first (8192 codes)', xTitle: 'code rank', yTitle: 'frames', logY: true }));
"""),
("md", """
## The Gumbel quantizer (enhanced labels)

BiRQ's second quantizer reads the encoder's block k instead of the input: LayerNorm without affine, a frozen random
projection `B` (d → 16), l2 norm, cosine logits times a scale over a frozen codebook `E`, then a Gumbel-softmax
sample with temperature τ. Its modes (`soft`, `hard-st`, `stopgrad`) are the subject of notebook 03.
"""),
("code", """
const g = new birq.GumbelQuantizer({ dim: 64, numCodes: 64, tau: 0.5, scale: 10, seed: 1 });
const h = tf.randomNormal([6, 64], 0, 1, 'float32', 2) as any;
const soft = g.targets(h, 3).arraySync() as number[][];
birq.showFigure(birq.heatmapFigure(soft, { title: 'soft Gumbel targets of 6 frames (τ = 0.5)', xTitle: 'code', yTitle: 'frame' }));
tf.dispose([feats, stacked, h]); q.dispose(); g.dispose();
"""),
("md", """
## Self-check

What the prose above says, checked on this batch (the cell fails, and with it `npm test`, if one does not hold).
"Frames of one phone tend to share a code" is measured as how often consecutive frames keep their code, against
what codes drawn independently with the same usage would give (the sum of squared code frequencies).
"""),
("code", """
const encLen = batch.lengths.map((n) => Math.floor(n / 4));
const real = labels.flatMap((l, b) => l.slice(0, encLen[b]));
let same = 0, pairs = 0;
labels.forEach((l, b) => { for (let t = 1; t < encLen[b]; t++) { pairs++; if (l[t] === l[t - 1]) same++; } });
const freq = new Map<number, number>();
for (const c of real) freq.set(c, (freq.get(c) ?? 0) + 1);
const chanceSame = [...freq.values()].reduce((a, c) => a + (c / real.length) ** 2, 0);
const pairsBySize = [64, 1024, 8192].map((V) => ({ raw: rows.find((r) => r.codes === V && r.input.startsWith('raw'))!, norm: rows.find((r) => r.codes === V && !r.input.startsWith('raw'))! }));
birq.checkClaims('02 · self-check', [
  { claim: 'the batch is [B, T, 80] log-mel, finite', ok: batch.shape[2] === 80 && batch.feats.length === batch.shape[0] * batch.shape[1] * 80 && birq.allFinite(batch.feats), value: batch.shape },
  { claim: 'one anchor label per 40 ms frame, each a code id below 8192', ok: labels.length === batch.shape[0] && labels.every((l) => l.length === T) && real.every((c) => Number.isInteger(c) && c >= 0 && c < 8192), value: [labels.length, T] },
  { claim: 'consecutive frames keep their code more often than independent codes would', ok: pairs > 0 && same / pairs > 2 * chanceSame, value: [same / pairs, chanceSame] },
  { claim: 'without normalization fewer codes carry the frames (lower perplexity, larger top-10 share), at every codebook size', ok: pairsBySize.every((p) => p.raw.perplexity < p.norm.perplexity && p.raw.top10Share > p.norm.top10Share), value: pairsBySize.map((p) => [p.raw.perplexity, p.norm.perplexity]) },
  { claim: 'usage numbers are finite and at most the codebook size', ok: rows.every((r) => birq.allFinite([r.perplexity, r.top10Share]) && r.used <= r.codes && r.perplexity <= r.used), value: rows.map((r) => r.used) },
  { claim: 'soft Gumbel targets: 6 rows of 64 probabilities summing to 1', ok: soft.length === 6 && soft.every((r) => r.length === 64 && r.every((p) => p >= 0) && Math.abs(r.reduce((a, p) => a + p, 0) - 1) < 1e-4), value: soft.map((r) => Math.max(...r)) },
]);
"""),
])
