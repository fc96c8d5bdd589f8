/**
 * `birq bench step --mode bestrq|birq --layers 4 --dim 144 --heads 4 --ffn 576 --kernel 15 --batch 8 --frames 200
 *  --codes 8192 [--k 3] [--gumbel soft|hard-st|stopgrad] [--threads 1] [--steps 5] [--warmup 2] [--profile] [--recompute] --json`: median training-step time, the workload of
 * bench/torch_step.py. Registered as `bench`; the first positional names the benchmark.
 */
import { ENCODER_FRAME_MS } from '../model/config';
import { BirqError } from '../util/errors';
import { BENCH_DEFAULTS, BenchStepOptions, benchStep } from '../train/bench-step';
import { GUMBEL_MODES, GumbelMode } from '../quantizers/gumbel';
import { parseFlags } from './args';

export async function run(args: string[]): Promise<number> {
  const { flags, positional } = parseFlags('bench step', args, {
    mode: { type: 'string', help: 'bestrq | birq (default bestrq)' },
    layers: { type: 'number', help: 'Conformer blocks (4)' },
    k: { type: 'number', help: 'BiRQ: enhanced labels from block k (3)' },
    dim: { type: 'number', help: 'width D (144)' },
    heads: { type: 'number', help: 'attention heads (4)' },
    ffn: { type: 'number', help: 'feed-forward width (576)' },
    kernel: { type: 'number', help: 'depthwise conv kernel (15)' },
    batch: { type: 'number', help: 'utterances per batch (8)' },
    frames: { type: 'number', help: `encoder frames per utterance, ${ENCODER_FRAME_MS} ms each (200)` },
    codes: { type: 'number', help: 'codebook size of each head (8192)' },
    steps: { type: 'number', help: 'measured steps; the median is reported (5)' },
    warmup: { type: 'number', help: 'unmeasured steps first (2)' },
    gumbel: { type: 'string', help: 'BiRQ targets: soft | hard-st | stopgrad (soft)' },
    threads: { type: 'number', help: 'native BLAS threads while measuring (1, as the PyTorch reference)' },
    profile: { type: 'boolean', help: 'per-kernel times of one step on stderr (BIRQ_PROFILE_SHAPES=1: by input shapes)' },
    recompute: { type: 'boolean', help: 'recompute block activations in the backward (memory.recomputeBlocks)' },
    json: { type: 'boolean', help: 'one JSON line' },
  });
  if (positional[0] !== 'step') throw new BirqError(`bench: unknown benchmark '${positional[0] ?? ''}' (known: step)`);
  const mode = (flags.mode as string | undefined) ?? 'bestrq';
  if (mode !== 'bestrq' && mode !== 'birq') throw new BirqError(`bench step: --mode must be bestrq or birq, got '${mode}'`);
  const gumbel = flags.gumbel as GumbelMode | undefined;
  if (gumbel !== undefined && !GUMBEL_MODES.includes(gumbel)) throw new BirqError(`bench step: --gumbel must be one of ${GUMBEL_MODES.join(', ')}, got '${gumbel}'`);
  const o: BenchStepOptions = { ...BENCH_DEFAULTS, mode, gumbel, profile: Boolean(flags.profile), recompute: Boolean(flags.recompute) };
  for (const k of ['layers', 'k', 'dim', 'heads', 'ffn', 'kernel', 'batch', 'frames', 'codes', 'steps', 'warmup', 'threads'] as const)
    if (flags[k] !== undefined) o[k] = flags[k] as number;
  const r = await benchStep(o);
  process.stdout.write(flags.json ? JSON.stringify(r) + '\n' : `${r.mode}: ${r.step_ms} ms/step (${r.audio_s_per_s} s audio/s, rss ${r.rss_mb} MB)\n`);
  return 0;
}
