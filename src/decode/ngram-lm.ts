/**
 * Character n-gram language model for shallow fusion in prefix beam search, with interpolated Witten-Bell
 * smoothing (Witten & Bell 1991; the recursive form of Chen & Goodman 1999, eq. 10) or
 * interpolated Kneser-Ney (Kneser & Ney 1995; Chen & Goodman 1999 eq. 12-13, one discount per order; the default,
 * 1.79 vs 1.91 bits per character on Persuasion at order 6).
 *
 * Symbols: space, apostrophe, A-Z and the end of sentence `</s>` (written '$' internally); contexts are padded
 * with `<s>` ('^'). For a context h of n-1 symbols and h' its suffix one symbol shorter:
 *   P(w | h) = (c(h w) + N1+(h •) P(w | h')) / (c(h) + N1+(h •))   when c(h) > 0, else P(w | h'),
 *   P(w | empty context) interpolates the unigram counts with the uniform distribution over the symbols,
 * where c(h) counts h followed by any symbol and N1+(h •) is the number of distinct symbols seen after h.
 * Kneser-Ney instead subtracts a discount D_k from each count and gives the freed mass to the lower order:
 *   P(w | h) = (max(c(h w) - D_k, 0) + D_k N1+(h •) P(w | h')) / c(h),
 * where below the highest order c counts distinct left contexts (continuation counts, N1+(• h w)) and
 * D_k = n1 / (n1 + 2 n2) from the count-of-counts at that order (Ney, Essen & Kneser 1994).
 * Each level is a proper distribution when the one below is, so P(• | h) sums to 1 for every h (tested).
 * Saved as JSON (`saveLm` / `loadLm`); train it on text disjoint from the dev and test books (docs/data.md §4).
 */
import { fail } from '../util/errors';
import { readJson, writeJsonAtomic } from '../util/fs';

export const LM_FORMAT = 'birq-char-ngram-lm';
const BOS = '^';
const EOS = '$';
/** The predicted symbols: the LibriSpeech characters and end of sentence. */
export const LM_SYMBOLS: readonly string[] = [' ', "'", ...Array.from({ length: 26 }, (_, i) => String.fromCharCode(65 + i)), EOS];
export const LM_EOS = EOS;

interface Ctx {
  total: number;
  types: number;
  next: Map<string, number>;
}

export type LmSmoothing = 'witten-bell' | 'kneser-ney';

export interface LmInfo {
  order: number;
  smoothing: LmSmoothing;
  /** Kneser-Ney discount per context length 0..order-1 (empty for Witten-Bell). */
  discounts: number[];
  sentences: number;
  characters: number;
  /** Free text saying what it was trained on (books, split). */
  source: string;
}

export class CharNgramLm {
  private constructor(readonly info: LmInfo, private ctx: Map<string, Ctx>) {}

  /** Count n-grams of order 1..order over normalized sentences (A-Z, apostrophe, single spaces). */
  static train(sentences: Iterable<string>, order = 5, source = '', smoothing: LmSmoothing = 'kneser-ney'): CharNgramLm {
    if (!Number.isInteger(order) || order < 1 || order > 12) fail(`CharNgramLm: order ${order} is outside 1..12`);
    const ctx = new Map<string, Ctx>();
    let n = 0;
    let chars = 0;
    for (const s of sentences) {
      for (const c of s) if (!LM_SYMBOLS.includes(c) || c === EOS) fail(`CharNgramLm.train: sentence ${n + 1} has '${c}'; normalize the text first (decode/text.ts)`);
      const seq = BOS.repeat(order - 1) + s + EOS;
      for (let i = order - 1; i < seq.length; i++) {
        for (let k = 0; k < order; k++) {
          const h = seq.slice(i - k, i);
          let e = ctx.get(h);
          if (!e) ctx.set(h, (e = { total: 0, types: 0, next: new Map() }));
          const w = seq[i];
          const c = e.next.get(w) ?? 0;
          if (c === 0) e.types++;
          e.next.set(w, c + 1);
          e.total++;
        }
      }
      n++;
      chars += s.length;
    }
    if (n === 0) fail('CharNgramLm.train: no sentences');
    const discounts = smoothing === 'kneser-ney' ? toKneserNey(ctx, order) : [];
    return new CharNgramLm({ order, smoothing, discounts, sentences: n, characters: chars, source }, ctx);
  }

  get order(): number {
    return this.info.order;
  }

  /**
   * ln P(symbol | context). `context` is the text so far (normalized characters; its last order-1 symbols are
   * used, padded with <s>); `symbol` is one character of LM_SYMBOLS or LM_EOS.
   */
  logProb(context: string, symbol: string): number {
    const n = this.info.order;
    const tail = n > 1 ? context.slice(-(n - 1)) : '';
    const h = BOS.repeat(n - 1 - tail.length) + tail; // the last n-1 symbols of <s>^(n-1) + context
    return Math.log(this.prob(h, symbol));
  }

