/**
 * `npm start [-- --profile quick|protocol] [--seeds N] [--jobs N]`: the main job. Builds the corpus the profile
 * needs, runs the `table2` suite (supervised vs BEST-RQ vs BiRQ, every arm over seeds; finished stages of an
 * earlier run are reused), writes its report, and says in three lines what it found and where the report is.
 * The quick profile is sized for about 30 minutes on 2 cores; `--profile protocol` is the research protocol
 * (hours per seed, docs/protocol.md).
 */
import { writeReport } from '../experiments/report';
import { ablate } from '../experiments/runner';
import { parseFlags } from './args';

export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('start', args, {
    profile: { type: 'string', help: 'suite profile: quick (default, ~30 min on 2 cores) or protocol' },
    seeds: { type: 'number', help: 'seeds per arm (default 3)' },
    jobs: { type: 'number', help: 'parallel stages (default: one per core)' },
  });
  const profile = (flags.profile as string | undefined) ?? 'quick';
  const t0 = Date.now();
  process.stderr.write(`[start] table2 at the ${profile} profile: corpus, then supervised / BEST-RQ / BiRQ over seeds\n`);
  const r = await ablate({ suite: 'table2', profile, seeds: flags.seeds as number | undefined, jobs: flags.jobs as number | undefined });
  const rep = writeReport(r.root);
  const minutes = ((Date.now() - t0) / 60000).toFixed(1);
  process.stderr.write(`[start] ${r.ran.length} stages run, ${r.skipped.length} reused, ${r.failed.length} failed, in ${minutes} min\n`);
  for (const f of r.failed) process.stderr.write(`  failed ${f.message}\n`);
  process.stdout.write(`${rep.headline.join('\n')}\nreport: ${rep.html} (figures interactive, offline) and ${rep.md}\n`);
  return r.failed.length ? 1 : 0;
}
