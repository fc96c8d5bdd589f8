import * as path from 'node:path';
import { executeNotebook, listNotebooks } from '../notebooks';
import { BirqError } from '../util/errors';
import { PROFILES, runsRoot } from '../util/paths';
import { parseFlags } from './args';

/** `birq notebooks [NB ...] [--profile smoke] [--out DIR]`: execute notebooks headless, fail on any cell error. */
export async function run(args: string[]): Promise<number> {
  const { flags, positional } = parseFlags('notebooks', args, {
    profile: { type: 'string', choices: PROFILES },
    out: { type: 'string' },
    timeout: { type: 'number', help: 'seconds per notebook', range: { above: 0 } },
  });
  const profile = (flags.profile as string | undefined) ?? process.env.BIRQ_PROFILE ?? 'smoke';
  const outDir = (flags.out as string | undefined) ?? path.join(runsRoot(), `notebooks-${profile}`);
  const files = positional.length ? positional.map((p) => path.resolve(p)) : listNotebooks();
  if (files.length === 0) throw new BirqError('no notebooks found', 'notebooks/');
  let failed = 0;
  for (const nb of files) {
    process.stderr.write(`[notebooks] ${path.basename(nb)} (${profile}) ...\n`);
    const r = executeNotebook(nb, { outDir, profile, timeoutS: flags.timeout as number | undefined });
    if (r.ok) process.stdout.write(`ok   ${path.basename(nb)} ${r.seconds.toFixed(1)} s\n`);
    else {
      failed++;
      process.stdout.write(`FAIL ${path.basename(nb)} ${r.seconds.toFixed(1)} s\n${r.error}\n`);
    }
  }
  process.stdout.write(`notebooks: ${files.length - failed} passed, ${failed} failed (executed copies in ${outDir})\n`);
  return failed ? 1 : 0;
}