  private prob(h: string, w: string): number {
    // Lowest to highest order: p = P(w | h[k:]) for k = |h|..0.
    let p = 1 / LM_SYMBOLS.length;
    const kn = this.info.smoothing === 'kneser-ney';
    for (let k = 0; k <= h.length; k++) {
      const e = this.ctx.get(h.slice(h.length - k));
      if (!e) break; // a longer context containing an unseen one is unseen too
      const c = e.next.get(w) ?? 0;
      if (kn) {
        const D = this.info.discounts[k];
        p = (Math.max(c - D, 0) + D * e.types * p) / e.total;
      } else p = (c + e.types * p) / (e.total + e.types);
    }
    return p;
  }

  /** Natural-log probability of a whole sentence, </s> included. */
  sentenceLogProb(s: string): number {
    let lp = 0;
    for (let i = 0; i < s.length; i++) lp += this.logProb(s.slice(0, i), s[i]);
    return lp + this.logProb(s, EOS);
  }

  /** Bits per symbol (characters and </s>) over sentences: the LM's cross-entropy on held-out text. */
  bitsPerChar(sentences: readonly string[]): number {
    let lp = 0;
    let n = 0;
    for (const s of sentences) {
      lp += this.sentenceLogProb(s);
      n += s.length + 1;
    }
    return -lp / n / Math.LN2;
  }

  toJSON(): object {
    const counts: Record<string, [number, number, Record<string, number>]> = {};
    for (const [h, e] of this.ctx) counts[h] = [e.total, e.types, Object.fromEntries(e.next)];
    return { format: LM_FORMAT, version: 1, ...this.info, symbols: LM_SYMBOLS, bos: BOS, eos: EOS, counts };
  }

  static fromJSON(j: unknown, file?: string): CharNgramLm {
    const o = j as { format?: string; version?: number; order?: number; counts?: Record<string, [number, number, Record<string, number>]> } & LmInfo;
    if (!o || o.format !== LM_FORMAT) fail(`not a character n-gram LM (format is ${JSON.stringify(o?.format)}, expected ${LM_FORMAT})`, file);
    if (o.version !== 1) fail(`LM format version ${o.version} is not supported (expected 1)`, file);
    if (!Number.isInteger(o.order) || typeof o.counts !== 'object' || o.counts === null) fail('LM file lacks order or counts (truncated?)', file);
    const ctx = new Map<string, Ctx>();
    for (const [h, v] of Object.entries(o.counts)) {
      if (!Array.isArray(v) || v.length !== 3) fail(`LM context '${h}' is malformed`, file);
      ctx.set(h, { total: v[0], types: v[1], next: new Map(Object.entries(v[2])) });
    }
    const smoothing: LmSmoothing = o.smoothing ?? 'witten-bell';
    if (smoothing !== 'witten-bell' && smoothing !== 'kneser-ney') fail(`unknown LM smoothing '${smoothing as string}'`, file);
    const discounts = o.discounts ?? [];
    if (smoothing === 'kneser-ney' && discounts.length !== o.order) fail(`Kneser-Ney LM needs ${o.order} discounts, has ${discounts.length}`, file);
    return new CharNgramLm({ order: o.order!, smoothing, discounts, sentences: o.sentences, characters: o.characters, source: o.source ?? '' }, ctx);
  }
}

/**
 * Turn raw counts into Kneser-Ney's: contexts shorter than order-1 get continuation counts (distinct left
 * extensions), computed from the raw counts one order up before those are replaced; returns D_k per length k.
 */
function toKneserNey(ctx: Map<string, Ctx>, order: number): number[] {
  const byLen: Map<string, Ctx>[] = Array.from({ length: order }, () => new Map());
  for (const [h, e] of ctx) byLen[h.length].set(h, e);
  for (let k = 0; k < order - 1; k++) {
    // cont(h w) = #{x : c(x h w) > 0}, from the raw counts of the contexts x h of length k + 1.
    const cont = new Map<string, Ctx>();
    for (const [xh, e] of byLen[k + 1]) {
      const h = xh.slice(1);
      let c = cont.get(h);
      if (!c) cont.set(h, (c = { total: 0, types: 0, next: new Map() }));
      for (const w of e.next.keys()) {
        const v = c.next.get(w) ?? 0;
        if (v === 0) c.types++;
        c.next.set(w, v + 1);
        c.total++;
      }
    }
    for (const [h, c] of cont) ctx.set(h, c);
  }
  const discounts: number[] = [];
  for (let k = 0; k < order; k++) {
    let n1 = 0;
    let n2 = 0;
    for (const [h, e] of ctx) {
      if (h.length !== k) continue;
      for (const v of e.next.values()) {
        if (v === 1) n1++;
        else if (v === 2) n2++;
      }
    }
    discounts.push(n1 + n2 > 0 && n1 > 0 ? n1 / (n1 + 2 * n2) : 0.5);
  }
  return discounts;
}

export function saveLm(lm: CharNgramLm, file: string): void {
  writeJsonAtomic(file, lm.toJSON());
}

export function loadLm(file: string): CharNgramLm {
  return CharNgramLm.fromJSON(readJson(file, 'language model'), file);
}
