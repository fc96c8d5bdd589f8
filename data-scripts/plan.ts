/**
 * The corpus plan: which sentence each speaker reads in which split, fixed before any audio is made and
 * fully determined by (profile, seed). Splits follow Libri-light (docs/data.md): pretrain from Emma,
 * Mansfield Park and Pride and Prejudice; the labeled pool `train-labeled` from Sense and Sensibility; dev
 * from Persuasion; test-clean and test-other from Northanger Abbey; train voices never appear in dev/test.
 *
 * Labeled subsets named for a duration (train-10h ⊃ train-1h ⊃ train-10min) hold that duration within 5 %:
 * they are cut from the pool by measured audio length once it is synthesized (`assignSubsets`), in a nested
 * order fixed here, and a profile whose pool is too short for one does not build it under that name.
 */
import { Rng } from '../src/util/rng';
import { Profile } from '../src/util/paths';
import { Novel } from './austen';
import { Sentence } from './text';
import { Pool, Speaker } from './voices';

export type Split = 'pretrain' | 'train-labeled' | 'dev' | 'test-clean' | 'test-other';
export const SPLITS: Split[] = ['pretrain', 'train-labeled', 'dev', 'test-clean', 'test-other'];
/** Nested labeled subsets of train-labeled and the audio each must hold (seconds, within SUBSET_TOLERANCE). */
export const SUBSETS = ['train-10h', 'train-1h', 'train-10min'] as const;
export type Subset = (typeof SUBSETS)[number];
export const SUBSET_SECONDS: Record<Subset, number> = { 'train-10h': 36000, 'train-1h': 3600, 'train-10min': 600 };
export const SUBSET_TOLERANCE = 0.05;

export interface ProfileSpec {
  /** Utterances per split. */
  utts: Record<Split, number>;
  trainSpeakersPerVoice: number;
  /** Speakers per base voice in each of dev, test-clean, test-other (default 1). */
  heldOutSpeakersPerVoice?: number;
  /** Consecutive sentences one speaker reads as one "chapter". */
  chapterLen: number;
  words: [number, number];
}

// Measured: 4.3 s per utterance on average at 5-25 words (small, 11 voices), so ~840 utterances per hour. The
// pools are planned a little long so the duration-cut subsets always fit.
// smoke: seconds of everything (no duration-named subset fits); small: pretrain ≈ 2 h, pool ≈ 1.1 h (train-1h,
// train-10min), dev/test ≈ 15 min; medium (the research protocol): pretrain ≈ 6 h, pool ≈ 1.1 h, dev/test ≈ 15 min;
// full: pretrain ≈ 10 h, pool ≈ 10.4 h (train-10h too; Sense and Sensibility has ~2700 usable sentences, so at
// full size each is read by about three speakers), dev/test ≈ 1 h.
export const PROFILE_SPECS: Record<Profile, ProfileSpec> = {
  smoke: {
    utts: { pretrain: 24, 'train-labeled': 12, dev: 6, 'test-clean': 6, 'test-other': 6 },
    trainSpeakersPerVoice: 1, chapterLen: 2, words: [4, 12],
  },
  small: {
    utts: { pretrain: 1700, 'train-labeled': 900, dev: 210, 'test-clean': 210, 'test-other': 210 },
    trainSpeakersPerVoice: 4, chapterLen: 10, words: [5, 25],
  },
  medium: {
    utts: { pretrain: 5040, 'train-labeled': 900, dev: 210, 'test-clean': 210, 'test-other': 210 },
    trainSpeakersPerVoice: 8, chapterLen: 10, words: [5, 25],
  },
  full: {
    utts: { pretrain: 8400, 'train-labeled': 8700, dev: 840, 'test-clean': 840, 'test-other': 840 },
    trainSpeakersPerVoice: 12, heldOutSpeakersPerVoice: 3, chapterLen: 20, words: [5, 25],
  },
};

const SPLIT_TEXT: Record<Split, Novel[]> = {
  pretrain: ['emma', 'mansfield', 'pride'], 'train-labeled': ['sense'], dev: ['persuasion'],
  'test-clean': ['northanger'], 'test-other': ['northanger'],
};
const SPLIT_POOL: Record<Split, Pool> = { pretrain: 'train', 'train-labeled': 'train', dev: 'dev', 'test-clean': 'test-clean', 'test-other': 'test-other' };

