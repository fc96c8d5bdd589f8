/**
 * `npm run bench -- gpu --prepare [--out DIR] [--wasm-reference FILE]`: the GPU check as a folder that runs on a
 * GPU machine with no network and possibly no Node.js, at most 64 MiB (docs/gpu.md §2):
 *   check.cjs            the check (bench/gpu/entry.ts) and all its JavaScript, bundled by esbuild: tfjs, its cpu
 *                        and webgpu backends, the model, the tasks; no node_modules needed
 *   dawn.node.xz         Dawn's Node-API addon from the npm package `webgpu` (links libc/libstdc++; loads the
 *                        machine's libvulkan.so.1), xz-compressed
 *   webgpu-shim.cjs      stands in for the `webgpu` package's ESM index: loads dawn.node, exports create/globals
 *   node.xz              this machine's Node binary (links libc/libstdc++ only), used where no Node >= 20 is found
 *   run.sh               unpacks into a temporary folder and runs the check; arguments pass through
 *   wasm-reference.json  the wasm figure of the same check on the 2-core machine, when given
 *   manifest.json        versions, commit, sizes and sha256 of each file
 * The folder is an output (gitignored `/out/`), never committed.
 */
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BirqError } from '../../src/util/errors';

const ROOT = path.resolve(__dirname, '../..');
const LIMIT = 64 * 1024 * 1024;

export interface PrepareOptions {
  out?: string;
  wasmReference?: string;
}

