/**
 * A one-node Slurm cluster on localhost for the tests, from Debian's packages (munge, slurmctld, slurmd): its own
 * munge key, slurm.conf and cgroup.conf in a temporary folder, its own ports and sockets, so it touches nothing of
 * the machine's (no /etc/slurm, no /run/munge) and can run beside a real one. `stop()` ends every daemon it started
 * (by pid, SIGTERM then SIGKILL) and is safe to call twice.
 *
 * No accounting database: sacct has nothing to read here (accounting_storage/none), so what the executor knows
 * of finished tasks comes from squeue and from the records the tasks write themselves, as on a cluster whose
 * accounting is down.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Cluster {
  dir: string;
  /** Environment for Slurm's clients (sbatch, squeue, scancel): SLURM_CONF points at this cluster. */
  env: NodeJS.ProcessEnv;
  /** Stops every daemon; removes the folder unless keepFiles (its logs, for a failure). */
  stop(o?: { keepFiles?: boolean }): void;
}

const DAEMONS = ['/usr/sbin/munged', '/usr/sbin/slurmctld', '/usr/sbin/slurmd'];

/** Why a cluster cannot start here, or null when it can be tried (root and the daemons installed). */
export function whyNoCluster(): string | null {
  if (process.getuid?.() !== 0) return 'slurmd must run as root to start jobs, and this test is not root';
  const missing = DAEMONS.filter((d) => !fs.existsSync(d));
  return missing.length ? `not installed: ${missing.join(', ')} (npm run setup installs munge, slurmctld, slurmd)` : null;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

export async function startCluster(o: { cpus?: number } = {}): Promise<Cluster> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-slurm-'));
  // munged refuses a key or socket folder others can write: /tmp itself is world-writable, so a private one.
  fs.chmodSync(dir, 0o700);
  const p = (...a: string[]) => path.join(dir, ...a);
  for (const d of ['munge', 'state', 'spool', 'log']) fs.mkdirSync(p(d), { mode: 0o700 });
  const pids: number[] = [];
  const stop = (o: { keepFiles?: boolean } = {}) => {
    for (const pid of pids.splice(0).reverse()) killWait(pid);
    if (!o.keepFiles) fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    fs.writeFileSync(p('munge', 'munge.key'), randomBytes(1024), { mode: 0o400 });
    const sock = p('munge', 'munge.sock');
    // Every daemon in the foreground (-F, -D) as our own child: its pid is the one we stop, nothing escapes.
    const munged = ['-F', '--key-file', p('munge', 'munge.key'), '--socket', sock, '--pid-file', p('munge', 'munged.pid'), '--log-file', p('log', 'munged.log'), '--seed-file', p('munge', 'seed'), '--force'];
    pids.push(daemon('/usr/sbin/munged', munged, process.env));
    waitFor(() => fs.existsSync(sock), 10, () => `munged did not start:\n${logs(dir)}`);
    const host = os.hostname().split('.')[0];
    const [ctl, d] = [await freePort(), await freePort()];
    const conf = [
      'ClusterName=birqtest',
      `SlurmctldHost=${host}(127.0.0.1)`,
      `SlurmctldPort=${ctl}`,
      `SlurmdPort=${d}`,
      `AuthType=auth/munge`,
      `AuthInfo=socket=${sock}`,
      'CredType=cred/munge',
      'SlurmUser=root',
      'SlurmdUser=root',
      `StateSaveLocation=${p('state')}`,
      `SlurmdSpoolDir=${p('spool')}`,
      `SlurmctldPidFile=${p('slurmctld.pid')}`,
      `SlurmdPidFile=${p('slurmd.pid')}`,
      `SlurmctldLogFile=${p('log', 'slurmctld.log')}`,
      `SlurmdLogFile=${p('log', 'slurmd.log')}`,
      // No cgroups: a container's cgroup tree is not Slurm's to manage; processes are tracked by parent pid.
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'JobAcctGatherType=jobacct_gather/none',
      'AccountingStorageType=accounting_storage/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'SchedulerType=sched/backfill',
      // Schedule at once on every event, not on the default timers: the test waits for nothing else.
      'SchedulerParameters=sched_min_interval=0,batch_sched_delay=0',
      'MpiDefault=none',
      'ReturnToService=2',
      'SlurmdParameters=config_overrides',
      'KillWait=5',
      'MinJobAge=600',
      'InactiveLimit=0',
      `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${o.cpus ?? 2} RealMemory=2000 State=UNKNOWN`,
      `PartitionName=debug Nodes=${host} Default=YES MaxTime=INFINITE State=UP`,
    ];
    fs.writeFileSync(p('slurm.conf'), conf.join('\n') + '\n');
    fs.writeFileSync(p('cgroup.conf'), 'CgroupPlugin=autodetect\nIgnoreSystemd=yes\n');
    const env = { ...process.env, SLURM_CONF: p('slurm.conf') };
    // Logs go to the LogFiles above; -i: slurmctld ignores any state an earlier controller left.
    pids.push(daemon('/usr/sbin/slurmctld', ['-D', '-i', '-f', p('slurm.conf')], env));
    pids.push(daemon('/usr/sbin/slurmd', ['-D', '-f', p('slurm.conf')], env));
    waitFor(() => spawnSync('sinfo', ['--noheader', '-o', '%T'], { env, encoding: 'utf8' }).stdout.trim() === 'idle', 30, () => `the node never became idle:\n${logs(dir)}`);
    return { dir, env, stop };
  } catch (e) {
    stop({ keepFiles: true });
    throw e;
  }
}

function daemon(bin: string, args: string[], env: NodeJS.ProcessEnv): number {
  const child = spawn(bin, args, { env, stdio: 'ignore', detached: true });
  child.unref();
  return child.pid!;
}

function waitFor(ok: () => boolean, seconds: number, why: () => string): void {
  const until = Date.now() + seconds * 1000;
  while (!ok()) {
    if (Date.now() > until) throw new Error(why());
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
  }
}

/** Alive and not a zombie: a daemon we spawned is reaped only when the event loop runs, which waitFor blocks. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function killWait(pid: number): void {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + 10_000;
  while (alive(pid) && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** The daemons' logs, for a failure message. */
export function logs(dir: string): string {
  const d = path.join(dir, 'log');
  if (!fs.existsSync(d)) return '';
  return fs.readdirSync(d).map((f) => `--- ${f}\n${fs.readFileSync(path.join(d, f), 'utf8').split('\n').slice(-15).join('\n')}`).join('\n');
}
