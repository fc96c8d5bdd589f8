/**
 * `npm run bench -- step [--json] [--steps N (15)]`: our training step (BEST-RQ and BiRQ, the torch_step.py
 * workload: 4 blocks, d 144, 4 heads, FFN 576, kernel 15, batch 8 x 200 encoder frames, 8192 codes) next to the
 * PyTorch CPU reference (Debian python3-torch, 1 thread) in one go, with the ratios the targets are stated in:
 * BEST-RQ <= 2x PyTorch, BiRQ <= 1.6x our BEST-RQ. Skips the reference with a note when python3-torch is missing.
 * Our arms run interleaved (one step each in turn) so machine load hits all alike; the reference runs once before
 * and once after them, and its figure is the mean of the two, so a load change during the run biases neither side.
 * Besides BiRQ as configured (soft Gumbel targets, the reference's workload), BiRQ with hard-st and stopgrad
 * targets, and each arm's matMul work (`matmul_gflop`, counted by the native kernels): the ratio of work is the
 * floor under the ratio of times.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BENCH_DEFAULTS, BenchArm, benchSteps } from '../src/train/bench-step';

// The PyTorch side of the comparison: the same workload, written against torchaudio's Conformer.
const REFERENCE = path.join(__dirname, 'torch_step.py');

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
  // 15 rounds by default: on a shared 2-core machine single steps vary by ±15 %, and 5-step medians gave
  // BiRQ/BEST-RQ anywhere from 1.53 to 1.95 where 15 rounds settle near the work ratio.
  const steps = i >= 0 ? Number(args[i + 1]) : 15;
  const arms: BenchArm[] = ['bestrq', 'birq', 'birq/hard-st', 'birq/stopgrad'];
  const before = { bestrq: torchStep('bestrq', steps), birq: torchStep('birq', steps) };
  const results = await benchSteps({ ...BENCH_DEFAULTS, steps }, arms);
  const after = { bestrq: torchStep('bestrq', steps), birq: torchStep('birq', steps) };
  const ours = Object.fromEntries(arms.map((a, k) => [a, results[k]])) as Record<BenchArm, Record<string, unknown>>;
  const best = ours.bestrq;
  for (const arm of arms) {
    const o = ours[arm];
    const torchMode = arm === 'bestrq' || arm === 'birq' ? arm : null; // the reference has soft targets only
    const r = torchMode ? meanOfRuns(before[torchMode], after[torchMode]) : null;
    const line: Record<string, unknown> = { bench: 'step', mode: o.mode, gumbel: o.gumbel, ours_ms: o.step_ms, torch_ms: r && 'step_ms' in r ? r.step_ms : null };
    if (r && 'runs_ms' in r) line.torch_runs_ms = r.runs_ms;
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
      // Per round (this arm's step right after BEST-RQ's), then the median: drifts in machine speed cancel.
      const a = o.steps_ms as number[], b = best.steps_ms as number[];
      line.ratio_vs_bestrq_per_round = round2(median(a.map((t, k) => t / b[k])));
      line.matmul_ratio_vs_bestrq = round2((o.matmul_gflop as number) / (best.matmul_gflop as number));
    }
    if (arm === 'birq') {
      const tb = meanOfRuns(before.bestrq, after.bestrq), tr = meanOfRuns(before.birq, after.birq);
      if (tb && tr && 'step_ms' in tb && 'step_ms' in tr) line.torch_ratio_vs_bestrq = round2((tr.step_ms as number) / (tb.step_ms as number));
    }
    line.ours_steps_ms = o.steps_ms;
    line.rss_mb = o.rss_mb;
    process.stdout.write(JSON.stringify(line) + '\n');
  }
  return 0;
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];

/** The reference's two runs (before and after ours) as one figure, their mean; a skip note passes through. */
function meanOfRuns(a: Record<string, unknown> | null, b: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!a || !('step_ms' in a)) return a;
  if (!b || !('step_ms' in b)) return b;
  const runs = [a.step_ms as number, b.step_ms as number];
  return { step_ms: Math.round(((runs[0] + runs[1]) / 2) * 10) / 10, runs_ms: runs };
}
