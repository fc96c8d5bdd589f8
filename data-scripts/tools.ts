/**
 * System tools the builder runs. A missing tool is a BirqError naming the Debian package that provides it.
 */
import { spawnSync } from 'node:child_process';
import { fail } from '../src/util/errors';

const PACKAGE: Record<string, string> = {
  flite: 'flite', festival: 'festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts festlex-cmu festlex-poslex',
  sox: 'sox libsox-fmt-all', 'espeak-ng': 'espeak-ng libespeak-ng-dev', gcc: 'gcc libc6-dev',
  'apt-get': 'apt', 'dpkg-deb': 'dpkg',
};

/** Debian package(s) providing `tool`. */
export function debianPackage(tool: string): string {
  return PACKAGE[tool] ?? tool;
}

/** Fail clearly if any tool is missing from PATH. */
export function requireTools(tools: string[]): void {
  const missing = tools.filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (missing.length) {
    const pkgs = [...new Set(missing.map(debianPackage))].join(' ');
    fail(`missing system tool${missing.length > 1 ? 's' : ''} ${missing.join(', ')}: install with \`sudo apt-get install -y --no-install-recommends ${pkgs}\` (or \`npm run setup\`)`);
  }
}

/** Run a tool synchronously; a missing binary or non-zero exit is a BirqError with its stderr. */
export function runTool(
  tool: string,
  args: string[],
  opts: { cwd?: string; input?: string | Buffer; pkg?: string; what?: string } = {},
): Buffer {
  // The timeout turns a hung synthesizer into an error instead of a build that never ends.
  const r = spawnSync(tool, args, { cwd: opts.cwd, input: opts.input, maxBuffer: 1 << 28, timeout: 600000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT')
    fail(`${tool} not found: install the Debian package ${opts.pkg ?? debianPackage(tool)}`);
  if (r.error) fail(`${tool} ${opts.what ? `(${opts.what}) ` : ''}failed: ${r.error.message}`);
  if (r.status !== 0) {
    const err = (r.stderr?.toString() ?? '').trim().split('\n').slice(-3).join(' | ');
    fail(`${tool} ${opts.what ? `(${opts.what}) ` : ''}failed with status ${r.status}: ${err}`);
  }
  return r.stdout;
}
