import sys; sys.path.insert(0, "scripts")
from nb import write
write("notebooks/00-environment.ipynb", [
("md", """
# 00 · Environment

What this machine gives BiRQ Lab before any speech is involved: which tfjs backend runs (and why faster ones were
skipped), the versions in play, a tiny training loop to prove gradients flow, a danfojs-node table, and the backend
micro-benchmark that the README quotes. Every call below is a function of `birq-lab` (the same code the CLI runs:
`birq backend`, `npm run bench -- backend`).
"""),
("code", """
import * as birq from 'birq-lab';
const report = await birq.initBackend();
birq.showTable([{ backend: report.backend, tfjs: report.tfjsBackend, profile: birq.profile() }], 'backend in use');
birq.showTable(report.skipped, 'skipped, in order of preference');
birq.showTable(report.patches.map((p) => ({ patch: p })), 'patches installed on this backend');
"""),
("code", """
birq.showTable(Object.entries(report.versions).map(([pkg, version]) => ({ pkg, version })), 'versions');
"""),
("md", """
## A tiny training run, drawn live

A two-layer MLP fits a fixed random linear map with Adam (`birq.tinyTrainingRun`). The curve below redraws in
place while it trains (`birq.liveDisplay`); at the end it becomes an interactive plotly figure.
"""),
("code", """
const steps = birq.profile() === 'smoke' ? 60 : 300;
const live = birq.liveDisplay(250);
const curve = { step: [] as number[], loss: [] as number[] };
const fig = () => birq.lineFigure([{ name: 'train MSE', x: curve.step, y: curve.loss }],
  { title: 'Tiny MLP: loss per step', xTitle: 'step', yTitle: 'mean squared error', logY: true });
const run = birq.tinyTrainingRun({ steps, onStep: (s, l) => {
  curve.step.push(s); curve.loss.push(l);
  live.update(fig(), `step ${s}/${steps}  loss ${l.toFixed(4)}`);
} });
live.finish(fig(), `done: loss ${run.loss[0].toFixed(3)} -> ${run.loss[run.loss.length - 1].toFixed(4)}`);
"""),
("md", """
Long work shows a progress bar with ETA, drawn in place (`birq.notebookProgress` feeds the same `Progress`
the CLI prints to the terminal):
"""),
("code", """
const bar = new birq.Progress('busy work', 40, { quiet: true, onUpdate: birq.notebookProgress(100) });
for (let i = 0; i < 40; i++) { await new Promise((r) => setTimeout(r, 10)); bar.tick(); }
bar.finish();
"""),
("md", """
## The same numbers as a danfojs-node DataFrame
"""),
("code", """
import * as dfd from 'danfojs-node';
const df = new dfd.DataFrame({ step: run.step, loss: run.loss });
birq.showTable(df.tail(5), 'last steps');
birq.showTable(df.describe(), 'summary (danfojs describe)');
"""),
("md", """
## Backend micro-benchmark

matMul 512³ and a feed-forward block 1600×144 → 576 → 144: forward alone and forward + backward. On wasm the
backward used to cost ~19× the forward (transposed matMul); with the patch it should stay under 3.5×.
`npm run bench -- backend --json` prints the same numbers for every backend, patched and unpatched.
"""),
("code", """
const ffn = birq.ffnTimes();
const gflops = birq.matmulGflops();
birq.showTable([{ backend: report.backend, matmul_gflops: gflops, ...ffn }], 'micro-benchmark (this machine, now)');
"""),
("md", """
## Self-check

What this notebook claims, checked on the numbers above (the cell fails, and with it `npm test`, if one does not
hold). The backward-cost bound is a ratio measured in one run, so machine load hits both sides; at `smoke` it only
has to separate the patched backend from wasm as shipped (~19–25×), at `small`/`full` it is the README's 3.5×.
"""),
("code", """
const first = run.loss[0], last = run.loss[run.loss.length - 1];
const bound = birq.profile() === 'smoke' ? 10 : 3.5;
birq.checkClaims('00 · self-check', [
  { claim: 'a backend is in use and every skipped one says why', ok: !!report.backend && report.skipped.every((s) => s.why.length > 0), value: report.skipped.map((s) => s.backend) },
  { claim: 'versions are reported', ok: Object.keys(report.versions).length > 0 && Object.values(report.versions).every((v) => !!v), value: Object.keys(report.versions).length },
  { claim: `the tiny run trained: ${steps} finite losses, the last under a tenth of the first`, ok: run.loss.length === steps && birq.allFinite(run.loss) && last < first / 10, value: [first, last] },
  { claim: 'the danfojs table holds the last 5 steps', ok: df.tail(5).shape[0] === 5 && df.shape[1] === 2, value: df.shape },
  { claim: 'micro-benchmark numbers are finite and positive', ok: birq.allFinite([gflops, ffn]) && gflops > 0 && ffn.ffn_fwd_ms > 0, value: { gflops: gflops, ...ffn } },
  { claim: `forward + backward costs under ${bound}x the forward`, ok: ffn.ratio < bound, value: ffn.ratio },
]);
"""),
])
