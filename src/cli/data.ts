/**
 * `birq data build --profile P [--out DIR] [--seed N] [--workers N] [--format wav|flac] [--force]`
 * `birq data check DIR [--rate 16000] [--json]`                                 list every problem; exit 1 if any
 * `birq data stats [DIR] [--cmvn SPLIT] [--json]`                               per-split table; global CMVN
 * The corpus builder lives in data-scripts/ (outside src/, so it is loaded by path under tsx).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkCorpus } from '../data/check';
import { openCorpus } from '../data/corpus';
import { computeGlobalStats, defaultFeatureCache, summarize } from '../data/stats';
import { fail } from '../util/errors';
import { dataRoot, Profile, PROFILES, profile as envProfile } from '../util/paths';
import { parseFlags } from './args';

/** The part of data-scripts/build.ts used here (typed locally so tsc's build of src/ does not pull it in). */
interface BuilderModule {
  buildCorpus(o: { profile: Profile; out?: string; seed?: number; workers?: number; force?: boolean; format?: 'wav' | 'flac' }): Promise<{
    root: string; profile: string; seed: number; splits: Record<string, { utterances: number; hours: number; speakers: number }>;
    build?: { wallS: number; xRealTime: number; workers: number };
  }>;
}

export async function run(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'build') return build(rest);
  if (sub === 'check') return check(rest);
  if (sub === 'stats') return stats(rest);
  process.stderr.write('usage: birq data build --profile smoke|small|medium|full [--out DIR] [--seed N] [--workers N] [--format wav|flac] [--force]\n       birq data check DIR [--rate HZ] [--json]\n       birq data stats [DIR] [--cmvn SPLIT] [--json]\n');
  return 2;
}

async function build(args: string[]): Promise<number> {
  const { flags } = parseFlags('data build', args, {
    profile: { type: 'string', choices: PROFILES, help: 'default BIRQ_PROFILE' }, out: { type: 'string' },
    seed: { type: 'number', range: { integer: true, min: 0 } }, workers: { type: 'number', range: { integer: true, min: 1 } },
    force: { type: 'boolean' }, json: { type: 'boolean' }, format: { type: 'string', choices: ['wav', 'flac'] },
  });
  // Loaded by path: data-scripts/ is not part of the compiled package.
  const mod = (await import(path.join(__dirname, '..', '..', 'data-scripts', 'build'))) as BuilderModule;
  const info = await mod.buildCorpus({
    profile: (flags.profile as Profile | undefined) ?? envProfile(), out: flags.out as string | undefined,
    seed: flags.seed as number | undefined, workers: flags.workers as number | undefined, force: flags.force === true,
    format: flags.format as 'wav' | 'flac' | undefined,
  });
  if (flags.json) process.stdout.write(JSON.stringify(info) + '\n');
  else {
    process.stdout.write(`corpus ${info.profile} (seed ${info.seed}) at ${info.root}\n`);
    for (const [s, st] of Object.entries(info.splits)) process.stdout.write(`  ${s.padEnd(13)} ${String(st.utterances).padStart(6)} utts ${(st.hours * 60).toFixed(1).padStart(7)} min ${String(st.speakers).padStart(3)} speakers\n`);
    if (info.build) process.stdout.write(`built in ${info.build.wallS.toFixed(1)} s: ${info.build.xRealTime.toFixed(1)}x real time on ${info.build.workers} workers\n`);
  }
  return 0;
}

function check(args: string[]): number {
  const { flags, positional } = parseFlags('data check', args, { rate: { type: 'number', help: 'expected sample rate in Hz', range: { integer: true, min: 1 } }, json: { type: 'boolean' } });
  const dir = positional[0];
  if (!dir) fail('data check: give the corpus directory (LibriSpeech layout, Kaldi data dir, or manifest.jsonl)');
  const r = checkCorpus(dir, { expectRate: flags.rate as number | undefined });
  if (flags.json) process.stdout.write(JSON.stringify(r) + '\n');
  else {
    for (const p of r.problems) process.stdout.write(`${p.file}: ${p.problem}\n`);
    process.stdout.write(`${r.kind} corpus ${dir}: ${r.utterances} utterances, ${r.audioFiles} audio files, ${(r.seconds / 3600).toFixed(3)} h, ` +
      `rates ${JSON.stringify(r.sampleRates)}, encodings ${JSON.stringify(r.encodings)}: ${r.problems.length ? `${r.problems.length} problem(s)` : 'no problems'}\n`);
  }
  return r.problems.length ? 1 : 0;
}

function stats(args: string[]): number {
  const { flags, positional } = parseFlags('data stats', args, { cmvn: { type: 'string' }, json: { type: 'boolean' } });
  const dir = positional[0] ?? path.join(dataRoot(), `austen-${envProfile()}`);
  if (!fs.existsSync(dir)) fail(`no corpus here; build one with \`birq data build --profile ${envProfile()}\``, dir);
  const entries = openCorpus(dir);
  const rows = summarize(entries);
  if (flags.json) process.stdout.write(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  else {
    process.stdout.write(`${'split'.padEnd(13)} ${'utts'.padStart(6)} ${'hours'.padStart(7)} ${'spk'.padStart(4)} ${'words'.padStart(7)} ${'mean s'.padStart(7)} ${'max s'.padStart(6)}\n`);
    for (const r of rows) process.stdout.write(`${r.split.padEnd(13)} ${String(r.utterances).padStart(6)} ${r.hours.toFixed(3).padStart(7)} ${String(r.speakers).padStart(4)} ${String(r.words).padStart(7)} ${r.meanSeconds.toFixed(2).padStart(7)} ${r.maxSeconds.toFixed(2).padStart(6)}\n`);
  }
  if (flags.cmvn) {
    const split = flags.cmvn as string;
    const es = entries.filter((e) => e.split === split || e.subsets?.includes(split));
    if (!es.length) fail(`no utterances in split '${split}'`, dir);
    const st = computeGlobalStats(es, defaultFeatureCache(), false);
    const out = path.join(fs.statSync(dir).isDirectory() ? dir : path.dirname(dir), `cmvn-${split}.json`);
    st.save(out);
    process.stdout.write(`global CMVN over ${split} (${st.frames} frames) saved to ${out}\n`);
  }
  return 0;
}
