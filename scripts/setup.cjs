#!/usr/bin/env node
/**
 * One idempotent setup step, run before `npm test` and `npm start` (and alone as `npm run setup`):
 *   1. Debian packages the project needs (Jupyter for headless notebooks, speech synthesizers and sox for the
 *      built-in corpus, Slurm and munge for the cluster executor's test), through apt when missing: as root, or
 *      through sudo; otherwise a message naming them.
 *   2. `npm ci` when node_modules does not match package-lock.json.
 *   3. Build dist/ and link it as the package `birq-lab` (how notebooks import the project).
 *   4. A project-local tslab kernelspec in .jupyter/ pointing at this project's tslab (no global tslab needed).
 *   5. Where Dawn (npm `webgpu`) finds no GPU adapter: Mesa's CPU Vulkan driver (lavapipe) unpacked privately into
 *      the cache (scripts/lavapipe.cjs), so the webgpu tests run here (docs/gpu.md §3). Nothing system-wide.
 * Uses Node built-ins only: it runs before node_modules exists.
 * Options: --with-references also installs python3-torch, python3-torchaudio, python3-sklearn, sctk and OpenBLAS (golden-fixture
 * regeneration and a fair PyTorch side of the benchmarks); --no-apt skips step 1.
 */
'use strict';
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const root = path.resolve(__dirname, '..');
const args = process.argv.slice(2);
const log = (msg) => process.stderr.write(`[setup] ${msg}\n`);

const APT_CORE = [
  // headless notebooks (nbconvert + nbclient drive the tslab kernel)
  'jupyter-nbconvert', 'jupyter-client', 'python3-nbclient', 'python3-ipykernel',
  // the built-in corpus (docs/data.md §2)
  'flite', 'festival', 'festvox-kallpc16k', 'festvox-kdlpc16k', 'festvox-us-slt-hts', 'festlex-cmu', 'festlex-poslex',
  'espeak-ng', 'libespeak-ng-dev', 'sox', 'libsox-fmt-all', 'gcc', 'libc6-dev',
  // the wasm backend's native heap kernels (src/backend/native-kernels.ts): matMul through OpenBLAS. Debian's
  // torch also uses it through libblas.so.3; without it that is the netlib reference BLAS, ~15x slower, which
  // would make every speed ratio against PyTorch flatter us.
  'libopenblas0-pthread',
  // WebGPU (npm `webgpu`, Dawn) loads the Vulkan loader at run time; the driver is the GPU's, or lavapipe (step 5)
  'libvulkan1',
  // the Slurm executor's test (test/experiments/slurm.test.ts) starts a one-node cluster on localhost from these;
  // their services stay off (no /etc/slurm/slurm.conf), the test writes its own config in a temporary folder
  'slurmctld', 'slurmd', 'slurm-client', 'munge',
];
const APT_REFERENCES = ['python3-torch', 'python3-torchaudio', 'python3-sklearn', 'sctk'];

function missingDebs(pkgs) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${db:Status-Status}\n', ...pkgs], { encoding: 'utf8' });
  const installed = new Set(
    (r.stdout || '').split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]),
  );
  return pkgs.filter((p) => !installed.has(p));
}

