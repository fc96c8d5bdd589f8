import { initBackend } from '../backend';
import { parseFlags } from './args';

/** `birq backend [--force NAME] [--json]`: which tfjs backend loads, why the ones before it were skipped. */
export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('backend', args, { force: { type: 'string' }, json: { type: 'boolean' } });
  const r = await initBackend({ force: flags.force as string | undefined, quiet: true });
  if (flags.json) {
    process.stdout.write(JSON.stringify(r) + '\n');
    return 0;
  }
  process.stdout.write(`backend: ${r.backend} (tfjs '${r.tfjsBackend}')\n`);
  for (const s of r.skipped) process.stdout.write(`  skipped ${s.backend}: ${s.why}\n`);
  for (const p of r.patches) process.stdout.write(`  patch ${p}\n`);
  for (const [k, v] of Object.entries(r.versions)) process.stdout.write(`  ${k} ${v}\n`);
  return 0;
}
