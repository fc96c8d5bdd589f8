#!/usr/bin/env node
/**
 * The `birq` command. Each subcommand lives in its own file and exports `run(args): Promise<number>`;
 * this file only dispatches, and turns a BirqError into one clear line and a non-zero exit (no stack trace).
 */
import { setBackendReportStream } from '../backend/report-stream';
import { BirqError } from '../util/errors';
import { HelpRequested } from './args';
import { COMMANDS } from './registry';

function usage(): string {
  const rows = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(12)} ${c.summary}`);
  return `usage: birq <command> [options]\n\ncommands:\n${rows.join('\n')}\n`;
}

export async function main(argv: string[]): Promise<number> {
  // A command's stdout is its result (JSON lines for --json): the backend's one-line report goes to stderr here.
  setBackendReportStream('stderr');
  await import('./commands'); // fills the table in registry.ts
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`birq: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await cmd.load()).run(rest);
  } catch (e) {
    if (e instanceof HelpRequested) {
      process.stdout.write(e.text);
      return 0;
    }
    if (e instanceof BirqError) {
      process.stderr.write(`birq ${name}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`birq: internal error (a bug, please report): ${(e as Error).stack ?? e}\n`);
      process.exit(70);
    },
  );
}
