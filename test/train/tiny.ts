/** A tiny BiRQ config on the toy source for fast loop tests (a step is a few ms). */
import { PretrainConfig, presetConfig } from '../../src/train/config';

export function tinyConfig(patch: (c: PretrainConfig) => void = () => {}): PretrainConfig {
  const c = presetConfig('smoke');
  c.encoder = { ...c.encoder, blocks: 2, dim: 16, heads: 2, ffnDim: 32, kernel: 5, dropout: 0.1 };
  c.anchor.codes = 16;
  c.enhanced.codes = 16;
  c.enhanced.layer = 1;
  c.masking.startProb = 0.1;
  c.optim = { ...c.optim, lr: 3e-3, warmupSteps: 1 };
  c.data = { ...c.data, source: 'toy', batchSize: 2, maxFrames: 64, probeSize: 2 };
  c.run = { steps: 4, logEvery: 1, checkpointEvery: 2, snapshotEvery: 2, keepCheckpoints: 5 };
  patch(c);
  return c;
}
