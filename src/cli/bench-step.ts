/**
 * `birq bench step --mode bestrq|birq --layers 4 --dim 144 --heads 4 --ffn 576 --kernel 15 --batch 8 --frames 200
 *  --codes 8192 [--k 3] [--gumbel soft|hard-st|stopgrad] [--threads 1] [--steps 5] [--warmup 2] [--profile] [--recompute] --json`: median training-step time, the workload of
 * ../shared/bench/torch_reference.py. Registered as `bench`; the first positional names the benchmark.
 */
import { BirqError } from '../util/errors';
import { BENCH_DEFAULTS, BenchStepOptions, benchStep } from '../train/bench-step';
import { GUMBEL_MODES, GumbelMode } from '../quantizers/gumbel';
import { parseFlags } from './args';

export async function run(args: string[]): Promise<number> {
  const { flags, positional } = parseFlags('bench', args, {
    mode: { type: 'string' }, layers: { type: 'number' }, k: { type: 'number' }, dim: { type: 'number' }, heads: { type: 'number' },
    ffn: { type: 'number' }, kernel: { type: 'number' }, batch: { type: 'number' }, frames: { type: 'number' }, codes: { type: 'number' },
    steps: { type: 'number' }, warmup: { type: 'number' }, gumbel: { type: 'string' }, threads: { type: 'number' }, profile: { type: 'boolean' }, recompute: { type: 'boolean' }, json: { type: 'boolean' },
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
