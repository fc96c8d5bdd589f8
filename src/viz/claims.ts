/**
 * A notebook's self-check: the claims its prose makes, each with the number behind it, shown as a table. Any
 * claim that does not hold throws, so headless execution (`npm test`) fails on that cell and names the claim;
 * a notebook whose story stopped being true cannot pass for "ran without error".
 */
import { BirqError } from '../util/errors';
import { showTable } from './table';

export interface Claim {
  claim: string;
  ok: boolean;
  /** The number (or numbers) the claim rests on, shown beside it. */
  value?: unknown;
}

/** Every number in a value (arrays, typed arrays, plain objects, nested) is finite; an empty value is not. */
export function allFinite(x: unknown): boolean {
  let n = 0;
  const walk = (v: unknown): boolean => {
    if (typeof v === 'number') return n++, Number.isFinite(v);
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>).every(walk);
    if (Array.isArray(v)) return v.every(walk);
    if (v && typeof v === 'object') return Object.values(v).every(walk);
    return true;
  };
  return walk(x) && n > 0;
}

const show = (v: unknown): string => {
  if (v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  const s = JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isInteger(x) ? +x.toPrecision(4) : x)) ?? String(v);
  return s.length > 120 ? s.slice(0, 117) + '...' : s;
};

/** Show the claims as a table; throw a BirqError naming every claim that does not hold. */
export function checkClaims(title: string, claims: Claim[]): void {
  if (!claims.length) throw new BirqError(`${title}: no claims to check`);
  showTable(claims.map((c) => ({ claim: c.claim, holds: c.ok ? 'yes' : 'NO', value: show(c.value) })), title);
  const bad = claims.filter((c) => !c.ok);
  if (bad.length) throw new BirqError(`${title}: ${bad.length} of ${claims.length} claims do not hold: ${bad.map((c) => `${c.claim} (${show(c.value)})`).join('; ')}`);
}
