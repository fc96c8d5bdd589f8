#!/usr/bin/env node
/**
 * Mesa's CPU Vulkan driver (lavapipe), unpacked privately into the cache, so WebGPU (Dawn, npm `webgpu`) runs on a
 * machine without a GPU: the webgpu tests of `npm test` and `BIRQ_BACKEND=webgpu` on a laptop (docs/gpu.md §3).
 *
 * Why this way (docs/tfjs-wasm.md §5): Dawn refuses bookworm's own lavapipe (Mesa 22.3: "Vulkan
 * shaderUniform*ArrayDynamicIndexing required"); bookworm-backports' (Mesa 25.0) works. Installing that one
 * would upgrade a dozen Mesa packages system-wide, so we download the one .deb with a private apt state (its own
 * source list and lists directory: the system's apt lists and sources are untouched), unpack it with
 * `dpkg-deb -x`, and write an ICD json that points at the unpacked `libvulkan_lvp.so`. The backend adds that
 * ICD through VK_ADD_DRIVER_FILES (src/backend/webgpu.ts), which adds a driver without hiding a real GPU.
 *
 * Uses Node built-ins only (it runs from setup). Idempotent: does nothing when the ICD is already there.
 *   node scripts/lavapipe.cjs [--dir DIR]    prints the ICD file's path on stdout; exit 1 with the reason otherwise
 * DIR defaults to $BIRQ_CACHE/lavapipe (BIRQ_CACHE: $XDG_CACHE_HOME/birq-lab, or ~/.cache/birq-lab).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const SUITE = 'bookworm-backports';
const PACKAGE = 'mesa-vulkan-drivers';

function cacheRoot() {
  return process.env.BIRQ_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'birq-lab');
}

function defaultDir() {
  return path.join(cacheRoot(), 'lavapipe');
}

/** The ICD json of an installed private lavapipe, or null. */
function installedIcd(dir = defaultDir()) {
  const icd = path.join(dir, 'lvp_icd.json');
  if (!fs.existsSync(icd)) return null;
  try {
    const lib = JSON.parse(fs.readFileSync(icd, 'utf8')).ICD.library_path;
    return fs.existsSync(lib) ? icd : null;
  } catch {
    return null;
  }
}

/** The Debian mirror apt already uses (deb822 sources first, then sources.list). */
function mirror() {
  const files = [];
  const d = '/etc/apt/sources.list.d';
  if (fs.existsSync(d)) files.push(...fs.readdirSync(d).filter((f) => f.endsWith('.sources')).map((f) => path.join(d, f)));
  for (const f of files) {
    const m = fs.readFileSync(f, 'utf8').match(/^URIs:\s*(\S+)/m);
    if (m && !/security/.test(m[1])) return m[1];
  }
  if (fs.existsSync('/etc/apt/sources.list')) {
    const m = fs.readFileSync('/etc/apt/sources.list', 'utf8').match(/^deb\s+(?:\[[^\]]*\]\s+)?(\S+)/m);
    if (m) return m[1];
  }
  return null;
}

