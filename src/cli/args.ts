import { BirqError } from '../util/errors';
import { checkChoice, checkRange, describeRange, NumberRange, parseNumberList } from '../util/ranges';

/**
 * Minimal typed flag parser: `--name value`, `--flag`, `--set k=v` (repeatable). Unknown flags are an error that
 * names the flag and lists the known ones. The spec is where a command states what each flag accepts: `range`
 * for numbers (and each item of a comma-separated 'numbers' list), `choices` for strings; an empty value is an
 * error unless `allowEmpty`. Every rejection is one line naming the flag, the value and the accepted range.
 */
export interface FlagSpec {
  [name: string]: {
    type: 'string' | 'number' | 'numbers' | 'boolean' | 'list';
    help?: string;
    range?: NumberRange;
    choices?: readonly string[];
    allowEmpty?: boolean;
  };
}

export type Flags = Record<string, string | number | boolean | string[] | number[] | undefined>;

/** Thrown by parseFlags on --help / -h; the dispatcher prints `text` and exits 0. */
export class HelpRequested extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

export function flagsUsage(cmd: string, spec: FlagSpec): string {
  const kind = (s: FlagSpec[string]) => s.choices ? s.choices.join('|') : s.type === 'list' ? 'value, repeatable' : s.type === 'numbers' ? 'n[,n...]' : s.type;
  const accepts = (s: FlagSpec[string]) => (s.range ? ` (${describeRange(s.range)})` : '');
  const rows = Object.entries(spec).map(([n, s]) => `  --${n}${s.type === 'boolean' ? '' : ` <${kind(s)}>`}${s.help ? `  ${s.help}` : ''}${accepts(s)}`);
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
    if (value === '' && !s.allowEmpty) throw new BirqError(`--${name}: must not be empty${s.range ? ` (${describeRange(s.range)})` : s.choices ? ` (one of ${s.choices.join(', ')})` : ''}, got ''`);
    if (s.type === 'number') {
      const n = Number(value);
      const range = s.range ?? {};
      if (!Number.isFinite(n)) throw new BirqError(`--${name}: must be ${describeRange(range)}, got '${value}'`);
      flags[name] = checkRange(`--${name}`, n, range);
    } else if (s.type === 'numbers') {
      flags[name] = parseNumberList(`--${name}`, value, s.range);
    } else if (s.type === 'list') {
      ((flags[name] as string[] | undefined) ?? (flags[name] = [] as string[]) as string[]).push(value);
    } else flags[name] = s.choices ? checkChoice(`--${name}`, value, s.choices) : value;
  }
  return { flags, positional };
}
