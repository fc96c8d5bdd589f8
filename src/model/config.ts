/**
 * Encoder configuration and presets (docs/method.md §9). The subsampling factor is fixed at 4 by both front ends
 * (the anchor quantizer's stack factor follows from it: `SUBSAMPLING`), never a second config field.
 */
import { LOGMEL_DEFAULTS } from '../features/logmel';

export const SUBSAMPLING = 4;
/** Frame shift of the log-mel features in ms (hop 160 samples at 16 kHz, features/logmel.ts). */
export const FEATURE_FRAME_MS = (1000 * LOGMEL_DEFAULTS.hopLength) / LOGMEL_DEFAULTS.sampleRate;
/** One encoder frame (one stacked frame, one label): SUBSAMPLING feature frames, 40 ms. */
export const ENCODER_FRAME_MS = SUBSAMPLING * FEATURE_FRAME_MS;

export interface EncoderConfig {
  /** Mel bins F of the input features. */
  inputDim: number;
  /** Conformer blocks L. */
  blocks: number;
  /** Model width D. */
  dim: number;
  heads: number;
  ffnDim: number;
  /** Depthwise conv kernel (odd). */
  kernel: number;
  dropout: number;
  /** 4x subsampling: 'stack' (stack 4 frames, project 4F -> D) or 'conv' (two stride-2 kernel-3 convs over time). */
  frontEnd: 'stack' | 'conv';
  /** Normalization inside the conv module: 'batch' (Conformer paper, torchaudio default) or 'layer'. */
  convNorm: 'batch' | 'layer';
  /**
   * 'sinusoidal' absolute positions added after the front end, or 'none'. Not relative positions: the paper's
   * Conformer uses relative ones, but torchaudio's Conformer (our speed reference) has none, the depthwise conv
   * already gives each frame relative context, and relative attention needs a rel-shift (gather/pad tricks) that
   * would dominate the step on wasm.
   */
  positional: 'sinusoidal' | 'none';
}

export const ENCODER_PRESETS: Record<string, { what: string; config: EncoderConfig }> = {
  smoke: {
    what: 'CI and tests: 2 blocks, d 64; a step takes tens of ms',
    config: { inputDim: 80, blocks: 2, dim: 64, heads: 4, ffnDim: 256, kernel: 15, dropout: 0.1, frontEnd: 'stack', convNorm: 'batch', positional: 'sinusoidal' },
  },
  'c1-small': {
    what: "paper's layer ablation shape at small width: 5 blocks, d 144, 4 heads, FFN 576, kernel 15 (k = 4 best)",
    config: { inputDim: 80, blocks: 5, dim: 144, heads: 4, ffnDim: 576, kernel: 15, dropout: 0.1, frontEnd: 'stack', convNorm: 'batch', positional: 'sinusoidal' },
  },
  'c2-small': {
    what: "paper's 10-layer shape at small width: 10 blocks, d 144, enhanced labels from block 7",
    config: { inputDim: 80, blocks: 10, dim: 144, heads: 4, ffnDim: 576, kernel: 15, dropout: 0.1, frontEnd: 'stack', convNorm: 'batch', positional: 'sinusoidal' },
  },
};
