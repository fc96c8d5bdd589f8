import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HelpRequested, parseFlags } from '../../src/cli/args';
import { BirqError } from '../../src/util/errors';

const spec = { steps: { type: 'number' as const, help: 'how many' }, set: { type: 'list' as const }, json: { type: 'boolean' as const } };

test('flags parse by type; unknown options and bad numbers are BirqErrors naming them', () => {
  const { flags, positional } = parseFlags('x', ['a', '--steps', '5', '--set', 'k=1', '--set=k2=2', '--json', 'b'], spec);
  assert.deepEqual(flags, { steps: 5, set: ['k=1', 'k2=2'], json: true });
  assert.deepEqual(positional, ['a', 'b']);
  assert.throws(() => parseFlags('x', ['--stepz', '1'], spec), (e: unknown) => e instanceof BirqError && /--stepz.*--steps/.test((e as Error).message));
  assert.throws(() => parseFlags('x', ['--steps', 'many'], spec), /--steps: must be a number, got 'many'/);
  assert.throws(() => parseFlags('x', ['--steps'], spec), /needs a value/);
});

test('--help lists every option with its help', () => {
  assert.throws(() => parseFlags('x', ['--help'], spec), (e: unknown) => e instanceof HelpRequested && /--steps <number>  how many/.test((e as HelpRequested).text) && /--json/.test((e as HelpRequested).text));
});
