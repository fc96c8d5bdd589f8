/**
 * `birq pretrain --preset NAME [--config FILE] [--set key=value ...] [--run-dir DIR] [--resume] [--list]`
 * Self-supervised pretraining (BEST-RQ or BiRQ) into a run directory (src/train/run-dir.ts).
 */
import * as path from 'node:path';
import { applyConfigObject, applyOverride, configKeys, PRETRAIN_PRESETS, presetConfig, validateConfig } from '../train/config';
import { train } from '../train/loop';
import { readJson, readJsonl } from '../util/fs';
import { runsRoot } from '../util/paths';
import { parseFlags } from './args';

export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('pretrain', args, {
    preset: { type: 'string', help: 'named preset (--list shows them)' },
    config: { type: 'string', help: 'JSON file with config overrides' },
    set: { type: 'list', help: 'key=value override, repeatable' },
    'run-dir': { type: 'string' },
    resume: { type: 'boolean' },
    list: { type: 'boolean' },
    quiet: { type: 'boolean' },
    'skip-bad': { type: 'boolean', help: 'use the good part of a corpus with problems (default: refuse, listing them)' },
  });
  if (flags['skip-bad']) process.env.BIRQ_SKIP_BAD = '1';
  if (flags.list || !flags.preset) {
    const rows = Object.entries(PRETRAIN_PRESETS).map(([n, p]) => `  ${n.padEnd(16)} ${p.what}`);
    process.stdout.write(`presets:\n${rows.join('\n')}\n\nconfig keys (--set key=value):\n  ${configKeys(presetConfig('smoke')).join('\n  ')}\n`);
    return flags.list ? 0 : 2;
  }
  const preset = flags.preset as string;
  let c = presetConfig(preset);
  if (flags.config) c = applyConfigObject(c, readJson(flags.config as string, 'config file'), `${flags.config}: `);
  for (const s of (flags.set as string[] | undefined) ?? []) c = applyOverride(c, s);
  validateConfig(c);
  const runDir = (flags['run-dir'] as string | undefined) ?? path.join(runsRoot(), `${preset}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  process.stderr.write(`[birq] pretrain ${preset} (${c.task}) -> ${runDir}\n`);
  const r = await train({ config: c, runDir, preset, resume: Boolean(flags.resume), quiet: Boolean(flags.quiet) });
  // A resumed run that had nothing left to train logs no step here: its last logged step is in metrics.jsonl.
  const last = r.metrics[r.metrics.length - 1] ?? readJsonl<Record<string, number>>(path.join(r.runDir, 'metrics.jsonl')).pop();
  process.stdout.write(JSON.stringify({ runDir: r.runDir, step: r.lastStep, checkpoint: r.checkpoint, last }) + '\n');
  return 0;
}