/** Degradation for test-other: reverb (sox reverberance %) then additive noise at an RMS SNR. */
export interface Degrade { reverb: number; roomScale: number; snrDb: number; noise: 'white' | 'pink' | 'brown' }

export interface UttJob {
  id: string;
  split: Split;
  /** Position in the nested subset order (train-labeled only; -1 elsewhere): subsets are prefixes of it. */
  subsetRank: number;
  speaker: Speaker;
  chapter: number;
  text: Sentence;
  /** Per-utterance seed (noise, level). */
  seed: number;
  degrade: Degrade | null;
  /** Output path relative to the corpus root, without extension. */
  rel: string;
}

export function makePlan(profile: Profile, seed: number, texts: Record<Novel, Sentence[]>, speakers: Speaker[]): UttJob[] {
  const spec = PROFILE_SPECS[profile];
  const jobs: UttJob[] = [];
  SPLITS.forEach((split, si) => {
    const rng = new Rng((seed * 31 + si) >>> 0);
    const pool = speakers.filter((s) => s.pool === SPLIT_POOL[split]);
    // Speaker order is shuffled per split so small splits still see varied engines.
    rng.shuffle(pool);
    const novels = SPLIT_TEXT[split];
    const cand = novels.map((n) => texts[n].filter((t) => t.words >= spec.words[0] && t.words <= spec.words[1]));
    // test-clean and test-other read different halves of Northanger Abbey.
    const offsets = cand.map((c) => (split === 'test-other' ? Math.floor(c.length / 2) : 0) + rng.int(Math.max(1, Math.floor(c.length / 4))));
    const n = spec.utts[split];
    const L = spec.chapterLen;
    for (let i = 0; i < n; i++) {
      const chunk = Math.floor(i / L);
      const novel = chunk % novels.length;
      const k = Math.floor(chunk / novels.length) * L + (i % L);
      const c = cand[novel];
      const text = c[(offsets[novel] + k) % c.length];
      const speaker = pool[chunk % pool.length];
      const chapter = (si + 1) * 1000 + chunk;
      const idx = i % L;
      const id = `${speaker.id}-${chapter}-${String(idx).padStart(4, '0')}`;
      const u = new Rng((seed ^ Math.imul(si + 1, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0);
      const degrade: Degrade | null = split === 'test-other'
        ? { reverb: Math.round(20 + 60 * u.uniform()), roomScale: Math.round(30 + 70 * u.uniform()), snrDb: Math.round((5 + 15 * u.uniform()) * 10) / 10, noise: (['white', 'pink', 'brown'] as const)[u.int(3)] }
        : null;
      jobs.push({ id, split, subsetRank: -1, speaker, chapter, text, seed: u.nextU32(), degrade, rel: `${split}/${speaker.id}/${chapter}/${id}` });
    }
  });
  // Nested subsets take the first sentence of every chapter, then the second, ... so even train-10min
  // spreads over many speakers; a smaller subset is a prefix of a larger one, hence nested.
  const train = jobs.filter((j) => j.split === 'train-labeled');
  const order = train.map((j, i) => ({ j, key: (i % spec.chapterLen) * train.length + Math.floor(i / spec.chapterLen) }));
  order.sort((a, b) => a.key - b.key);
  order.forEach(({ j }, r) => { j.subsetRank = r; });
  return jobs;
}

/**
 * Duration-named subsets from measured durations: walking the pool in rank order, an utterance joins every
 * subset whose target it does not overshoot by more than half of itself (so each subset lands within a few
 * seconds of its target). A subset whose target the whole pool misses by more than the tolerance is not built.
 * Returns the subsets of each utterance, by id.
 */
export function assignSubsets(pool: { id: string; rank: number; duration: number }[]): Map<string, Subset[]> {
  const ordered = [...pool].sort((a, b) => a.rank - b.rank);
  const total = ordered.reduce((a, u) => a + u.duration, 0);
  const fits = SUBSETS.filter((s) => total >= SUBSET_SECONDS[s] * (1 - SUBSET_TOLERANCE));
  const out = new Map<string, Subset[]>(ordered.map((u) => [u.id, []]));
  const open = new Set(fits);
  let acc = 0;
  for (const u of ordered) {
    // A subset closes at the first utterance that would overshoot it, so every subset is a prefix of the order.
    for (const s of fits) if (open.has(s) && acc + u.duration / 2 > SUBSET_SECONDS[s]) open.delete(s);
    for (const s of open) out.get(u.id)!.push(s);
    acc += u.duration;
  }
  return out;
}
