/**
 * The offline relabeling student's task (docs/method.md §7): BEST-RQ's masked prediction with its anchor labels
 * replaced by the k-means cluster ids of a frozen teacher's block-k outputs on the unmasked input. Masking, the
 * masked cross-entropy, the head and the metrics are BEST-RQ's; only the targets differ. The driver that fits
 * the clusters and runs the student is offline-relabel.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { SUBSAMPLING } from '../model/config';
import { Conformer } from '../model/conformer';
import { kmeansAssignReads, KMeansModel } from '../quantizers/kmeans';
import { BirqError } from '../util/errors';
import { PretrainConfig } from '../train/config';
import { Reads } from '../train/reads';
import { MaskedPredictionTask } from './masked-prediction';

/** BEST-RQ's masked prediction with k-means ids of a frozen teacher's block-k outputs as the targets. */
export class KMeansTargetTask extends MaskedPredictionTask {
  constructor(config: PretrainConfig, readonly teacher: Conformer, readonly layer: number, readonly kmeans: KMeansModel) {
    if (config.anchor.codes !== kmeans.k || config.anchor.books !== 1) throw new BirqError(`KMeansTargetTask: needs anchor.codes = ${kmeans.k} and anchor.books = 1`);
    if (teacher.config.dim !== kmeans.dim) throw new BirqError(`KMeansTargetTask: k-means has dim ${kmeans.dim}, the teacher's blocks ${teacher.config.dim}`);
    super(config);
  }

  /** Cluster ids [B·T] of the teacher's block-k output on the unmasked features [B, T_in, F]. */
  override *anchorLabelReads(feats: tf.Tensor3D, encLengths: number[]): Reads<Int32Array[]> {
    const h = this.teacher.forward(feats, { untilBlock: this.layer, lengths: encLengths.map((n) => SUBSAMPLING * n) }); // [B, T_in, F] -> [B, T, D]
    const [data] = yield [h];
    const labels = (yield* kmeansAssignReads(this.kmeans, data as Float32Array)).labels;
    h.dispose();
    return [labels];
  }
}
