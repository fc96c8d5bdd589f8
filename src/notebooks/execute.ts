/**
 * Execute notebooks headless with the project's tslab kernel (Jupyter nbconvert/nbclient from Debian), as a
 * user would run them, and fail on any cell error. The kernelspec is the project-local one `npm run setup`
 * writes to .jupyter/ (no global tslab needed).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BirqError } from '../util/errors';

export interface NotebookResult {
  notebook: string;
  ok: boolean;
  seconds: number;
  output: string;
  error?: string;
}

export function repoRoot(): string {
  // src/notebooks -> repo, or dist/notebooks -> repo
  return path.resolve(__dirname, '..', '..');
}

/** Notebooks in a folder, in name order (00-, 01-, ...). */
export function listNotebooks(dir = path.join(repoRoot(), 'notebooks')): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.ipynb')).sort().map((f) => path.join(dir, f));
}

/** Error outputs left in an executed notebook (nbconvert stops at the first, but say which cell). */
export function cellErrors(nbFile: string): string[] {
  type Output = { output_type: string; ename?: string; evalue?: string; traceback?: string[]; name?: string; text?: string | string[] };
  const nb = JSON.parse(fs.readFileSync(nbFile, 'utf8')) as { cells: { cell_type: string; source: string | string[]; outputs?: Output[] }[] };
  const out: string[] = [];
  nb.cells.forEach((c, i) => {
    for (const o of c.outputs ?? []) {
      if (o.output_type !== 'error') continue;
      // tslab reports type errors and exceptions on stderr with an empty evalue: include that text too.
      const stderr = (c.outputs ?? []).filter((s) => s.output_type === 'stream' && s.name === 'stderr').map((s) => (Array.isArray(s.text) ? s.text.join('') : s.text ?? '')).join('');
      const src = Array.isArray(c.source) ? c.source.join('') : c.source;
      out.push(`cell ${i + 1}: ${o.ename}: ${o.evalue ?? ''}\n${stderr.trim()}\n--- source ---\n${src.slice(0, 600)}`);
    }
  });
  return out;
}

export function executeNotebook(nbFile: string, opts: { outDir: string; profile?: string; timeoutS?: number; env?: Record<string, string> }): NotebookResult {
  const root = repoRoot();
  const kernels = path.join(root, '.jupyter', 'share', 'jupyter');
  if (!fs.existsSync(path.join(kernels, 'kernels', 'tslab', 'kernel.json'))) {
    throw new BirqError('the tslab kernelspec is missing: run `npm run setup` first', path.join(kernels, 'kernels', 'tslab'));
  }
  fs.mkdirSync(opts.outDir, { recursive: true });
  const t0 = Date.now();
  // Debian's python3 (not pyenv's, first on PATH here) has nbclient; scripts/run_notebook.py runs cell by cell and
  // saves the executed copy even when a cell fails.
  const python = fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
  const r = spawnSync(python, [path.join(root, 'scripts', 'run_notebook.py'), nbFile, opts.outDir, 'tslab', String(opts.timeoutS ?? 900)], {
    cwd: path.dirname(nbFile),
    encoding: 'utf8',
    env: {
      ...process.env,
      JUPYTER_PATH: kernels + (process.env.JUPYTER_PATH ? path.delimiter + process.env.JUPYTER_PATH : ''),
      BIRQ_PROFILE: opts.profile ?? process.env.BIRQ_PROFILE ?? 'smoke',
      ...opts.env,
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (Date.now() - t0) / 1000;
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let ok = false;
  let error: string | undefined;
  try {
    const res = JSON.parse(last) as { ok: boolean; error: string };
    ok = res.ok && r.status === 0;
    error = res.ok ? undefined : res.error;
  } catch {
    error = `notebook runner failed (exit ${r.status}): ${output.slice(-3000)}`;
  }
  return { notebook: nbFile, ok, seconds, output, error };
}

/** Render an executed notebook to a standalone HTML page (plots stay interactive: plotly is inlined). */
export function notebookToHtml(executedNb: string): string {
  const jupyter = fs.existsSync('/usr/bin/jupyter') ? '/usr/bin/jupyter' : 'jupyter';
  const r = spawnSync(jupyter, ['nbconvert', '--to', 'html', executedNb], { encoding: 'utf8' });
  const html = executedNb.replace(/\.ipynb$/, '.html');
  if (r.status !== 0 || !fs.existsSync(html)) throw new BirqError(`nbconvert --to html failed: ${(r.stderr ?? '').slice(-500)}`, executedNb);
  return html;
}
