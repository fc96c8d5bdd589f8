/**
 * Entry of the bundled GPU check (bench/gpu/prepare.ts bundles this file with esbuild into check.cjs). run.sh
 * calls it with the folder's wasm-reference.json, if any, in BIRQ_WASM_REFERENCE.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PRETRAIN_PRESETS } from '../../src/train/config';
import { BirqError } from '../../src/util/errors';
import { HelpRequested } from '../../src/cli/args';
import { checkArgs } from './args';
import { gpuCheck } from './check';

async function main(): Promise<number> {
  const ref = process.env.BIRQ_WASM_REFERENCE;
  const wasm = ref && fs.existsSync(ref) ? (JSON.parse(fs.readFileSync(ref, 'utf8')) as Record<string, unknown>) : null;
  // The bundle cannot read packages' versions; the folder's manifest names them and the commit.
  const manifest = path.join(__dirname, 'manifest.json');
  if (fs.existsSync(manifest)) {
    const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as Record<string, unknown>;
    process.stdout.write(JSON.stringify({ check: 'bundle', commit: m.commit, dirty: m.dirty, prepared: m.prepared, node_prepared: m.node, node_running: process.versions.node, versions: m.versions }) + '\n');
  }
  try {
    const o = checkArgs(process.argv.slice(2), Object.keys(PRETRAIN_PRESETS), wasm);
    return (await gpuCheck(o, (row) => process.stdout.write(JSON.stringify(row) + '\n'))) ? 0 : 1;
  } catch (e) {
    if (e instanceof HelpRequested) return process.stdout.write(e.text), 0;
    if (e instanceof BirqError) return process.stderr.write(`gpu check: ${e.message}\n`), 2;
    throw e;
  }
}

main().then((c) => process.exit(c), (e) => (process.stderr.write(`gpu check: ${(e as Error).stack ?? e}\n`), process.exit(70)));
