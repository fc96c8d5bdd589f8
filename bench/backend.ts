/**
 * `npm run bench -- backend [--json]`: per backend that loads, matMul 512³ GFLOP/s and the feed-forward block
 * 1600×144 → 576 → 144 forward vs forward+backward (target on wasm: fwd+bwd ≤ 3.5 × fwd).
 * Each backend runs in its own process so one backend's state cannot skew another's.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { BACKENDS, ffnTimes, initBackend, matmulGflops } from '../src/backend';

async function one(name: string): Promise<Record<string, unknown>> {
  const r = await initBackend({ force: name, quiet: true });
  const gflops = await matmulGflops();
  const ffn = await ffnTimes();
  return {
    bench: 'backend',
    backend: r.backend,
    patched: r.patches.length > 0,
    native_blas: r.blas,
    matmul_gflops: +gflops.toFixed(2),
    ffn_fwd_ms: +ffn.ffn_fwd_ms.toFixed(2),
    ffn_fwd_bwd_ms: +ffn.ffn_fwd_bwd_ms.toFixed(2),
    bwd_over_fwd: +ffn.ratio.toFixed(2),
    target_bwd_over_fwd: r.backend === 'wasm' ? 3.5 : undefined,
  };
}

export async function run(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const only = args.find((a) => a.startsWith('--only='))?.slice(7);
  if (only) {
    process.stdout.write(JSON.stringify(await one(only)) + '\n');
    return 0;
  }
  // wasm three times: as shipped (BIRQ_WASM_UNPATCHED=1), patched without the native kernels (BIRQ_NATIVE_BLAS=0)
  // and patched with them, so each speed-up is measured, not claimed.
  const runs: [string, Record<string, string>][] = [];
  for (const n of BACKENDS) {
    if (n === 'wasm') runs.push([n, { BIRQ_WASM_UNPATCHED: '1' }], [n, { BIRQ_NATIVE_BLAS: '0' }]);
    runs.push([n, {}]);
  }
  for (const [name, extraEnv] of runs) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'main.ts'), 'backend', `--only=${name}`], {
      encoding: 'utf8',
      env: { ...process.env, BIRQ_QUIET: '1', ...extraEnv },
    });
    const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !line.startsWith('{')) {
      const why = (r.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? `exit ${r.status}`;
      if (!json) process.stdout.write(`${name}: not available (${why})\n`);
      else process.stdout.write(JSON.stringify({ bench: 'backend', backend: name, available: false, why }) + '\n');
      continue;
    }
    if (json) process.stdout.write(line + '\n');
    else {
      const o = JSON.parse(line);
      process.stdout.write(`${name}${o.patched ? (o.native_blas ? ` (native: ${o.native_blas})` : ' (patched, no native kernels)') : ' (unpatched)'}: matMul ${o.matmul_gflops} GFLOP/s, ffn fwd ${o.ffn_fwd_ms} ms, fwd+bwd ${o.ffn_fwd_bwd_ms} ms (×${o.bwd_over_fwd})\n`);
    }
  }
  return 0;
}
