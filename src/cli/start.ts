import * as path from 'node:path';
import { executeNotebook, notebookToHtml, repoRoot } from '../notebooks';
import { profile, runsRoot } from '../util/paths';

/**
 * `npm start`: the main job. Until the ablation suites exist it runs the environment notebook under the current
 * profile (BIRQ_PROFILE, default small) and says what it produced.
 */
export async function run(_args: string[]): Promise<number> {
  const prof = profile();
  const outDir = path.join(runsRoot(), `start-${prof}`);
  const nb = path.join(repoRoot(), 'notebooks', '00-environment.ipynb');
  process.stderr.write(`[start] executing ${path.relative(repoRoot(), nb)} (profile ${prof}) ...\n`);
  const r = executeNotebook(nb, { outDir, profile: prof });
  if (!r.ok) {
    process.stderr.write(`[start] the environment notebook failed after ${r.seconds.toFixed(1)} s:\n${r.error}\n`);
    return 1;
  }
  const executed = path.join(outDir, path.basename(nb));
  const html = notebookToHtml(executed);
  process.stdout.write(
    `[start] done in ${r.seconds.toFixed(1)} s. Executed notebook with its outputs (backend report, loss curve, tables):\n` +
      `  ${executed}\n  ${html} (open in a browser; plots are interactive)\n` +
      `Open it with: JUPYTER_PATH=${path.join(repoRoot(), '.jupyter', 'share', 'jupyter')} jupyter notebook ${path.join(outDir, path.basename(nb))}\n`,
  );
  return 0;
}
