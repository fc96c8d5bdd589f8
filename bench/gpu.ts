/**
 * `npm run bench -- gpu [options]`: the GPU check (bench/gpu/check.ts), JSON lines on stdout.
 * `npm run bench -- gpu --prepare [--out DIR]`: builds the self-contained folder that runs the same check on a GPU
 * machine without network or Node.js (bench/gpu/prepare.ts; docs/gpu.md).
 * The wasm figure beside a GPU's: `BIRQ_BACKEND=wasm npm run bench -- gpu --no-check --batches 8` on the 2-core
 * machine; `--prepare --wasm-reference FILE` puts that line into the folder.
 */
import { parseFlags } from '../src/cli/args';
import { PRETRAIN_PRESETS } from '../src/train/config';
import { checkArgs } from './gpu/args';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--prepare')) {
    const { flags } = parseFlags('bench gpu --prepare', args, {
      prepare: { type: 'boolean' }, out: { type: 'string' }, 'wasm-reference': { type: 'string' },
    });
    const { prepareFolder } = await import('./gpu/prepare');
    return prepareFolder({ out: flags.out as string | undefined, wasmReference: flags['wasm-reference'] as string | undefined });
  }
  const o = checkArgs(args, Object.keys(PRETRAIN_PRESETS), null);
  const { gpuCheck } = await import('./gpu/check');
  return (await gpuCheck(o, (row) => process.stdout.write(JSON.stringify(row) + '\n'))) ? 0 : 1;
}
