/**
 * `npm run bench -- step [--json] [--steps N]`: our training step (BEST-RQ and BiRQ, the torch_reference.py
 * workload: 4 blocks, d 144, 4 heads, FFN 576, kernel 15, batch 8 x 200 encoder frames, 8192 codes) next to the
 * PyTorch CPU reference (Debian python3-torch, 1 thread) in one go, with the ratios the targets are stated in:
 * BEST-RQ <= 2x PyTorch, BiRQ <= 1.6x our BEST-RQ. Skips the reference with a note when python3-torch is missing.
 * Our arms run interleaved (one step each in turn) so machine load hits all alike; the reference runs after.
 * Besides BiRQ as configured (soft Gumbel targets, the reference's workload), BiRQ with hard-st and stopgrad
 * targets, and each arm's matMul work (`matmul_gflop`, counted by the native kernels): the ratio of work is the
 * floor under the ratio of times.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_DEFAULTS, BenchArm, benchSteps } from '../src/train/bench-step';

const REFERENCE = path.join(__dirname, '..', '..', 'shared', 'bench', 'torch_reference.py');

/**
 * Which BLAS Debian's torch will load (BLAS_INFO=generic: whatever libblas.so.3 points to). The netlib reference
 * BLAS runs ~3 GFLOP/s and makes the PyTorch step ~15x slower than with OpenBLAS (~60 GFLOP/s, 1 thread), so a
 * ratio against it flatters us: we report which one ran and refuse to call a netlib ratio a result.
 */
export function torchBlas(): string {
  try {
    const target = fs.realpathSync('/usr/lib/x86_64-linux-gnu/libblas.so.3');
    if (target.includes('openblas')) return 'openblas';
    if (target.includes('blis')) return 'blis';
    if (target.includes('atlas')) return 'atlas';
    if (target.includes('mkl')) return 'mkl';
    return 'netlib-reference';
  } catch {
    return 'unknown';
  }
}

function torchStep(mode: string, steps: number): Record<string, unknown> | null {
  if (!fs.existsSync(REFERENCE)) return { skipped: `reference script not found at ${REFERENCE}` };
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch, torchaudio'], { encoding: 'utf8' });
  if (probe.status !== 0) return { skipped: 'python3-torch / python3-torchaudio not installed (apt-get install python3-torch python3-torchaudio)' };
  // One thread on both sides: OpenBLAS has its own pool besides torch's intra-op threads.
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  const r = spawnSync('/usr/bin/python3', [REFERENCE, '--mode', mode, '--steps', String(steps), '--threads', '1'], { encoding: 'utf8', env });
  if (r.status !== 0) return { skipped: `reference failed: ${r.stderr.trim().split('\n').pop()}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

export async function run(args: string[]): Promise<number> {
  const i = args.indexOf('--steps');
  const steps = i >= 0 ? Number(args[i + 1]) : BENCH_DEFAULTS.steps;
  const arms: BenchArm[] = ['bestrq', 'birq', 'birq/hard-st', 'birq/stopgrad'];
  const results = await benchSteps({ ...BENCH_DEFAULTS, steps }, arms);
  const ours = Object.fromEntries(arms.map((a, k) => [a, results[k]])) as Record<BenchArm, Record<string, unknown>>;
  const best = ours.bestrq;
  for (const arm of arms) {
    const o = ours[arm];
    const torchMode = arm === 'bestrq' || arm === 'birq' ? arm : null; // the reference has soft targets only
    const r = torchMode ? torchStep(torchMode, steps) : null;
    const line: Record<string, unknown> = { bench: 'step', mode: o.mode, gumbel: o.gumbel, ours_ms: o.step_ms, torch_ms: r && 'step_ms' in r ? r.step_ms : null };
    line.blas = o.blas;
    if (torchMode) {
      line.torch_blas = torchBlas();
      if (line.torch_blas === 'netlib-reference') line.warning = 'PyTorch ran on the netlib reference BLAS (slow): install libopenblas0-pthread (npm run setup) for a fair ratio';
      if (r && 'step_ms' in r) line.ratio_vs_torch = round2((o.step_ms as number) / (r.step_ms as number));
      else line.note = r?.skipped;
    }
    line.matmul_gflop = o.matmul_gflop;
    if (arm !== 'bestrq') {
      line.ratio_vs_bestrq = round2((o.step_ms as number) / (best.step_ms as number));
      line.matmul_ratio_vs_bestrq = round2((o.matmul_gflop as number) / (best.matmul_gflop as number));
    }
    line.ours_steps_ms = o.steps_ms;
    line.rss_mb = o.rss_mb;
    process.stdout.write(JSON.stringify(line) + '\n');
  }
  return 0;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