export async function prepareFolder(o: PrepareOptions): Promise<number> {
  const out = path.resolve(o.out ?? path.join(ROOT, 'out', 'gpu-check'));
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const say = (m: string) => process.stderr.write(`[gpu --prepare] ${m}\n`);

  // esbuild ships with tsx (a dependency); its API bundles TypeScript directly.
  const esbuild = require('esbuild') as typeof import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(__dirname, 'entry.ts')], outfile: path.join(out, 'check.cjs'), bundle: true, platform: 'node', format: 'cjs',
    target: 'node20', minify: true, legalComments: 'none', logLevel: 'warning',
    // Loaded at run time or never on a GPU machine: Dawn (the shim), the native tfjs packages and wasm (the ladder
    // reports them missing), and the wasm heap kernels' headers.
    external: ['webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-backend-wasm', 'node-api-headers/package.json'],
  });
  say(`check.cjs: ${mb(path.join(out, 'check.cjs'))}`);

  const dawn = path.join(path.dirname(require.resolve('webgpu/package.json')), 'dist', `${process.platform}-${process.arch}`, 'dawn.node');
  if (!fs.existsSync(dawn)) throw new BirqError(`no dawn.node for ${process.platform}-${process.arch} in the webgpu package`, dawn);
  xz(dawn, path.join(out, 'dawn.node.xz'));
  say(`dawn.node.xz: ${mb(path.join(out, 'dawn.node.xz'))}`);
  fs.writeFileSync(path.join(out, 'webgpu-shim.cjs'), SHIM);
  xz(process.execPath, path.join(out, 'node.xz'));
  say(`node.xz (Node ${process.versions.node}): ${mb(path.join(out, 'node.xz'))}`);
  fs.writeFileSync(path.join(out, 'run.sh'), RUN_SH, { mode: 0o755 });
  if (o.wasmReference) {
    const lines = fs.readFileSync(o.wasmReference, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const ref = lines.find((l) => l.check === 'throughput' && l.fits && l.batch === 8) ?? lines.find((l) => l.check === 'throughput' && l.fits);
    if (!ref) throw new BirqError('--wasm-reference: no fitting throughput line in it (the output of BIRQ_BACKEND=wasm npm run bench -- gpu --no-check)', o.wasmReference);
    fs.writeFileSync(path.join(out, 'wasm-reference.json'), JSON.stringify({ ...ref, source: path.resolve(o.wasmReference) }, null, 2) + '\n');
  }
  const files = fs.readdirSync(out).sort();
  const manifest = {
    what: 'BiRQ Lab GPU check (docs/gpu.md)', commit: git(['rev-parse', 'HEAD']), dirty: git(['status', '--porcelain', '--untracked-files=no']) !== '',
    node: process.versions.node, versions: versionsOf(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', 'webgpu', 'esbuild']), prepared: new Date().toISOString(),
    files: Object.fromEntries(files.map((f) => [f, { bytes: fs.statSync(path.join(out, f)).size, sha256: crypto.createHash('sha256').update(fs.readFileSync(path.join(out, f))).digest('hex') }])),
  };
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  const total = fs.readdirSync(out).reduce((s, f) => s + fs.statSync(path.join(out, f)).size, 0);
  if (total > LIMIT) throw new BirqError(`the folder is ${(total / 1048576).toFixed(1)} MiB, over the 64 MiB that may travel`, out);
  say(`${out}: ${(total / 1048576).toFixed(1)} MiB (limit 64). Copy it to the GPU machine and run ./run.sh there (docs/gpu.md).`);
  process.stdout.write(JSON.stringify({ prepared: out, mib: Math.round((total / 1048576) * 10) / 10, files: manifest.files }) + '\n');
  return 0;
}

function xz(src: string, dst: string): void {
  const r = spawnSync('xz', ['-T2', '-6', '-c', src], { maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new BirqError(`xz failed on ${src}: ${r.error?.message ?? r.stderr?.toString().trim()} (Debian: apt-get install xz-utils)`);
  fs.writeFileSync(dst, r.stdout);
}

function mb(f: string): string {
  return `${(fs.statSync(f).size / 1048576).toFixed(1)} MiB`;
}

function git(args: string[]): string {
  return (spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout || '').trim();
}

function versionsOf(pkgs: string[]): Record<string, string> {
  return Object.fromEntries(pkgs.map((p) => [p, (require(`${p}/package.json`) as { version: string }).version]));
}

// The `webgpu` package's index is ESM and finds dawn.node next to itself; the bundle needs only create and globals.
const SHIM = `'use strict';
// Stands in for the npm package webgpu (its index.js is ESM): Dawn's addon, unpacked beside this file by run.sh.
const { create, globals } = require(require('node:path').join(__dirname, 'dawn.node'));
module.exports = { create, globals };
`;

const RUN_SH = `#!/bin/sh
# BiRQ Lab GPU check (docs/gpu.md). Needs no network and no Node.js: unpacks Dawn (and Node, where no Node >= 20
# is on PATH) into a temporary folder and runs check.cjs. Arguments pass through (./run.sh --help).
# BIRQ_CHECK_NODE=/path/to/node picks a Node; TMPDIR picks where to unpack (~120 MiB).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "\${TMPDIR:-/tmp}/birq-gpu-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
unxz_to() {
  if command -v xz >/dev/null 2>&1; then xz -dc "$1" > "$2"
  elif command -v python3 >/dev/null 2>&1; then python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"
  else echo "run.sh: need xz or python3 to unpack $1" >&2; exit 1; fi
}
node="\${BIRQ_CHECK_NODE:-}"
if [ -z "$node" ] && command -v node >/dev/null 2>&1 && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then node=node; fi
if [ -z "$node" ]; then unxz_to "$here/node.xz" "$tmp/node"; chmod +x "$tmp/node"; node="$tmp/node"; fi
mkdir -p "$tmp/node_modules/webgpu"
unxz_to "$here/dawn.node.xz" "$tmp/node_modules/webgpu/dawn.node"
cp "$here/webgpu-shim.cjs" "$tmp/node_modules/webgpu/index.js"
[ -f "$here/wasm-reference.json" ] && export BIRQ_WASM_REFERENCE="$here/wasm-reference.json"
echo "[gpu check] node $("$node" --version), unpacked in $tmp" >&2
NODE_PATH="$tmp/node_modules" "$node" "$here/check.cjs" "$@"
`;
