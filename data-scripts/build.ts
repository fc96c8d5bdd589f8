/**
 * `buildCorpus`: the built-in synthetic corpus (docs/data.md), in LibriSpeech layout plus a JSONL
 * manifest, under `dataRoot()/austen-<profile>` by default.
 *
 * Layout of a finished corpus:
 *   corpus.json                 profile, seed, recipe version, per-split hours/utterances/speakers, `complete: true`
 *   manifest.jsonl              one ManifestEntry per utterance (src/data/manifest.ts), paths relative to root
 *   cmvn.json                   global log-mel mean/std over pretrain (NormStats.load)
 *   SPEAKERS.TXT                LibriSpeech-style: id | sex | subset | engine/voice/stretch/pitch
 *   <split>/<spk>/<chap>/<spk>-<chap>-NNNN.wav or .flac (16 kHz, 16-bit mono) and .json (sidecar)
 *   <split>/<spk>/<chap>/<spk>-<chap>.trans.txt
 *   train-10h/, train-1h/, train-10min/   nested subsets of train-labeled cut by duration (plan.ts), hard links
 *
 * Idempotent: a complete corpus with the same recipe and seed returns at once; an interrupted build resumes
 * (every utterance is written atomically and skipped when its sidecar exists). Safe against a concurrent
 * build of the same corpus (same deterministic files, atomic renames).
 */
