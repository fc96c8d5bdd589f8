/**
 * `birq inspect rpq|masking|gradient-flow|layer-tap [--preset NAME] [--set key=value ...] [--json]`: the numbers
 * notebooks 02 and 03 draw (src/inspect/diagnostics.ts), on one batch of the preset's data source.
 */
import { initBackend } from '../backend';
import { applyOverride, PRETRAIN_PRESETS, presetConfig, validateConfig } from '../train/config';
import { gradientFlowAsync, layerTapAsync, maskingPicture, rpqUsageAsync } from '../inspect/diagnostics';
import { makeSource } from '../train/factory';
import { BirqError } from '../util/errors';
import { parseFlags } from './args';

export async function run(args: string[]): Promise<number> {
  const { flags, positional } = parseFlags('inspect', args, { preset: { type: 'string', choices: Object.keys(PRETRAIN_PRESETS) }, set: { type: 'list' }, json: { type: 'boolean' } });
  let c = presetConfig((flags.preset as string | undefined) ?? 'smoke');
  for (const s of (flags.set as string[] | undefined) ?? []) c = applyOverride(c, s);
  validateConfig(c);
  await initBackend({ quiet: true });
  const batch = makeSource(c).batchAt(0);
  const what = positional[0];
  let rows: unknown[];
  if (what === 'rpq') rows = (await rpqUsageAsync(batch, [64, 1024, 8192])).map(({ usage: _u, ...r }) => r);
  else if (what === 'masking') {
    const p = maskingPicture(batch, c);
    rows = [{ measured: p.measured, expected: p.expected, interiorRate: p.interiorRate }];
  } else if (what === 'gradient-flow') rows = (await gradientFlowAsync(batch, c)).map((r) => ({ mode: r.mode, ...r.norms }));
  else if (what === 'layer-tap') rows = await layerTapAsync(batch, c);
  else throw new BirqError(`inspect: choose rpq, masking, gradient-flow or layer-tap (got '${what ?? ''}')`);
  for (const r of rows) process.stdout.write((flags.json ? JSON.stringify(r) : Object.entries(r as object).map(([k, v]) => `${k}=${typeof v === 'number' ? v.toPrecision(4) : JSON.stringify(v)}`).join('  ')) + '\n');
  return 0;
}
