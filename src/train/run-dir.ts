/**
 * A run directory explains itself (docs/conventions.md §10):
 *   config.json          resolved config, preset, environment (versions, backend, git commit, host), data source
 *   metrics.jsonl        one line per logged step (losses, accuracies, code usage, NMI, lr, grad norm, step time)
 *   checkpoints/         step-NNNNNNN.ckpt (tensor-file.ts) + latest.json
 *   labels/              step-NNNNNNN.labels: anchor and enhanced labels per frame of the fixed probe set
 *   events.jsonl         start / resume / stop / divergence notes
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { backendReport } from '../backend';

export interface RunPaths {
  root: string;
  config: string;
  metrics: string;
  events: string;
  checkpoints: string;
  labels: string;
}

export function runPaths(root: string): RunPaths {
  return {
    root,
    config: path.join(root, 'config.json'),
    metrics: path.join(root, 'metrics.jsonl'),
    events: path.join(root, 'events.jsonl'),
    checkpoints: path.join(root, 'checkpoints'),
    labels: path.join(root, 'labels'),
  };
}

export function gitCommit(): string | null {
  try {
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: __dirname, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return null;
  }
}

export function environment(): Record<string, unknown> {
  const r = backendReport();
  return {
    backend: r?.backend ?? null,
    patches: r?.patches ?? [],
    // BLAS library and thread count: sgemm's last bits depend on the thread count, so an exact rerun needs the same.
    blas: r?.blas ?? null,
    // The WebGPU adapter a webgpu run trained on (vendor, architecture, fallback or not); null elsewhere.
    adapter: r?.backend === 'webgpu' ? r.adapter : null,
    versions: r?.versions ?? { node: process.versions.node },
    gitCommit: gitCommit(),
    host: { platform: process.platform, arch: process.arch, cpus: os.cpus().length, memGB: Math.round(os.totalmem() / 2 ** 30) },
    started: new Date().toISOString(),
  };
}

/**
 * Drop the metric lines a run resumed at update `step` will write again: training lines of steps >= `step`
 * (0-based), and evaluation lines (no `lr`; their `step` is the update count they follow) after `step`.
 */
export function truncateMetrics(file: string, step: number): void {
  if (!fs.existsSync(file)) return;
  const keep = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => {
      if (!l.trim()) return false;
      try {
        const r = JSON.parse(l) as { step: number; lr?: number };
        return r.lr === undefined ? r.step <= step : r.step < step;
      } catch {
        return false;
      }
    });
  fs.writeFileSync(file, keep.map((l) => l + '\n').join(''));
}
