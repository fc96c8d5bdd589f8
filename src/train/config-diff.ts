/**
 * The difference between a run's stored config and the config a resume would use, by dotted key.
 *
 * `changed`: keys whose values differ, or that the stored config has and the current one lacks (an option that
 * no longer exists cannot be honoured). `added`: keys the stored config lacks: options added to the code after
 * the run began. Every new option defaults to the behaviour that came before it, so a resume may take them.
 */
export interface ConfigDiff {
  changed: string[];
  added: string[];
}

type Tree = Record<string, unknown>;

export function configDiff(stored: object, current: object): ConfigDiff {
  const out: ConfigDiff = { changed: [], added: [] };
  walk(stored as Tree, current as Tree, '', out);
  return out;
}

function isTree(v: unknown): v is Tree {
  return Boolean(v) && typeof v === 'object' && !Array.isArray(v);
}

function walk(stored: Tree, current: Tree, prefix: string, out: ConfigDiff): void {
  for (const [k, v] of Object.entries(current)) {
    const key = prefix + k;
    if (!(k in stored)) out.added.push(key);
    else if (isTree(v) && isTree(stored[k])) walk(stored[k] as Tree, v, `${key}.`, out);
    else if (JSON.stringify(stored[k]) !== JSON.stringify(v)) out.changed.push(key);
  }
  for (const k of Object.keys(stored)) if (!(k in current)) out.changed.push(prefix + k);
}