import { fork, ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { builtinCorpusDir } from '../src/data/builtin';
import { ManifestEntry, readManifest } from '../src/data/manifest';
import { computeGlobalStats } from '../src/data/stats';
import { BirqError, fail } from '../src/util/errors';
import { readJson, writeFileAtomic, writeJsonAtomic } from '../src/util/fs';
import { dataRoot, Profile, PROFILES } from '../src/util/paths';
import { Progress, ProgressInfo } from '../src/util/progress';
import { fetchAusten, Novel, readNovels } from './austen';
import { assignSubsets, makePlan, PROFILE_SPECS, SPLITS, SUBSETS, UttJob } from './plan';
import { espeakHelper } from './engines/espeak';
import { isDone, SynthTarget } from './synth';
import { novelSentences, Sentence } from './text';
import { requireTools } from './tools';
import { BASE_VOICES, makeSpeakers } from './voices';

/** Bump when the recipe changes what is generated; a corpus with another version is rebuilt only with force. */
export const RECIPE_VERSION = 7;
export const DEFAULT_SEED = 1234;

export interface BuildOptions {
  profile?: Profile;
  /** Output directory (default `corpusDir(profile)`). */
  out?: string;
  seed?: number;
  /** Worker processes (default: number of CPU cores). */
  workers?: number;
  /** Audio files: 16-bit WAV (default, fastest to read) or FLAC (as LibriSpeech; half the disk). */
  format?: 'wav' | 'flac';
  /** Keep only every k-th planned utterance so that at most this many are built (benchmarks). */
  maxUtterances?: number;
  /** Delete an existing corpus at `out` first. */
  force?: boolean;
  quiet?: boolean;
  onProgress?: (p: ProgressInfo) => void;
}

export interface SplitStats { utterances: number; hours: number; speakers: number; words: number }
export interface CorpusInfo {
  root: string;
  manifest: string;
  profile: Profile;
  seed: number;
  recipeVersion: number;
  /** Hash of the profile's sizes and the voice list: a corpus built with other sizes is rebuilt. */
  specHash?: string;
  format?: 'wav' | 'flac';
  complete: boolean;
  splits: Record<string, SplitStats>;
  /** Build wall time and audio/wall ratio of the run that completed it. */
  build?: { wallS: number; audioS: number; xRealTime: number; workers: number; cpuS?: number; xRealTimePerCore?: number };
}

/** `dataRoot()/austen-<profile>` (one definition, in src/data/builtin.ts). */
export function corpusDir(profile: Profile, root = dataRoot()): string {
  return builtinCorpusDir(profile, root);
}

/** Where Debian packages and parsed texts are cached (shared by all profiles). */
export function cacheDir(): string {
  return path.join(dataRoot(), 'cache');
}

export async function buildCorpus(opts: BuildOptions = {}): Promise<CorpusInfo> {
  const profile = opts.profile ?? 'smoke';
  if (!PROFILES.includes(profile)) fail(`unknown profile '${profile}' (known: ${PROFILES.join(', ')})`);
  const seed = opts.seed ?? DEFAULT_SEED;
  const format = opts.format ?? 'wav';
  if (format !== 'wav' && format !== 'flac') fail(`unknown audio format '${format}' (wav or flac)`);
  const root = path.resolve(opts.out ?? corpusDir(profile));
  const infoFile = path.join(root, 'corpus.json');
  if (opts.force) fs.rmSync(root, { recursive: true, force: true });
  if (fs.existsSync(infoFile)) {
    const info = readJson<CorpusInfo>(infoFile, 'corpus description');
    if (info.seed !== seed || info.profile !== profile)
      fail(`holds another corpus (profile ${info.profile}, seed ${info.seed}); remove it, pass --force, or choose --out`, root);
    if (info.recipeVersion !== RECIPE_VERSION || info.specHash !== specHash(profile, format)) {
      // A stale recipe or profile size is regenerated rather than mixed with new utterances.
      if (!opts.quiet) process.stderr.write(`data build: ${root} holds an older recipe or profile size, rebuilding\n`);
      fs.rmSync(root, { recursive: true, force: true });
    } else if (info.complete) return { ...info, root, manifest: path.join(root, 'manifest.jsonl') };
  }
  requireTools(['flite', 'festival', 'sox', 'espeak-ng', 'gcc']);
  espeakHelper(path.join(cacheDir(), 'bin')); // compile once here, not racily in every worker
  const t0 = Date.now();
  const cpu0 = cpuSeconds();
  const texts = loadTexts();
  const spec = PROFILE_SPECS[profile];
  const speakers = makeSpeakers(seed, spec.trainSpeakersPerVoice, spec.heldOutSpeakersPerVoice ?? 1);
  let jobs = makePlan(profile, seed, texts, speakers);
  if (opts.maxUtterances && jobs.length > opts.maxUtterances) {
    // Whole chapters, spread evenly over the plan, so batches (and festival start-ups) stay as in a full build.
    const chapters = [...new Set(jobs.map((j) => `${j.split}/${j.chapter}`))];
    const keep = new Set<string>();
    const k = jobs.length / opts.maxUtterances;
    for (let c = 0; c < chapters.length && keep.size * (jobs.length / chapters.length) < opts.maxUtterances; c += k) keep.add(chapters[Math.floor(c)]);
    jobs = jobs.filter((j) => keep.has(`${j.split}/${j.chapter}`));
  }
  fs.mkdirSync(root, { recursive: true });
  writeJsonAtomic(infoFile, { profile, seed, recipeVersion: RECIPE_VERSION, specHash: specHash(profile, format), format, complete: false, splits: {} });

  const batches = toBatches(jobs.filter((j) => !isDone(root, j)));
  const progress = new Progress(`data build ${profile}`, jobs.length, { quiet: opts.quiet ?? !!process.env.BIRQ_QUIET, onUpdate: opts.onProgress });
  progress.set(jobs.length - batches.reduce((a, b) => a + b.length, 0));
  const tmp = path.join(root, `.tmp-${process.pid}`);
  fs.mkdirSync(tmp, { recursive: true });
  const nWorkers = Math.max(1, Math.min(opts.workers ?? os.cpus().length, batches.length));
  let audioS = 0;
  try {
    audioS = await runWorkers({ root, tmp, bin: path.join(cacheDir(), 'bin'), format }, batches, nWorkers, progress);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  progress.finish();
  const wallS = (Date.now() - t0) / 1000;
  const info = finalize(root, jobs, profile, seed, format);
  // Global CMVN over the pretraining split, saved with the corpus (src/features/normalize.ts).
  computeGlobalStats(readManifest(path.join(root, 'manifest.jsonl')).filter((e) => e.split === 'pretrain')).save(path.join(root, 'cmvn.json'));
  // CPU time of this process and every finished descendant (workers and the synthesizers they ran): the
  // machine-load-independent cost, since wall time on a shared machine says as much about the neighbours.
  const cpuS = cpuSeconds() - cpu0;
  info.build = { wallS, audioS, xRealTime: audioS / Math.max(wallS, 1e-9), workers: nWorkers, cpuS, xRealTimePerCore: cpuS > 0 ? audioS / cpuS : undefined };
  // Paths are not stored: the directory may be moved.
  const { root: _r, manifest: _m, ...stored } = info;
  writeJsonAtomic(infoFile, stored);
  return { ...info, root, manifest: path.join(root, 'manifest.jsonl') };
}

export function specHash(profile: Profile, format: 'wav' | 'flac' = 'wav'): string {
  // WAV corpora keep the hash they had before FLAC existed (no rebuild for them).
  const key = format === 'wav' ? [PROFILE_SPECS[profile], BASE_VOICES] : [PROFILE_SPECS[profile], BASE_VOICES, format];
  return createHash('sha1').update(JSON.stringify(key)).digest('hex').slice(0, 12);
}

/** User + system CPU seconds of this process plus its waited-for descendants (Linux /proc; 0 elsewhere). */
function cpuSeconds(): number {
  try {
    const f = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // fields 14-17 of stat (utime stime cutime cstime) are 12-15 here, in clock ticks (100 Hz on Linux).
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return 0;
  }
}

function loadTexts(): Record<Novel, Sentence[]> {
  const cache = path.join(cacheDir(), `austen-sentences-v${RECIPE_VERSION}.json`);
  if (fs.existsSync(cache)) return readJson(cache, 'sentence cache');
  requireTools(['apt-get', 'dpkg-deb']);
  const novels = readNovels(fetchAusten(cacheDir()));
  const out = Object.fromEntries(Object.entries(novels).map(([k, v]) => [k, novelSentences(v)])) as Record<Novel, Sentence[]>;
  writeJsonAtomic(cache, out);
  return out;
}

/** Consecutive jobs of one speaker and chapter form a batch (festival starts once per batch). */
function toBatches(jobs: UttJob[]): UttJob[][] {
  const out: UttJob[][] = [];
  for (const j of jobs) {
    const last = out[out.length - 1];
    if (last && last[0].speaker.id === j.speaker.id && last[0].chapter === j.chapter && last.length < 8) last.push(j);
    else out.push([j]);
  }
  // Slow engines first, so the tail of the build is not one long festival batch on one core.
  return out.sort((a, b) => cost(b) - cost(a));
}

function cost(b: UttJob[]): number {
  return b.length * (b[0].speaker.base.engine === 'festival' ? (b[0].speaker.base.name.includes('hts') ? 4 : 1.5) : 1);
}

function workerFile(): { file: string; execArgv: string[] } {
  const ts = __filename.endsWith('.ts');
  const file = path.join(__dirname, ts ? 'worker.ts' : 'worker.js');
  // Under tsx the worker needs the TypeScript loader too; test-runner flags must not be inherited.
  return { file, execArgv: ts ? ['--require', require.resolve('tsx/cjs')] : [] };
}

function runWorkers(target: SynthTarget, batches: UttJob[][], n: number, progress: Progress): Promise<number> {
  return new Promise((resolve, reject) => {
    const { file, execArgv } = workerFile();
    let next = 0, active = 0, audio = 0, failed = false;
    const kids: ChildProcess[] = [];
    const feed = (w: ChildProcess) => {
      if (failed) return;
      if (next >= batches.length) {
        w.disconnect(); // the worker exits; the build resolves on the last exit (so its CPU time is counted)
        return;
      }
      w.send({ target, jobs: batches[next++] });
    };
    for (let i = 0; i < n; i++) {
      const w = fork(file, [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      kids.push(w);
      active++;
      w.on('message', (m: { ok: boolean; n: number; durations: number[]; message: string; user: boolean }) => {
        if (!m.ok) {
          failed = true;
          kids.forEach((k) => k.connected && k.disconnect());
          reject(m.user ? new BirqError(m.message) : new Error(`corpus worker crashed: ${m.message}`));
          return;
        }
        audio += m.durations.reduce((a, b) => a + b, 0);
        progress.tick(m.n, `${(audio / 60).toFixed(1)} min audio`);
        feed(w);
      });
      w.on('exit', (code) => {
        if (code && !failed) {
          failed = true;
          reject(new Error(`corpus worker exited with status ${code}`));
        } else if (--active === 0 && !failed) resolve(audio);
      });
      feed(w);
    }
  });
}

/** Manifest, transcripts, subsets and statistics from the sidecars. */
function finalize(root: string, jobs: UttJob[], profile: Profile, seed: number, format: 'wav' | 'flac'): CorpusInfo {
  const entries = jobs.map((j) => readJson<ManifestEntry & { subsetRank?: number }>(path.join(root, j.rel + '.json'), 'utterance sidecar'));
  const pool = entries.filter((e) => e.split === 'train-labeled').map((e) => ({ id: e.id, rank: e.subsetRank ?? -1, duration: e.duration! }));
  const subsets = assignSubsets(pool);
  for (const e of entries) {
    e.subsets = subsets.get(e.id) ?? [];
    delete e.subsetRank;
  }
  writeFileAtomic(path.join(root, 'manifest.jsonl'), entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const splits: Record<string, SplitStats> = {};
  const groups = new Map<string, ManifestEntry[]>();
  for (const e of entries) {
    for (const s of [e.split!, ...(e.subsets ?? [])]) {
      const st = (splits[s] ??= { utterances: 0, hours: 0, speakers: 0, words: 0 });
      st.utterances++;
      st.hours += e.duration! / 3600;
      st.words += e.text!.split(' ').length;
      const key = `${s}/${e.speaker}/${e.chapter}`;
      (groups.get(key) ?? groups.set(key, []).get(key)!).push(e);
    }
  }
  for (const s of Object.keys(splits)) {
    splits[s].speakers = new Set(entries.filter((e) => e.split === s || e.subsets?.includes(s)).map((e) => e.speaker)).size;
    splits[s].hours = Math.round(splits[s].hours * 1e4) / 1e4;
  }
  for (const [key, es] of groups) {
    const [split, spk, chap] = key.split('/');
    const dir = path.join(root, split, spk, chap);
    if ((SUBSETS as readonly string[]).includes(split)) {
      // Subsets are hard links into train-labeled: no extra disk, and a plain LibriSpeech reader sees a full split.
      fs.mkdirSync(dir, { recursive: true });
      for (const e of es) for (const rel of [e.audio, e.audio.replace(/\.(wav|flac)$/, '.json')]) {
        const src = path.join(root, rel);
        const dst = path.join(dir, path.basename(src));
        if (!fs.existsSync(dst)) fs.linkSync(src, dst);
      }
    }
    writeFileAtomic(path.join(dir, `${spk}-${chap}.trans.txt`), es.map((e) => `${e.id} ${e.text}`).join('\n') + '\n');
  }
  const spk = new Map<string, ManifestEntry>();
  for (const e of entries) if (!spk.has(e.speaker!)) spk.set(e.speaker!, e);
  const lines = [...spk.values()].map((e) => {
    const v = e.voice as Record<string, unknown>;
    return `${e.speaker!.padEnd(5)}| ${e.gender} | ${e.split!.padEnd(10)} | ${v.engine}/${v.name} stretch=${v.stretch} f0=${v.f0Shift} cents=${v.pitchCents}`;
  });
  writeFileAtomic(path.join(root, 'SPEAKERS.TXT'), `; ID  | SEX | SUBSET     | VOICE\n${lines.join('\n')}\n`);
  const ordered = Object.fromEntries([...SPLITS, ...SUBSETS].filter((s) => splits[s]).map((s) => [s, splits[s]]));
  return { root, manifest: path.join(root, 'manifest.jsonl'), profile, seed, recipeVersion: RECIPE_VERSION, specHash: specHash(profile, format), format, complete: true, splits: ordered };
}
