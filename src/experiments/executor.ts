/**
 * Executors run a suite's jobs; the runner (runner.ts) decides which jobs are left and records what they gave.
 * The interface is all a scheduler needs to provide (the local one below; a Slurm one submits the same argv
 * lists as job arrays): launch a job once its dependencies finished, say when it ends, and report how far a
 * running job is.
 *
 * Local: one `birq` child process per job, at most `jobs` at a time (default: one per core), each with one
 * BLAS thread (two threads change the last bits of a run, and one per process uses the cores better: see the
 * README). A job's stdout and stderr go to files in its directory; its result is the last JSON line it prints.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Job } from './plan';

export interface StageOutcome {
  ok: boolean;
  code: number | null;
  signal: string | null;
  wallS: number;
  /** Parsed last JSON line of stdout (null when none). */
  result: unknown;
  /** Last lines of stderr, for the failure message. */
  stderrTail: string;
  /** The job wrote its own stage record and rows (a batch task, on its node): the runner must not again. */
  recorded?: boolean;
}

export interface ExecutorHooks {
  /** Final argv of a job, decided right before it starts (adds --resume where the job can continue). */
  prepare(job: Job): string[];
  started(job: Job): void;
  finished(job: Job, outcome: StageOutcome): void;
  /** Called about once a second with the fraction done of each running job. */
  tick(running: Map<string, number>): void;
}

export interface Executor {
  readonly name: string;
  /** Runs `jobs` (dependencies outside the list count as finished); resolves when none is left to run. */
  execute(jobs: Job[], hooks: ExecutorHooks): Promise<void>;
  /** Stops every running job (SIGTERM), e.g. when the runner is interrupted. */
  stop(): void;
}

/** The repository root from src/experiments or dist/experiments. */
export function repoRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

/** node argv that runs the `birq` CLI from the sources (the same code path as `npx birq`). */
export function birqCommand(): string[] {
  const root = repoRoot();
  return [process.execPath, '--import', pathToFileURL(require.resolve('tsx', { paths: [root] })).href, path.join(root, 'src', 'cli', 'main.ts')];
}

export class LocalExecutor implements Executor {
  readonly name = 'local';
  private kids = new Map<string, ChildProcess>();
  private stopped = false;

  constructor(private opts: { jobs?: number; blasThreads?: number; env?: NodeJS.ProcessEnv } = {}) {}

  get parallel(): number {
    return Math.max(1, this.opts.jobs ?? os.cpus().length);
  }

  execute(jobs: Job[], hooks: ExecutorHooks): Promise<void> {
    const inList = new Set(jobs.map((j) => j.id));
    const finished = new Set<string>();
    const failed = new Set<string>();
    const pending = [...jobs];
    const running = new Map<string, { job: Job; t0: number }>();
    return new Promise((resolve) => {
      const timer = setInterval(() => hooks.tick(new Map([...running.values()].map(({ job }) => [job.id, jobFraction(job)]))), 1000);
      const ready = (j: Job) => j.deps.every((d) => !inList.has(d) || finished.has(d));
      const blocked = (j: Job) => j.deps.some((d) => failed.has(d));
      const pump = () => {
        if (this.stopped) pending.length = 0;
        // A job whose dependency failed cannot run: it fails too, naming the dependency.
        for (let i = pending.length - 1; i >= 0; i--) {
          const j = pending[i];
          if (!blocked(j)) continue;
          pending.splice(i, 1);
          failed.add(j.id);
          hooks.finished(j, { ok: false, code: null, signal: null, wallS: 0, result: null, stderrTail: `not run: ${j.deps.filter((d) => failed.has(d)).join(', ')} failed` });
        }
        while (running.size < this.parallel) {
          const i = pending.findIndex(ready);
          if (i < 0) break;
          const [job] = pending.splice(i, 1);
          running.set(job.id, { job, t0: Date.now() });
          this.launch(job, hooks, (outcome) => {
            running.delete(job.id);
            (outcome.ok ? finished : failed).add(job.id);
            hooks.finished(job, outcome);
            pump();
          });
        }
        if (!running.size) {
          clearInterval(timer);
          resolve();
        }
      };
      pump();
    });
  }

  private launch(job: Job, hooks: ExecutorHooks, done: (o: StageOutcome) => void): void {
    const env = { ...process.env, ...this.opts.env, BIRQ_BLAS_THREADS: String(this.opts.blasThreads ?? 1) };
    const { child, outcome } = spawnStage(job, hooks.prepare(job), env);
    this.kids.set(job.id, child);
    fs.writeFileSync(path.join(job.dir, 'job.pid'), String(child.pid));
    hooks.started(job);
    void outcome.then((o) => {
      this.kids.delete(job.id);
      fs.rmSync(path.join(job.dir, 'job.pid'), { force: true });
      done(o);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const k of this.kids.values()) k.kill('SIGTERM');
  }
}

/**
 * Runs one stage's `birq` argv as a child process, stdout and stderr appended to files in its directory; the
 * outcome's result is the last JSON line it printed. The local executor and a Slurm array task both start
 * stages through this, so a stage runs the same way under either.
 */
export function spawnStage(job: Job, argv: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; outcome: Promise<StageOutcome> } {
  fs.mkdirSync(job.dir, { recursive: true });
  const out = fs.openSync(path.join(job.dir, 'stdout.log'), 'a');
  const err = fs.openSync(path.join(job.dir, 'stderr.log'), 'a');
  const [cmd, ...pre] = birqCommand();
  const t0 = Date.now();
  const child = spawn(cmd, [...pre, ...argv], { cwd: repoRoot(), env, stdio: ['ignore', out, err] });
  const outcome = new Promise<StageOutcome>((resolve) => {
    child.on('close', (code, signal) => {
      fs.closeSync(out);
      fs.closeSync(err);
      const result = lastJsonLine(path.join(job.dir, 'stdout.log'));
      const ok = code === 0 && result !== null;
      resolve({ ok, code, signal, wallS: (Date.now() - t0) / 1000, result, stderrTail: ok ? '' : tail(path.join(job.dir, 'stderr.log'), 6) });
    });
  });
  return { child, outcome };
}

/** The last line of a file that parses as a JSON object, or null. */
export function lastJsonLine(file: string): unknown {
  if (!fs.existsSync(file)) return null;
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n').reverse();
  for (const l of lines) {
    if (!l.startsWith('{')) continue;
    try {
      return JSON.parse(l);
    } catch {
      /* a progress line or a torn write: keep looking */
    }
  }
  return null;
}

export function tail(file: string, n: number): string {
  if (!fs.existsSync(file)) return '';
  return fs.readFileSync(file, 'utf8').replace(/\r/g, '\n').trim().split('\n').filter(Boolean).slice(-n).join('\n');
}

/** Fraction done of a running job, from the last `done/total` of the progress lines it writes to stderr. */
export function jobFraction(job: Job): number {
  const file = path.join(job.dir, 'stderr.log');
  try {
    const size = fs.statSync(file).size;
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(Math.min(size, 600));
    fs.readSync(fd, buf, 0, buf.length, size - buf.length);
    fs.closeSync(fd);
    const m = [...buf.toString('utf8').matchAll(/ (\d+)\/(\d+) \d+%/g)].pop();
    return m ? Math.min(1, Number(m[1]) / Math.max(1, Number(m[2]))) : 0;
  } catch {
    return 0;
  }
}
