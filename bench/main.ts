/**
 * `npm run bench -- <name> [args]`: benchmarks print one JSON line per result with --json.
 * Each bench/<name>.ts exports `run(args): Promise<number>`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BirqError } from '../src/util/errors';

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  const names = fs.readdirSync(__dirname).filter((f) => f.endsWith('.ts') && f !== 'main.ts').map((f) => f.slice(0, -3));
  if (!name || !names.includes(name)) {
    process.stderr.write(`usage: npm run bench -- <${names.join('|')}> [--json]\n`);
    return 2;
  }
  try {
    return await (require(path.join(__dirname, name)) as { run(a: string[]): Promise<number> }).run(rest);
  } catch (e) {
    if (e instanceof BirqError) {
      process.stderr.write(`bench ${name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

main().then((c) => process.exit(c));
