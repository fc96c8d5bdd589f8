import sys; sys.path.insert(0, "scripts")
from nb import write
write("notebooks/04-pretrain.ipynb", [
("md", """
# 04 · Pretraining: BEST-RQ vs BiRQ on the smoke corpus

Two short runs from the same seed on the built-in smoke corpus: BEST-RQ (anchor labels only) and BiRQ (anchor +
enhanced labels from block k, `w1·F + w2·G`). The curves redraw live. Each run is a run directory (config.json,
metrics.jsonl, checkpoints, label snapshots); the CLI equivalent is
`birq pretrain --preset smoke-bestrq` and `birq pretrain --preset smoke`.
"""),
("code", """
import * as birq from 'birq-lab';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
await birq.initBackend();
const steps = birq.profile() === 'smoke' ? 30 : 200;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-nb04-'));
const curves: Record<string, Record<string, { x: number[]; y: number[] }>> = {};
const live = birq.liveDisplay(500);
const draw = () => birq.lineFigure(Object.entries(curves).flatMap(([run, m]) =>
  Object.entries(m).map(([k, s]) => ({ name: `${run} ${k}`, x: s.x, y: s.y }))), { title: 'masked cross-entropy', xTitle: 'step', yTitle: 'nats' });
async function pretrain(preset: string) {
  const config = birq.applyOverride(birq.presetConfig(preset), `run.steps=${steps}`);
  curves[preset] = {};
  return birq.train({ config, runDir: path.join(root, preset), preset, quiet: true,
    onProgress: birq.notebookProgress(),
    onLog: (m) => {
      for (const k of ['G', 'F']) if (m[k] !== undefined) {
        const s = (curves[preset][k] ??= { x: [], y: [] });
        s.x.push(m.step); s.y.push(m[k]);
      }
      live.update(draw(), `${preset} step ${m.step}: G ${m.G.toFixed(3)}${m.F !== undefined ? ` F ${m.F.toFixed(3)}` : ''}`);
    } });
}
const bestrq = await pretrain('smoke-bestrq');
const birqRun = await pretrain('smoke');
live.finish(draw(), 'done');
"""),
("md", """
## Masked-prediction accuracy and anchor–enhanced agreement

Accuracy on masked frames for each label stream, and the normalized mutual information between the anchor and
enhanced labels of the same frames (0: unrelated, 1: one is a relabeling of the other). BiRQ's anchor term keeps
the enhanced labels tied to the input (NMI stays well above 0) while F refines them.
"""),
("code", """
const series = (r: typeof bestrq, k: string, name: string) => ({ name, x: r.metrics.map((m) => m.step), y: r.metrics.map((m) => m[k] ?? NaN) });
birq.showFigure(birq.lineFigure([series(bestrq, 'acc_anchor', 'BEST-RQ anchor'), series(birqRun, 'acc_anchor', 'BiRQ anchor'), series(birqRun, 'acc_enhanced', 'BiRQ enhanced')],
  { title: 'masked-prediction accuracy', xTitle: 'step', yTitle: 'accuracy' }));
birq.showFigure(birq.lineFigure([series(birqRun, 'nmi', 'NMI(anchor, enhanced)'), series(birqRun, 'ppl_enhanced', 'enhanced perplexity / 64')].map((s, i) => i ? { ...s, y: s.y.map((v) => v / 64) } : s),
  { title: 'anchor–enhanced agreement and enhanced code usage', xTitle: 'step' }));
const last = (r: typeof bestrq) => r.metrics[r.metrics.length - 1];
birq.showTable([
  { run: 'BEST-RQ', G: +last(bestrq).G.toFixed(3), acc_anchor: +last(bestrq).acc_anchor.toFixed(3) },
  { run: 'BiRQ', G: +last(birqRun).G.toFixed(3), F: +last(birqRun).F.toFixed(3), acc_anchor: +last(birqRun).acc_anchor.toFixed(3), acc_enhanced: +last(birqRun).acc_enhanced.toFixed(3), nmi: +last(birqRun).nmi.toFixed(3) },
], `after ${steps} steps`);
"""),
("md", """
The run directories hold label snapshots of a fixed probe set (`labels/step-*.labels`) for the label-quality
curves (phone purity, PNMI) of a later notebook.
"""),
("code", """
birq.showTable(fs.readdirSync(path.join(root, 'smoke', 'labels')).map((f) => ({ snapshot: f })), 'BiRQ label snapshots');
"""),
])