function aptInstall(pkgs) {
  const missing = missingDebs(pkgs);
  if (missing.length === 0) return true;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasSudo = !isRoot && spawnSync('sudo', ['-n', 'true']).status === 0;
  if (!isRoot && !hasSudo) {
    log(`missing Debian packages: ${missing.join(' ')}`);
    log(`install them with: sudo apt-get install -y --no-install-recommends ${missing.join(' ')}`);
    return false;
  }
  const pre = isRoot ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`apt-get install ${missing.join(' ')}`);
  const run = (argv) => spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'], env }).status === 0;
  const cmd = (a) => [...pre, ...a];
  let ok = run(cmd(['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...missing]));
  if (!ok) ok = run(cmd(['apt-get', 'update', '-q'])) && run(cmd(['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...missing]));
  if (!ok) log(`apt-get could not install: ${missingDebs(missing).join(' ')}`);
  return ok;
}

/**
 * The corpus builder `apt-get download`s r-cran-janeaustenr (the Austen texts; downloaded, never installed, so it
 * pulls in no R). That needs the package in apt's lists: refresh them once if it is missing.
 */
function ensureAptKnows(pkg) {
  const known = () => /Candidate: (?!\(none\))/.test(spawnSync('apt-cache', ['policy', pkg], { encoding: 'utf8' }).stdout || '');
  if (known()) return true;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pre = isRoot ? [] : ['sudo', '-n'];
  log(`apt-get update (apt does not know ${pkg} yet)`);
  const argv = [...pre, 'apt-get', 'update', '-q'];
  spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
  if (!known()) log(`apt cannot find ${pkg}: the corpus builder needs it (Debian main)`);
  return known();
}

function sha(file) {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

function npmCi() {
  const stamp = path.join(root, 'node_modules', '.birq-setup-lock-sha');
  const want = sha(path.join(root, 'package-lock.json'));
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === want) return true;
  log('npm ci');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) return false;
  fs.writeFileSync(stamp, want);
  return true;
}

function build() {
  log('build dist/ (tsc) and link it as birq-lab');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) return false;
  require('./link-package.cjs').linkPackage(root);
  return true;
}

function kernelspec() {
  const dir = path.join(root, '.jupyter', 'share', 'jupyter', 'kernels', 'tslab');
  const tslab = path.join(root, 'node_modules', '.bin', 'tslab');
  const specFile = path.join(dir, 'kernel.json');
  if (fs.existsSync(specFile) && fs.readFileSync(specFile, 'utf8').includes(tslab)) return true;
  if (missingDebs(['jupyter-client']).length) {
    log('skipping the tslab kernelspec: jupyter-client is not installed');
    return false;
  }
  log('tslab kernelspec -> .jupyter/');
  const r = spawnSync(tslab, ['install', '--python=/usr/bin/python3', `--prefix=${path.join(root, '.jupyter')}`, `--binary=${tslab}`], {
    cwd: root, stdio: ['ignore', 'ignore', 'inherit'],
  });
  return r.status === 0 && fs.existsSync(specFile);
}

/**
 * Compile the wasm backend's native heap kernels now (into the cache; src/backend/native-kernels.ts), so the first
 * notebook does not pay for it and a missing compiler or BLAS shows here. Not fatal: wasm's own kernels remain.
 */
function nativeKernels() {
  const r = spawnSync(process.execPath, ['-e', "const r = require('./dist/backend/native-kernels').nativeBlas(); console.log(r.blas ? `${r.blas.library}, ${r.blas.threads} thread(s)` : `not used: ${r.why}`)"], {
    cwd: root, encoding: 'utf8',
  });
  const out = (r.stdout || r.stderr || '').trim();
  log(`native heap kernels: ${out}`);
  return r.status === 0 && !out.startsWith('not used');
}

/**
 * Step 5. Probe Dawn as the backend ladder does (dist/backend/webgpu.ts; a child process, since Dawn stays loaded).
 * A hardware adapter: nothing to do. Otherwise unpack lavapipe and check that Dawn now finds it (forced probe).
 */
function webgpuDriver() {
  const probe = (forced) => {
    const r = spawnSync(process.execPath, ['-e', `require('./dist/backend/webgpu').probeWebgpu(${forced}).then((p) => console.log(JSON.stringify(p)))`], {
      cwd: root, encoding: 'utf8', timeout: 120000,
    });
    try {
      return JSON.parse((r.stdout || '').trim().split('\n').pop());
    } catch {
      return { info: null, why: `the probe failed: ${(r.stderr || '').trim().split('\n').slice(-1)[0]}` };
    }
  };
  const hw = probe(false);
  if (hw.info && !hw.info.fallback) {
    log(`WebGPU: ${hw.info.vendor} ${hw.info.architecture} (${hw.info.description}); no lavapipe needed`);
    return true;
  }
  const r = require('./lavapipe.cjs').installOrRecord();
  if (r.error) {
    log(`WebGPU: no GPU adapter (${hw.why ?? 'only a fallback adapter'}), and lavapipe could not be installed: ${r.error}`);
    log('the webgpu tests (test/backend/webgpu.test.ts) will fail until it is');
    return false;
  }
  const sw = probe(true);
  if (!sw.info) {
    log(`WebGPU: lavapipe unpacked (${r.icd}), but Dawn finds no adapter: ${sw.why}`);
    return false;
  }
  log(`WebGPU: no GPU adapter; lavapipe for the tests: ${sw.info.description} (${r.icd})`);
  return true;
}

function main() {
  const t0 = Date.now();
  let ok = true;
  if (!args.includes('--no-apt')) {
    ok = aptInstall(APT_CORE) && ok;
    ok = ensureAptKnows('r-cran-janeaustenr') && ok;
    if (args.includes('--with-references')) ok = aptInstall(APT_REFERENCES) && ok;
  }
  if (!npmCi()) {
    log('npm ci failed');
    process.exit(1);
  }
  if (!build()) {
    log('build failed');
    process.exit(1);
  }
  ok = kernelspec() && ok;
  ok = nativeKernels() && ok;
  ok = webgpuDriver() && ok;
  log(`${ok ? 'ready' : 'done with problems (see above)'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(ok ? 0 : 1);
}

if (require.main === module) main();
module.exports = { APT_CORE, APT_REFERENCES, missingDebs };
