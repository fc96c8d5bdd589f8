/**
 * `birq report --suite NAME [--profile P] [--root DIR] [--publish DIR]`
 * Writes report.md (figures as SVG beside it) and a self-contained report.html for a suite from its results
 * store and run directories (src/experiments/report.ts); a suite still running gets a report of what finished.
 * --publish copies what a repository may hold (report.md, figures/, results.csv) into DIR, e.g. results/NAME.
 */
import * as fs from 'node:fs';
import { publishReport, writeReport } from '../experiments/report';
import { suiteDir } from '../experiments/runner';
import { fail } from '../util/errors';
import { parseFlags } from './args';

export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('report', args, {
    suite: { type: 'string', help: 'suite name (birq ablate --list)' },
    profile: { type: 'string', help: 'suite profile (default quick)' },
    root: { type: 'string', help: 'suite directory (default $BIRQ_RUNS/suites/<suite>-<profile>)' },
    publish: { type: 'string', help: 'also copy report.md, figures/ and results.csv into this folder (small files to commit)' },
  });
  if (!flags.suite && !flags.root) fail('report: give --suite NAME (and --profile P) or --root DIR');
  const root = (flags.root as string | undefined) ?? suiteDir(flags.suite as string, (flags.profile as string | undefined) ?? 'quick');
  if (!fs.existsSync(`${root}/suite.json`)) fail('report: no suite here (run birq ablate first)', root);
  const r = writeReport(root);
  process.stdout.write(`${r.headline.join('\n')}\nwrote ${r.md}\n      ${r.html}\n`);
  if (flags.publish) process.stdout.write(`published ${publishReport(root, flags.publish as string).join(', ')}\n`);
  return 0;
}