function run(argv, opts = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${argv.slice(0, 3).join(' ')} failed: ${(r.stderr || r.stdout || r.error?.message || '').trim().split('\n').slice(-2).join(' ')}`);
  return r.stdout;
}

/** Download and unpack lavapipe into `dir`; returns the ICD json's path. Throws with the reason. */
function install(dir = defaultDir()) {
  const have = installedIcd(dir);
  if (have) return have;
  if (process.platform !== 'linux') throw new Error(`lavapipe is a Linux driver (this is ${process.platform})`);
  for (const tool of ['apt-get', 'apt-cache', 'dpkg-deb']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} not found: lavapipe comes from Debian's ${SUITE}`);
  }
  const uri = mirror();
  if (!uri) throw new Error("no Debian mirror in apt's sources (/etc/apt/sources.list.d/*.sources or /etc/apt/sources.list)");
  const keyring = '/usr/share/keyrings/debian-archive-keyring.gpg';
  const apt = path.join(dir, 'apt');
  for (const sub of ['lists/partial', 'cache/archives/partial']) fs.mkdirSync(path.join(apt, sub), { recursive: true });
  const signed = fs.existsSync(keyring) ? `[signed-by=${keyring}] ` : '';
  fs.writeFileSync(path.join(apt, 'sources.list'), `deb ${signed}${uri} ${SUITE} main\n`);
  // A private apt: its own source list and lists, so neither the system's sources nor its lists change.
  const o = [
    '-o', `Dir::Etc::SourceList=${path.join(apt, 'sources.list')}`, '-o', 'Dir::Etc::SourceParts=/dev/null',
    '-o', `Dir::State::Lists=${path.join(apt, 'lists')}`, '-o', `Dir::Cache=${path.join(apt, 'cache')}`,
    '-o', 'Debug::NoLocking=1',
  ];
  run(['apt-get', ...o, '-q', 'update']);
  const madison = run(['apt-cache', ...o, 'madison', PACKAGE]);
  const line = madison.split('\n').find((l) => l.includes(SUITE));
  const version = line?.split('|')[1]?.trim();
  if (!version) throw new Error(`${PACKAGE} is not in ${SUITE} at ${uri}`);
  for (const f of fs.readdirSync(apt)) if (f.endsWith('.deb')) fs.rmSync(path.join(apt, f));
  run(['apt-get', ...o, '-q', 'download', `${PACKAGE}=${version}`], { cwd: apt });
  const deb = fs.readdirSync(apt).find((f) => f.startsWith(`${PACKAGE}_`) && f.endsWith('.deb'));
  if (!deb) throw new Error(`apt-get download left no ${PACKAGE} .deb`);
  const root = path.join(dir, 'root');
  fs.rmSync(root, { recursive: true, force: true });
  run(['dpkg-deb', '-x', path.join(apt, deb), root]);
  fs.rmSync(path.join(apt, deb));
  const find = (d, test) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        const hit = find(p, test);
        if (hit) return hit;
      } else if (test(e.name)) return p;
    }
    return null;
  };
  const lib = find(root, (n) => n === 'libvulkan_lvp.so');
  const icdIn = find(root, (n) => /^lvp_icd.*\.json$/.test(n));
  if (!lib || !icdIn) throw new Error(`${deb} holds no libvulkan_lvp.so and lvp_icd json`);
  // Its shared libraries come from the system (LLVM, libdrm, xcb, zstd, ...): name the ones missing, if any.
  const ldd = spawnSync('ldd', [lib], { encoding: 'utf8' });
  const missing = (ldd.stdout || '').split('\n').filter((l) => l.includes('not found')).map((l) => l.trim().split(' ')[0]);
  if (missing.length) throw new Error(`${path.basename(lib)} from ${deb} needs ${missing.join(', ')}, not installed on this system (${PACKAGE}'s Depends: apt-cache ${o.join(' ')} show ${PACKAGE}=${version})`);
  // The package holds every Mesa Vulkan driver (radeon, intel, ...); only lavapipe is used.
  const libDir = path.dirname(lib);
  for (const f of fs.readdirSync(libDir)) if (/^libvulkan_.*\.so$/.test(f) && f !== 'libvulkan_lvp.so') fs.rmSync(path.join(libDir, f));
  const icd = JSON.parse(fs.readFileSync(icdIn, 'utf8'));
  icd.ICD.library_path = lib;
  const out = path.join(dir, 'lvp_icd.json');
  fs.writeFileSync(out, JSON.stringify(icd, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'VERSION'), `${PACKAGE} ${version} (${SUITE})\n`);
  return out;
}

/**
 * `install`, recording a failure's reason in DIR/install-error.txt (removed on success), so that the backend and the
 * webgpu tests can say why there is no adapter instead of only that there is none.
 */
function installOrRecord(dir = defaultDir()) {
  const errFile = path.join(dir, 'install-error.txt');
  try {
    const icd = install(dir);
    fs.rmSync(errFile, { force: true });
    return { icd, error: null };
  } catch (e) {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(errFile, `${new Date().toISOString()} ${e.message}\n`);
    return { icd: null, error: e.message };
  }
}

if (require.main === module) {
  const i = process.argv.indexOf('--dir');
  const dir = i > 0 ? path.resolve(process.argv[i + 1]) : defaultDir();
  const r = installOrRecord(dir);
  if (r.error) {
    process.stderr.write(`lavapipe: ${r.error}\n`);
    process.exit(1);
  }
  process.stdout.write(r.icd + '\n');
}
module.exports = { install, installOrRecord, installedIcd, defaultDir };
