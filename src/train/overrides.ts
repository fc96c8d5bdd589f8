/**
 * The one `--set key=value` parser, shared by every stage's config (pretraining, relabeling, fine-tuning): a
 * dotted key is checked against the config's own structure (an unknown key is an error naming it and listing
 * the known ones), the value is typed by what the config holds there (number, boolean, string, or one of
 * `choices`), and a section cannot be overwritten as a whole.
 */
import { BirqError } from '../util/errors';

export interface OverrideRules {
  /** Allowed values of string fields, by dotted key. */
  choices?: Record<string, readonly string[]>;
  /** Prefix of every message, e.g. the config file being read. */
  where?: string;
  /** Which config, in messages: 'config' or 'fine-tune config'. */
  kind?: string;
}

function parseValue(key: string, raw: unknown, like: unknown, r: OverrideRules): unknown {
  const bad = (why: string) => new BirqError(`${r.where ?? ''}${key}: ${why}, got '${String(raw)}'`);
  if (typeof like === 'number') {
    // A JSON true, null or [5] is a wrong type, not 1, 0 or 5 (Number() would take them).
    if (typeof raw !== 'number' && typeof raw !== 'string') throw bad('needs a number');
    const n = typeof raw === 'number' ? raw : Number(raw);
    if (typeof raw === 'string' && raw.trim() === '') throw bad('needs a number');
    if (!Number.isFinite(n)) throw bad('needs a number');
    return n;
  }
  if (typeof like === 'boolean') {
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    throw bad('needs true or false');
  }
  if (typeof raw !== 'string') throw bad('needs a string');
  const choices = r.choices?.[key];
  if (choices && !choices.includes(raw)) throw bad(`must be one of ${choices.join(', ')}`);
  return raw;
}

/** A copy of `c` with the dotted `key` set from `raw` (a string from the command line, or a JSON value). */
export function setConfigKey<T extends object>(c: T, key: string, raw: unknown, r: OverrideRules = {}): T {
  const where = r.where ?? '';
  const kind = r.kind ?? 'config';
  const out = structuredClone(c);
  const parts = key.split('.');
  let node = out as unknown as Record<string, unknown>;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    const sub = parts.slice(0, i + 1).join('.');
    if (!(p in node)) {
      const known = Object.keys(node).join(', ');
      throw new BirqError(`${where}unknown ${kind} key '${sub}' (known${i ? ` under ${parts.slice(0, i).join('.')}` : ''}: ${known})`);
    }
    if (i === parts.length - 1) {
      if (node[p] && typeof node[p] === 'object') throw new BirqError(`${where}${kind} key '${key}' is a section, set one of its fields`);
      node[p] = parseValue(key, raw, node[p], r);
    } else {
      if (!node[p] || typeof node[p] !== 'object') throw new BirqError(`${where}unknown ${kind} key '${key}' ('${sub}' is not a section)`);
      node = node[p] as Record<string, unknown>;
    }
  }
  return out;
}

/** `key=value` (one `--set`). */
export function applySetting<T extends object>(c: T, assignment: string, r: OverrideRules = {}): T {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new BirqError(`${r.where ?? ''}--set needs key=value, got '${assignment}'`);
  return setConfigKey(c, assignment.slice(0, eq).trim(), assignment.slice(eq + 1), r);
}

/** Merge a (partial) config object, e.g. from a JSON file, with the same checks as --set. */
export function applySettingsObject<T extends object>(c: T, obj: unknown, r: OverrideRules = {}): T {
  let out = c;
  const walk = (o: unknown, prefix: string) => {
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw new BirqError(`${r.where ?? ''}${prefix || 'config'} must be an object`);
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
      const key = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object' && !Array.isArray(v)) walk(v, key);
      else out = setConfigKey(out, key, v, r);
    }
  };
  walk(obj, '');
  return out;
}
