/**
 * The Conformer encoder with a layer tap (docs/method.md §2): `forward(feats, { untilBlock: k })` returns block k's
 * output, so BiRQ's enhanced branch runs only the first k blocks. Parameters live in a named `ParamStore`.
 */
import * as tf from '@tensorflow/tfjs';
import { assertShape, BirqError } from '../util/errors';
import { Rng } from '../util/rng';
import { EncoderConfig, SUBSAMPLING } from './config';
import { addBlock, BlockContext, conformerBlock } from './conformer-block';
import { checkpointedBlock } from './checkpointed-block';
import { keyPaddingBias } from './attention';
import { addFrontEnd, frontEnd } from './front-end';
import { lengthMask, sinusoidalPositions } from './layers';
import { ParamStore } from './params';
import { patchWasmSlice } from '../backend/wasm-slice';

export interface ForwardOptions {
  /** Return the output of block k (1-based); default: all blocks. 0 returns the front end's output. */
  untilBlock?: number;
  training?: boolean;
  /** Utterance lengths in input frames (before subsampling); default: all full length. */
  lengths?: ArrayLike<number>;
  /** Seed of this forward's dropout masks (derive it from run seed and step for exact resume). */
  seed?: number;
  /**
   * Recompute each block's activations in the backward pass instead of keeping them (checkpointed-block.ts):
   * same numbers, much less memory, ~1 extra forward. Only under leanVariableGrads (src/train).
   */
  checkpoint?: boolean;
}

/** Encoder frames after 4x subsampling for an input length. */
export function encoderLength(inputFrames: number): number {
  return Math.floor(inputFrames / SUBSAMPLING);
}

export class Conformer {
  readonly params: ParamStore;
  private positions = new Map<number, tf.Tensor2D>();

  constructor(readonly config: EncoderConfig, seed: number, params?: ParamStore) {
    const c = config;
    if (c.dim % c.heads !== 0) throw new BirqError(`Conformer: dim ${c.dim} is not divisible by heads ${c.heads}`);
    if (c.kernel % 2 !== 1) throw new BirqError(`Conformer: kernel ${c.kernel} must be odd`);
    patchWasmSlice();
    this.params = params ?? new ParamStore();
    const rng = new Rng(seed);
    addFrontEnd(this.params, c.frontEnd, c.inputDim, c.dim, rng);
    for (let i = 0; i < c.blocks; i++) addBlock(this.params, `block.${i}`, c, rng);
  }

  /** Features [B, T_in, F] -> block k's output [B, T, D], T = floor(T_in / 4). */
  forward(feats: tf.Tensor3D, opts: ForwardOptions = {}): tf.Tensor3D {
    const c = this.config;
    assertShape('Conformer.forward', 'feats', feats.shape, [null, null, c.inputDim]);
    const k = opts.untilBlock ?? c.blocks;
    if (!(k >= 0 && k <= c.blocks)) throw new BirqError(`Conformer.forward: untilBlock ${k} is outside 0..${c.blocks}`);
    const [B, Tin] = feats.shape;
    const T = encoderLength(Tin);
    const lengths = Array.from(opts.lengths ?? new Array(B).fill(Tin), encoderLength);
    const training = opts.training ?? false;
    return tf.tidy(() => {
      // Zero input frames past each length: the conv front end's kernel reaches one frame beyond a window.
      const inLengths = Array.from(opts.lengths ?? new Array(B).fill(Tin));
      const input = inLengths.every((n) => n >= Tin) ? feats : tf.mul(feats, tf.expandDims(lengthMask(inLengths, Tin), -1));
      let x = frontEnd(this.params, c.frontEnd, input as tf.Tensor3D); // [B, T_in, F] -> [B, T, D]
      if (c.positional === 'sinusoidal') x = tf.add(x, this.positionTable(T, c.dim));
      const mask = lengthMask(lengths, T);
      const ctx: BlockContext = {
        mask,
        mask3: tf.expandDims(mask, -1) as tf.Tensor3D, // [B, T] -> [B, T, 1]
        keyBias: keyPaddingBias(mask),
        training,
        state: this.params,
        updateStats: training,
      };
      if (training && c.dropout > 0 && opts.seed === undefined) throw new BirqError('Conformer.forward: training with dropout needs opts.seed');
      // One dropout stream per block, so a checkpointed block can redraw exactly its own masks.
      const seeds = new Rng(opts.seed ?? 0);
      for (let i = 0; i < k; i++) {
        const seed = seeds.seed();
        x = opts.checkpoint
          ? checkpointedBlock(this.params, `block.${i}`, x, c, ctx, seed)
          : conformerBlock(this.params, `block.${i}`, x, c, { ...ctx, rng: new Rng(seed) });
      }
      return x;
    });
  }

  /** Sinusoidal table [T, D], cached per length (kept outside any tidy). */
  private positionTable(T: number, D: number): tf.Tensor2D {
    let t = this.positions.get(T);
    if (!t) {
      t = tf.keep(sinusoidalPositions(T, D));
      this.positions.set(T, t);
    }
    return t;
  }

  dispose(): void {
    this.params.dispose();
    for (const t of this.positions.values()) t.dispose();
    this.positions.clear();
  }
}
