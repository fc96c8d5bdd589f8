/** The GPU check's flags, shared by `npm run bench -- gpu` and the bundled folder's entry (entry.ts). */
import { parseFlags } from '../../src/cli/args';
import type { CheckOptions } from './check';

export function checkArgs(args: string[], presets: string[], wasmReference: Record<string, unknown> | null): CheckOptions {
  const { flags } = parseFlags('bench gpu', args, {
    backend: { type: 'string', choices: ['webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] },
    preset: { type: 'string', choices: presets },
    steps: { type: 'number', range: { integer: true, min: 1, max: 1000 } },
    warmup: { type: 'number', range: { integer: true, min: 0, max: 100 } },
    batches: { type: 'numbers', range: { integer: true, min: 1, max: 65536 } },
    'max-batch': { type: 'number', range: { integer: true, min: 1, max: 65536 } },
    'max-step-s': { type: 'number', range: { min: 0.1, max: 3600 } },
    'no-check': { type: 'boolean' },
    json: { type: 'boolean' },
  });
  return {
    backend: (flags.backend as string | undefined) ?? process.env.BIRQ_BACKEND ?? 'webgpu',
    preset: (flags.preset as string | undefined) ?? 'c1-small',
    steps: (flags.steps as number | undefined) ?? 5,
    warmup: (flags.warmup as number | undefined) ?? 2,
    batches: (flags.batches as number[] | undefined) ?? [],
    maxBatch: (flags['max-batch'] as number | undefined) ?? 1024,
    maxStepSeconds: (flags['max-step-s'] as number | undefined) ?? 30,
    check: !flags['no-check'],
    wasmReference,
  };
}
