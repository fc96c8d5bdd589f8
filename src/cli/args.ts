import { BirqError } from '../util/errors';

/**
 * Minimal typed flag parser: `--name value`, `--flag`, `--set k=v` (repeatable). Unknown flags are an error that
 * names the flag and lists the known ones.
 */
export interface FlagSpec {
  [name: string]: { type: 'string' | 'number' | 'boolean' | 'list'; help?: string };
}

export type Flags = Record<string, string | number | boolean | string[] | undefined>;

/** Thrown by parseFlags on --help / -h; the dispatcher prints `text` and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

export function flagsUsage(cmd: string, spec: FlagSpec): string {
  const rows = Object.entries(spec).map(([n, s]) => `  --${n}${s.type === 'boolean' ? '' : ` <${s.type === 'list' ? 'value, repeatable' : s.type}>`}${s.help ? `  ${s.help}` : ''}`);
  return `usage: birq ${cmd} [options]\n\noptions:\n${rows.join('\n')}\n`;
}

export function parseFlags(cmd: string, args: string[], spec: FlagSpec): { flags: Flags; positional: string[] } {
  if (args.includes('--help') || args.includes('-h')) throw new HelpRequested(flagsUsage(cmd, spec));
  const flags: Flags = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    let name = a.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const s = spec[name];
    if (!s) throw new BirqError(`${cmd}: unknown option --${name} (known: ${Object.keys(spec).map((k) => '--' + k).join(', ')})`);
    if (s.type === 'boolean') {
      flags[name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) throw new BirqError(`${cmd}: option --${name} needs a value`);
    }
    if (s.type === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) throw new BirqError(`${cmd}: option --${name} needs a number, got '${value}'`);
      flags[name] = n;
    } else if (s.type === 'list') {
      ((flags[name] as string[] | undefined) ?? (flags[name] = [] as string[]) as string[]).push(value);
    } else flags[name] = value;
  }
  return { flags, positional };
}
