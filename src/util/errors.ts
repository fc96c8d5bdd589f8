/**
 * User-facing errors. The CLI prints `BirqError` as one line (file: problem) and exits non-zero, never a stack
 * trace; anything else is a bug and keeps its stack.
 */
export class BirqError extends Error {
  constructor(message: string, readonly file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'BirqError';
  }
}

/** Throw a BirqError naming the file and the problem. */
export function fail(problem: string, file?: string): never {
  throw new BirqError(problem, file);
}

/** Shape check for public tensor entry points: the error names the function and both shapes. */
export function assertShape(fn: string, what: string, got: readonly number[], want: readonly (number | null)[]): void {
  const ok = got.length === want.length && want.every((w, i) => w === null || w === got[i]);
  if (!ok) {
    const w = want.map((x) => (x === null ? '?' : x)).join(', ');
    throw new BirqError(`${fn}: ${what} has shape [${got.join(', ')}], expected [${w}]`);
  }
}
