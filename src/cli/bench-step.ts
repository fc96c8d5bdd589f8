/**
 * `birq bench step --mode bestrq|birq --layers 4 --dim 144 --heads 4 --ffn 576 --kernel 15 --batch 8 --frames 200
 *  --codes 8192 [--k 3] [--gumbel soft|hard-st|stopgrad] [--threads 1] [--steps 5] [--warmup 2] [--profile] [--recompute] --json`: median training-step time, the workload of
 * bench/torch_step.py. Registered as `bench`; the first positional names the benchmark.
 */
import { ENCODER_FRAME_MS } from '../model/config';
import { BirqError } from '../util/errors';
import { BENCH_DEFAULTS, BenchStepOptions, benchStep } from '../train/bench-step';
import { GUMBEL_MODES, GumbelMode } from '../quantizers/gumbel';
import { checkRange, NumberRange } from '../util/ranges';
import { parseFlags } from './args';

const POS: NumberRange = { integer: true, min: 1 };

export async function run(args: string[]): Promise<number> {
  const { flags, positional } = parseFlags('bench step', args, {
    mode: { type: 'string', help: 'bestrq | birq (default bestrq)', choices: ['bestrq', 'birq'] },
    layers: { type: 'number', help: 'Conformer blocks (4)', range: POS },
    k: { type: 'number', help: 'BiRQ: enhanced labels from block k (3)', range: POS },
    dim: { type: 'number', help: 'width D (144)', range: POS },
    heads: { type: 'number', help: 'attention heads (4)', range: POS },
    ffn: { type: 'number', help: 'feed-forward width (576)', range: POS },
    kernel: { type: 'number', help: 'depthwise conv kernel, odd (15)', range: POS },
    batch: { type: 'number', help: 'utterances per batch (8)', range: POS },
    frames: { type: 'number', help: `encoder frames per utterance, ${ENCODER_FRAME_MS} ms each (200)`, range: POS },
    codes: { type: 'number', help: 'codebook size of each head (8192)', range: { integer: true, min: 2 } },
    steps: { type: 'number', help: 'measured steps; the median is reported (5)', range: POS },
    warmup: { type: 'number', help: 'unmeasured steps first (2)', range: { integer: true, min: 0 } },
    gumbel: { type: 'string', help: 'BiRQ targets: soft | hard-st | stopgrad (soft)', choices: GUMBEL_MODES },
    threads: { type: 'number', help: 'native BLAS threads while measuring (1, as the PyTorch reference)', range: POS },
    profile: { type: 'boolean', help: 'per-kernel times of one step on stderr (BIRQ_PROFILE_SHAPES=1: by input shapes)' },
    recompute: { type: 'boolean', help: 'recompute block activations in the backward (memory.recomputeBlocks)' },
    json: { type: 'boolean', help: 'one JSON line' },
  });
  if (positional[0] !== 'step') throw new BirqError(`bench: unknown benchmark '${positional[0] ?? ''}' (known: step)`);
  const mode = ((flags.mode as string | undefined) ?? 'bestrq') as 'bestrq' | 'birq';
  const gumbel = flags.gumbel as GumbelMode | undefined;
  const o: BenchStepOptions = { ...BENCH_DEFAULTS, mode, gumbel, profile: Boolean(flags.profile), recompute: Boolean(flags.recompute) };
  for (const k of ['layers', 'k', 'dim', 'heads', 'ffn', 'kernel', 'batch', 'frames', 'codes', 'steps', 'warmup', 'threads'] as const)
    if (flags[k] !== undefined) o[k] = flags[k] as number;
  // Cross-flag ranges, once the shape is known.
  if (mode === 'birq' || flags.k !== undefined) checkRange(`--k (a block of --layers ${o.layers})`, o.k, { integer: true, min: 1, max: o.layers });
  if (o.dim % o.heads) throw new BirqError(`--heads: must divide --dim ${o.dim}, got ${o.heads}`);
  if (o.kernel % 2 !== 1) throw new BirqError(`--kernel: must be an odd integer >= 1, got ${o.kernel}`);
  const r = await benchStep(o);
  process.stdout.write(flags.json ? JSON.stringify(r) + '\n' : `${r.mode}: ${r.step_ms} ms/step (${r.audio_s_per_s} s audio/s, rss ${r.rss_mb} MB)\n`);
  return 0;
}
