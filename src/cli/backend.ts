import { initBackend } from '../backend';
import { parseFlags } from './args';

/** `birq backend [--force NAME] [--json]`: which tfjs backend loads (and on which WebGPU adapter), why the ones before it were skipped. */
export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('backend', args, { force: { type: 'string' }, json: { type: 'boolean' } });
  const r = await initBackend({ force: flags.force as string | undefined, quiet: true });
  if (flags.json) {
    process.stdout.write(JSON.stringify(r) + '\n');
    return 0;
  }
  process.stdout.write(`backend: ${r.backend} (tfjs '${r.tfjsBackend}')\n`);
  if (r.adapter) {
    const a = r.adapter;
    process.stdout.write(`  adapter: vendor ${a.vendor}, architecture ${a.architecture}, ${a.fallback ? 'a fallback (software) adapter' : 'a hardware adapter'}: ${a.description}\n`);
    if (a.addedDriver) process.stdout.write(`  adapter driver: the private lavapipe ${a.addedDriver} (added through VK_ADD_DRIVER_FILES)\n`);
  }
  for (const s of r.skipped) process.stdout.write(`  skipped ${s.backend}: ${s.why}\n`);
  for (const p of r.patches) process.stdout.write(`  patch ${p}\n`);
  for (const [k, v] of Object.entries(r.versions)) process.stdout.write(`  ${k} ${v}\n`);
  return 0;
}
