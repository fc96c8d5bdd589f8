/** Config -> task object and data source. New tasks (CTC fine-tune, offline relabel) add a case here. */
import { BirqError } from '../util/errors';
import { PretrainConfig } from './config';
import { CorpusFeatureSource } from './corpus-source';
import { FeatureSource, ToyFeatureSource } from './feature-source';
import { MaskedPredictionTask } from '../tasks/masked-prediction';
import { Task } from './task';

export function makeTask(c: PretrainConfig): Task {
  switch (c.task) {
    case 'bestrq':
    case 'birq':
      return new MaskedPredictionTask(c);
    default:
      throw new BirqError(`unknown task '${c.task as string}'`);
  }
}

export function makeSource(c: PretrainConfig): FeatureSource {
  if (c.data.source === 'toy')
    return new ToyFeatureSource({ seed: c.seed, batchSize: c.data.batchSize, frames: c.data.maxFrames, melBins: c.encoder.inputDim, probeSize: c.data.probeSize });
  return new CorpusFeatureSource({ corpus: c.data.corpus, split: c.data.split, seed: c.seed, batchSize: c.data.batchSize, maxFrames: c.data.maxFrames, probeSize: c.data.probeSize, probeSplit: c.data.probeSplit });
}
