import sys; sys.path.insert(0, "scripts")
from nb import write
write("notebooks/08-finetune-and-wer.ipynb", [
("md", """
# 08 · Fine-tuning with CTC and word error rates: the Table 2 analog

The paper's headline numbers are WERs after CTC fine-tuning of the pretrained encoders (LibriSpeech 960 h of
self-supervised pretraining, 100 h of labeled fine-tuning, a 10-layer 155 M-parameter Conformer):

| system | test-clean | test-other |
|---|---|---|
| supervised only | 7.4 | 20.5 |
| BEST-RQ | 6.8 | 19.6 |
| BiRQ | 5.0 | 12.6 |

Here the same three systems run on the built-in synthetic corpus (notebook 01) at the size the profile allows:
pretrain BEST-RQ and BiRQ on the unlabeled `pretrain` split, add a CTC head (characters: blank, space,
apostrophe, A–Z) and fine-tune on the labeled `train-1h` split, starting with the encoder frozen while the
random head settles; the supervised-only baseline is the same fine-tuning from a random encoder. Everything
below is a call into `birq-lab`; the command line runs the same code:

```
birq pretrain --preset c1-small --set data.source=corpus --set data.corpus=austen-small --run-dir RUN
birq finetune --from RUN --preset small --split train-1h       # or --supervised --encoder c1-small
birq eval --checkpoint RUN_FT/model.ckpt --split test-clean [--lm LM.json]
```

At the `smoke` profile the runs take seconds and the WERs stay near 100 %: the point is that the pipeline runs
end to end; `BIRQ_PROFILE=small` gives the laptop-sized experiment (hours on two cores).
"""),
("code", """
import * as birq from 'birq-lab';
await birq.initBackend({ quiet: true });
const profile = birq.profile();
const corpus = birq.builtinCorpus(profile, { build: true }).dir;
// Sizes per profile: smoke shows the pipeline in seconds; small is the laptop experiment.
const plan = profile === 'smoke'
  ? { preset: 'smoke', pretrainSteps: 4, finetune: 'smoke', finetuneSteps: 12 }
  : { preset: 'c1-small', pretrainSteps: 4000, finetune: 'small', finetuneSteps: 3000 };
const root = `${birq.runsRoot()}/notebooks/${profile}`;
birq.showTable([{ profile: profile, corpus: corpus, ...plan, runs: root }], 'plan');
"""),
("md", """
## Pretraining: BEST-RQ and BiRQ

Both runs share everything (encoder, masking, optimizer, data order) except the objective: BEST-RQ predicts the
anchor labels only, BiRQ adds the enhanced labels of its own block k (notebooks 03–05). A finished run is reused
(notebook 09 reads the same runs); an interrupted one resumes.
"""),
("code", """
const pretrained: Record<string, string> = {};
for (const task of ['bestrq', 'birq'] as const) {
  const c = birq.presetConfig(plan.preset);
  c.task = task;
  c.data = { ...c.data, source: 'corpus', corpus: corpus };
  c.run = { ...c.run, steps: plan.pretrainSteps, checkpointEvery: plan.pretrainSteps, snapshotEvery: Math.max(1, Math.floor(plan.pretrainSteps / 3)) };
  const runDir = `${root}/pretrain-${task}`;
  await birq.train({ config: c, runDir, resume: true, quiet: true, onProgress: birq.notebookProgress() });
  pretrained[task] = runDir;
}
"""),
("md", """
## CTC fine-tuning of three encoders

`birq.runFinetune` loads the encoder of a run's latest checkpoint (or builds a random one), adds the CTC head and
trains with AdamW; the first `freezeEncoderSteps` steps train the head only. The CTC loss is our own
(`birq.ctcLoss`: log space forward–backward with the analytic gradient, checked against PyTorch's `ctc_loss` to
1e-4).
"""),
("code", """
const systems: [string, string][] = [['supervised', ''], ['BEST-RQ', pretrained.bestrq], ['BiRQ', pretrained.birq]];
const models: Record<string, string> = {};
for (const [name, from] of systems) {
  const c = birq.finetunePreset(plan.finetune);
  c.from = from;
  c.encoderPreset = plan.preset;
  c.data.corpus = corpus;
  c.run = { ...c.run, steps: plan.finetuneSteps, evalEvery: Math.max(1, Math.floor(plan.finetuneSteps / 4)) };
  c.freezeEncoderSteps = Math.min(c.freezeEncoderSteps, Math.floor(plan.finetuneSteps / 4));
  const r = await birq.runFinetune(c, { runDir: `${root}/finetune-${name}`, quiet: true, onProgress: birq.notebookProgress() });
  models[name] = r.modelFile;
}
"""),
("code", """
const curves = systems.map(([name]) => {
  const m = birq.readJsonl<{ step: number; ctc?: number }>(`${root}/finetune-${name}/metrics.jsonl`).filter((x) => x.ctc !== undefined);
  return { name, x: m.map((x) => x.step), y: m.map((x) => x.ctc!) };
});
birq.showFigure(birq.lineFigure(curves, { title: 'CTC loss during fine-tuning (per target symbol)', xTitle: 'step', yTitle: 'CTC / label' }));
"""),
("md", """
## Word and character error rates

Greedy CTC decoding; WER and CER are corpus-level (S + D + I) / N with NIST sclite's alignment (`birq.errorCounts`
reproduces sclite's counts exactly on 322 sentence pairs). The paper's numbers stand beside ours for shape, not for
size: different data, model width and training length.
"""),
("code", """
const paper: Record<string, Record<string, number>> = {
  supervised: { 'test-clean': 7.4, 'test-other': 20.5 }, 'BEST-RQ': { 'test-clean': 6.8, 'test-other': 19.6 }, BiRQ: { 'test-clean': 5.0, 'test-other': 12.6 },
};
const rows: Record<string, unknown>[] = [];
for (const [name] of systems) {
  const row: Record<string, unknown> = { system: name };
  for (const split of ['test-clean', 'test-other']) {
    const r = birq.evaluateModel(models[name], { split, decoder: 'greedy' });
    row[`${split} WER %`] = +(100 * r.wer!.rate).toFixed(1);
    row[`${split} CER %`] = +(100 * r.cer!.rate).toFixed(1);
    row[`${split} S/D/I`] = `${r.wer!.substitutions}/${r.wer!.deletions}/${r.wer!.insertions}`;
    row[`paper ${split} WER %`] = paper[name][split];
  }
  rows.push(row);
}
birq.showTable(rows, `Table 2 analog (${profile} profile, greedy decoding)`);
"""),
("md", """
## Prefix beam search with a character n-gram LM

Shallow fusion: score = log p_ctc + α log P_lm + β |y|. The LM is a Witten-Bell character n-gram trained on text
that shares no book with the test sets; here, for speed, on the labeled training transcripts (Sense and
Sensibility). `birq lm` trains the full one on four books (Emma, Mansfield Park, Pride and Prejudice, Sense and
Sensibility) and refuses Persuasion (dev) and Northanger Abbey (test).
"""),
("code", """
const trainText = birq.openCorpus(corpus, { split: 'train-labeled' }).map((e) => birq.normalizeText(e.text ?? ''));
const lm = birq.CharNgramLm.train(trainText, 5, 'train-labeled transcripts');
const decodeRows = [
  { decoder: 'greedy', opts: { decoder: 'greedy' as const } },
  { decoder: 'beam 8', opts: { decoder: 'beam' as const, beamWidth: 8 } },
  { decoder: 'beam 8 + LM (α 0.5, β 0.5)', opts: { decoder: 'beam' as const, beamWidth: 8, lm, lmWeight: 0.5, insertionBonus: 0.5 } },
].map(({ decoder, opts }) => {
  const r = birq.evaluateModel(models.BiRQ, { split: 'test-clean', ...opts });
  return { decoder, 'WER %': +(100 * r.wer!.rate).toFixed(1), 'CER %': +(100 * r.cer!.rate).toFixed(1), example: `${r.transcripts[0].hyp} | ref: ${r.transcripts[0].ref}` };
});
birq.showTable(decodeRows, 'BiRQ on test-clean: decoders');
"""),
])
