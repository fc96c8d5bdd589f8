import sys; sys.path.insert(0, "scripts")
from nb import write
write("notebooks/01-data.ipynb", [
("md", """
# 01 · Data: the built-in corpus, audio and features

BiRQ is trained on LibriSpeech; none of it can be downloaded here, so BiRQ Lab ships a **synthetic corpus with exact
phone alignments** (recipe: `data-scripts/README.md`, builder: `data-scripts/`). Sentences from Jane Austen's six
novels (the Debian package `r-cran-janeaustenr`) are read by 11 base voices from three engines (flite: slt, rms,
awb, kal16; festival: kal and ked diphones, the HTS slt voice; espeak-ng: US, RP, Scottish and Caribbean accents).
Each voice gives several *speakers* (its own speaking rate and pitch). Every engine reports the phone timings
it generated the waveform from, so each utterance comes with CMU-39 + `sil` segments, and frame labels at
any frame rate follow from them.

Splits follow Libri-light, and no speaker appears on both sides of the train/test line:

| split | text | speakers |
|---|---|---|
| `pretrain` (unlabeled) | Emma, Mansfield Park, Pride and Prejudice | train speakers |
| `train-labeled` (the labeled pool) ⊇ `train-10h` ⊃ `train-1h` ⊃ `train-10min` | Sense and Sensibility | train speakers |
| `dev` | Persuasion | held-out speakers |
| `test-clean` / `test-other` (reverb + noise at 5–20 dB SNR) | Northanger Abbey | held-out speakers |

The same code runs from the command line: `birq data build --profile P`, `birq data stats`, `birq data check DIR`.
"""),
("code", r"""
import * as birq from 'birq-lab';
import * as dfd from 'danfojs-node';
const profile = birq.profile();
// Builds the corpus if it is missing (seconds for smoke, minutes for small); then reads its manifest.
const { dir, rows } = birq.builtinCorpus(profile, { build: true });
void birq.showMarkdown(`Corpus **${profile}** at \`${dir}\`: ${rows.length} utterances.`);
"""),
("md", """
## Statistics per split

`birq.summarize` counts utterances, hours, speakers and words per split (nested subsets counted in their own
rows). At the `smoke` and `small` profiles the pool is scaled down, and a duration-named subset (`train-10h`,
`train-1h`, `train-10min`) exists only where the pool is long enough to cut it within 5 % of its name;
`corpus.json` records the real numbers and how fast the build ran.
"""),
("code", """
const stats = new dfd.DataFrame(birq.summarize(rows).map((r) => ({
  split: r.split, utterances: r.utterances, minutes: +(r.hours * 60).toFixed(2), speakers: r.speakers,
  words: r.words, mean_s: +r.meanSeconds.toFixed(2), max_s: +r.maxSeconds.toFixed(2),
})));
birq.showTable(stats, 'per-split statistics');
const info = birq.readJson<{ seed: number; recipeVersion: number; build?: { wallS: number; xRealTime: number; workers: number } }>(`${dir}/corpus.json`);
birq.showTable([{ seed: info.seed, recipe: info.recipeVersion, build_s: info.build?.wallS, x_real_time: info.build?.xRealTime?.toFixed(1), workers: info.build?.workers }], 'build');
"""),
("md", """
## Listen

One utterance per engine. The players hold the exact 16 kHz, 16-bit samples the models see (after resampling,
pitch shift and level).
"""),
("code", """
const byEngine = new Map<string, birq.ManifestEntry>();
for (const r of rows) {
  const v = r.voice as { engine: string; name: string };
  if (!r.degrade && !byEngine.has(v.engine)) byEngine.set(v.engine, r);
}
for (const [engine, r] of byEngine) {
  const v = r.voice as { name: string; stretch: number };
  birq.showHtml(birq.audioHtml(birq.loadUtteranceAudio(r), 16000, `${engine}/${v.name}, speaker ${r.speaker}, ${r.split}: "${r.text}"`));
}
"""),
("md", """
## Waveform, log-mel and the phone alignment

The log-mel is `birq.computeLogMel`: exactly torchaudio's `MelSpectrogram(16000, n_fft=512, win_length=400,
hop_length=160, n_mels=80)` followed by ln(x + 1e-6) (checked against torchaudio on synthetic tones and on a
real LibriVox recording, to 1e-3). Frame t is centred at t · 10 ms. The white lines are the synthesizer's own phone
boundaries: fricatives (s, sh, z, f) line up with high-frequency energy, vowels with formant bands, `sil` with
the floor.
"""),
("code", """
const utt = rows.find((r) => r.split === 'train-labeled') ?? rows[0];
const samples = birq.loadUtteranceAudio(utt);
const feats = birq.computeLogMel(samples, 16000);
birq.showFigure(birq.waveformFigure(utt, samples));
birq.showFigure(birq.alignmentFigure(utt, feats));
"""),
("md", """
## Frame-level phone labels

`birq.utterancePhoneLabels(entry, frames, stack)` gives one phone id per frame (indices into `birq.PHONE_SET`:
`sil` then the 39 CMU phones): at 10 ms by the phone under each frame centre, and after stacking `s` frames
(BEST-RQ's 40 ms rate for s = 4) by the phone covering most of each stacked window. These are the targets of the
label-quality metrics (phone purity, PNMI) in later notebooks.
"""),
("code", """
const l10 = birq.utterancePhoneLabels(utt, feats.frames);
const stacked = birq.stackFrames(feats, 4);
const l40 = birq.utterancePhoneLabels(utt, stacked.frames, 4);
const show = (l: Int32Array, n: number) => Array.from(l.slice(0, n), (i) => birq.PHONE_SET[i]).join(' ');
birq.showTable([
  { rate: '10 ms', frames: feats.frames, first_labels: show(l10, 40) },
  { rate: '40 ms (stack 4)', frames: stacked.frames, first_labels: show(l40, 10) },
], `frame labels of ${utt.id}`);
"""),
("md", """
## test-other: reverberation and noise

`test-other` utterances go through sox `reverb` (direct path kept, so alignments hold) and get white, pink or brown
noise added at an SNR measured over the speech segments only (RMS of non-`sil` samples), 5–20 dB.
"""),
("code", """
const other = rows.find((r) => r.split === 'test-other');
if (other) {
  const d = other.degrade as { snrDb: number; noise: string; reverb: number };
  birq.showHtml(birq.audioHtml(birq.loadUtteranceAudio(other), 16000, `test-other ${other.id}: ${d.noise} noise at ${d.snrDb} dB SNR, reverberance ${d.reverb}%`));
  birq.showFigure(birq.alignmentFigure(other, birq.computeLogMel(birq.loadUtteranceAudio(other), 16000)));
}
"""),
("md", """
## Durations and speakers
"""),
("code", """
birq.showFigure(birq.durationFigure(rows));
birq.showFigure(birq.speakerFigure(rows));
"""),
("md", """
## Normalization statistics saved with the corpus

The builder computes global per-bin mean and standard deviation of the log-mel over `pretrain` and saves them as
`cmvn.json` (`birq.NormStats.load`); `birq data stats DIR --cmvn SPLIT` does the same for any split of any corpus.
Per-utterance normalization is `birq.perUtteranceNormalize`.
"""),
("code", """
const cmvn = birq.NormStats.load(`${dir}/cmvn.json`);
const bins = cmvn.mean.map((_, i) => i);
birq.showFigure(birq.lineFigure([{ name: 'mean', x: bins, y: cmvn.mean }, { name: 'std', x: bins, y: cmvn.std }],
  { title: `global log-mel statistics over pretrain (${cmvn.frames} frames)`, xTitle: 'mel bin', yTitle: 'ln power' }));
"""),
("md", """
## Your own data

`birq.openCorpus(path)` reads a LibriSpeech-layout folder (FLAC or WAV), a Kaldi data directory (`wav.scp`,
optional `segments`, `text`, `utt2spk`, as the AMI and YODAS recipes produce) or a JSONL manifest.
`birq.checkCorpus(path)` (`birq data check`) lists every problem it finds, each with its file. Here it checks one
split of the built-in corpus through its LibriSpeech view:
"""),
("code", """
const report = birq.checkCorpus(`${dir}/test-clean`);
birq.showTable([{ kind: report.kind, utterances: report.utterances, audio_files: report.audioFiles, hours: report.seconds / 3600, problems: report.problems.length }], 'birq data check');
"""),
("md", """
## Self-check

What the prose above says, checked on this corpus (the cell fails, and with it `npm test`, if one does not hold).
"""),
("code", """
const splitsOf = new Map(birq.summarize(rows).map((r) => [r.split, r]));
const table = ['pretrain', 'train-labeled', 'dev', 'test-clean', 'test-other'];
const speakers = (pred: (r: birq.ManifestEntry) => boolean) => new Set(rows.filter(pred).map((r) => r.speaker));
const trainSpk = speakers((r) => r.split === 'pretrain' || r.split === 'train-labeled');
const heldOut = speakers((r) => r.split === 'dev' || (r.split ?? '').startsWith('test-'));
const segs = utt.segments ?? [];
const tiles = segs.length > 0 && segs[0].start === 0 && segs.every((g, i) => g.end > g.start && (i === 0 || Math.abs(g.start - segs[i - 1].end) < 1e-9))
  && Math.abs(segs[segs.length - 1].end - samples.length / 16000) < 0.011;
const snr = other ? (other.degrade as { snrDb: number }).snrDb : NaN;
birq.checkClaims('01 · self-check', [
  { claim: 'every split of the table has utterances and a finite duration', ok: table.every((s) => (splitsOf.get(s)?.utterances ?? 0) > 0 && birq.allFinite(splitsOf.get(s)!.hours)), value: table.map((s) => splitsOf.get(s)?.utterances ?? 0) },
  { claim: 'no speaker on both sides of the train/test line', ok: trainSpk.size > 0 && heldOut.size > 0 && [...heldOut].every((s) => !trainSpk.has(s)), value: [trainSpk.size, heldOut.size] },
  { claim: 'one utterance from each of the three engines', ok: ['flite', 'festival', 'espeak'].every((e) => byEngine.has(e)), value: [...byEngine.keys()] },
  { claim: 'log-mel: 80 bins, one frame per 10 ms (1 + floor(n / 160)), all finite', ok: feats.bins === 80 && feats.frames === 1 + Math.floor(samples.length / 160) && birq.allFinite(feats.data), value: [feats.frames, feats.bins] },
  { claim: 'the phone segments tile the utterance', ok: tiles, value: segs.length },
  { claim: 'one phone label per 10 ms frame and per 40 ms stacked frame', ok: l10.length === feats.frames && stacked.frames === Math.floor(feats.frames / 4) && l40.length === stacked.frames, value: [l10.length, l40.length] },
  { claim: 'labels are phone ids with silence and several phones', ok: [...l10].every((i) => i >= 0 && i < birq.PHONE_SET.length) && l10.includes(0) && new Set(l10).size > 3, value: new Set(l10).size },
  { claim: 'test-other noise at 5-20 dB SNR', ok: snr >= 5 && snr <= 20, value: snr },
  { claim: 'CMVN: 80 finite means and positive deviations over pretrain frames', ok: cmvn.mean.length === 80 && cmvn.std.length === 80 && birq.allFinite([cmvn.mean, cmvn.std]) && cmvn.std.every((x) => x > 0) && cmvn.frames > 0, value: cmvn.frames },
  { claim: 'birq data check finds no problem in test-clean and reads all of it', ok: report.problems.length === 0 && report.utterances === (splitsOf.get('test-clean')?.utterances ?? -1), value: [report.utterances, report.problems.length] },
]);
"""),
])
