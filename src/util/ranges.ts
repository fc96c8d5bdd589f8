/**
 * Accepted ranges of numeric inputs (CLI flags, config keys), described in words so that every rejection is one
 * line naming the key, the value and what is accepted: `--k: must be an integer >= 2, got 1.5`.
 */
import { BirqError } from './errors';

export interface NumberRange {
  /** Whole numbers only. */
  integer?: boolean;
  /** Inclusive bounds. */
  min?: number;
  max?: number;
  /** Exclusive bounds (value > above, value < below). */
  above?: number;
  below?: number;
}

/** 'an integer in 1..4', 'a number in [0, 1]', 'a number > 0', 'an integer >= 2', 'a number'. */
export function describeRange(r: NumberRange): string {
  const what = r.integer ? 'an integer' : 'a number';
  const lo = r.above !== undefined ? { v: r.above, open: true } : r.min !== undefined ? { v: r.min, open: false } : null;
  const hi = r.below !== undefined ? { v: r.below, open: true } : r.max !== undefined ? { v: r.max, open: false } : null;
  if (lo && hi) {
    if (r.integer && !lo.open && !hi.open) return `${what} in ${lo.v}..${hi.v}`;
    return `${what} in ${lo.open ? '(' : '['}${lo.v}, ${hi.v}${hi.open ? ')' : ']'}`;
  }
  if (lo) return `${what} ${lo.open ? '>' : '>='} ${lo.v}`;
  if (hi) return `${what} ${hi.open ? '<' : '<='} ${hi.v}`;
  return what;
}

export function inRange(v: number, r: NumberRange): boolean {
  if (!Number.isFinite(v)) return false;
  if (r.integer && !Number.isInteger(v)) return false;
  if (r.min !== undefined && !(v >= r.min)) return false;
  if (r.max !== undefined && !(v <= r.max)) return false;
  if (r.above !== undefined && !(v > r.above)) return false;
  if (r.below !== undefined && !(v < r.below)) return false;
  return true;
}

/** `name: must be <range>, got <value>` as a BirqError, unless `v` is in the range; returns `v`. */
export function checkRange(name: string, v: number, r: NumberRange): number {
  if (!inRange(v, r)) throw new BirqError(`${name}: must be ${describeRange(r)}, got ${v}`);
  return v;
}

/** A string value that must be one of `choices`. */
export function checkChoice<T extends string>(name: string, v: string, choices: readonly T[]): T {
  if (!choices.includes(v as T)) throw new BirqError(`${name}: must be one of ${choices.join(', ')}, got '${v}'`);
  return v as T;
}

/** A comma-separated list of numbers, each in the range ('0.3,0.5'). */
export function parseNumberList(name: string, raw: string, r: NumberRange = {}): number[] {
  const bad = () => new BirqError(`${name}: must be comma-separated numbers, each ${describeRange(r)}, got '${raw}'`);
  const parts = raw.split(',');
  return parts.map((x) => {
    const n = Number(x);
    if (x.trim() === '' || !inRange(n, r)) throw bad();
    return n;
  });
}
