/**
 * Label quality over pretraining, from the label snapshots the training loop writes (labels/step-N.labels): per
 * snapshot, HuBERT's purity and PNMI of each stream against the probe set's phones beside their chance levels
 * (labels shuffled across frames; E[I] / H(phone)), label churn since the previous snapshot, and the agreement
 * of the anchor and enhanced streams as AMI (chance-corrected: 0 for independent streams whatever the code
 * count) with the old NMI beside it (notebook 09).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { openCorpus } from '../data/corpus';
import { utterancePhoneLabels } from '../data/utterance';
import { labelChurn } from '../metrics/agreement';
import { ChanceOptions, labelQualityWithChance, LabelQualityWithChance } from '../metrics/label-chance';
import { SUBSAMPLING } from '../model/config';
import { BirqError } from '../util/errors';
import { readJson } from '../util/fs';
import { resolveCorpus } from '../finetune/data';
import { pairAgreement } from './label-streams';
import { readTensorFile } from '../train/tensor-file';

export interface SnapshotQuality {
  step: number;
  frames: number;
  /** Per stream: HuBERT's measures against the probe set's phones, each with its chance level. */
  streams: Record<string, LabelQualityWithChance & { used: number }>;
  /** Per stream: fraction of frames whose label changed since the previous snapshot (NaN for the first). */
  churn: Record<string, number>;
  /** AMI between anchor.0 and enhanced at this step: the headline agreement (0 at chance; NaN without both). */
  anchorEnhancedAmi: number;
  /** NMI (geometric) between the same streams, kept for comparison with older runs: inflated by the code count. */
  anchorEnhancedNmi: number;
}

/**
 * Label quality over pretraining from a run's label snapshots (labels/step-N.labels, written by the loop on its
 * fixed probe set: the first utterances of the pretraining split, uncropped at offset 0, so frame t of a
 * snapshot is encoder frame t of the utterance and the phones follow from the alignment).
 */
export function snapshotQuality(runDir: string, corpus: string, split?: string, chance: ChanceOptions = {}): { steps: SnapshotQuality[]; last: Record<string, Int32Array>; lastPhones: Int32Array } {
  const dir = path.join(runDir, 'labels');
  // The probe set's split is the run's data.probeSplit (the training split when empty).
  split ??= probeSplitOf(runDir);
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^step-\d+\.labels$/.test(f)).sort() : [];
  if (!files.length) throw new BirqError('run has no label snapshots (run.snapshotEvery was 0?)', dir);
  const byId = new Map(openCorpus(resolveCorpus(corpus), { split }).map((e) => [e.id, e]));
  const out: SnapshotQuality[] = [];
  let prev: Record<string, Int32Array> | null = null;
  let cur: Record<string, Int32Array> = {};
  let phones = new Int32Array(0);
  for (const f of files) {
    const { meta, arrays } = readTensorFile<{ step: number; lengths: number[]; ids: string[] }>(path.join(dir, f));
    const T = [...arrays.values()][0].shape[1];
    const ph: number[] = [];
    const keep: number[] = [];
    meta.ids.forEach((id, b) => {
      const e = byId.get(id);
      if (!e) throw new BirqError(`snapshot utterance '${id}' is not in split '${split}' of ${corpus}`, path.join(dir, f));
      const n = Math.min(T, meta.lengths[b]);
      utterancePhoneLabels(e, n, SUBSAMPLING).forEach((p, t) => (ph.push(p), keep.push(b * T + t)));
    });
    phones = Int32Array.from(ph);
    cur = {};
    for (const [name, a] of arrays) cur[name] = Int32Array.from(keep, (i) => a.data[i]);
    const streams: SnapshotQuality['streams'] = {};
    const churn: Record<string, number> = {};
    for (const [name, s] of Object.entries(cur)) {
      streams[name] = { ...labelQualityWithChance(phones, s, chance), used: new Set(s).size };
      churn[name] = prev?.[name] && prev[name].length === s.length ? labelChurn(prev[name], s).changed : NaN;
    }
    const a = cur['anchor.0'];
    const agree = a && cur.enhanced ? pairAgreement(a, cur.enhanced) : null;
    out.push({ step: meta.step, frames: phones.length, streams, churn, anchorEnhancedAmi: agree?.ami ?? NaN, anchorEnhancedNmi: agree?.nmi ?? NaN });
    prev = cur;
  }
  return { steps: out, last: cur, lastPhones: phones };
}

/** Split of a run's label-snapshot probe set, from its config.json. */
export function probeSplitOf(runDir: string): string {
  const f = path.join(runDir, 'config.json');
  if (!fs.existsSync(f)) return 'pretrain';
  const c = readJson<{ config: { data?: { probeSplit?: string; split?: string } } }>(f, 'run config').config;
  return c.data?.probeSplit || c.data?.split || 'pretrain';
}
