/**
 * CTC prefix beam search (Graves 2012 §7.3; Hannun et al. 2014, "First-pass large vocabulary continuous speech
 * recognition using bi-directional recurrent DNNs", Algorithm 1), in log space, with optional shallow fusion of
 * a character LM:
 *   score(prefix) = log p_ctc(prefix | x) + lmWeight * log P_lm(prefix) + insertionBonus * |prefix|
 * The LM term of a symbol is added when the symbol is appended; with `lmEos` the final ranking adds
 * lmWeight * log P_lm(</s> | prefix). For every prefix kept, p_ctc is split into paths ending in blank (pb)
 * and in the last symbol (pnb), which is what makes "A A" (through a blank) and "A" (a repeat) distinct.
 * With a beam wide enough to keep every prefix it finds the exact argmax of the score (tested by brute force).
 */
import { fail } from '../util/errors';
import { CharNgramLm, LM_EOS, LM_SYMBOLS } from './ngram-lm';

export interface BeamOptions {
  beamWidth?: number;
  blank?: number;
  /** Character LM for shallow fusion; needs `tokens` to map ids to characters. */
  lm?: CharNgramLm;
  /** The vocabulary's token strings (tokens[id]); required with `lm`. */
  tokens?: readonly string[];
  lmWeight?: number;
  /** Added per emitted symbol (counteracts the LM's preference for short outputs). */
  insertionBonus?: number;
  /** Add the LM's end-of-sentence probability in the final ranking (default true with an LM). */
  lmEos?: boolean;
  /** Only extend with the `topK` most likely symbols of each frame (default: all). */
  topK?: number;
}

export interface BeamHypothesis {
  tokens: number[];
  /** log p_ctc(tokens | x): the sum over all its alignments. */
  acoustic: number;
  /** lmWeight * log P_lm + insertionBonus * |tokens| (+ the </s> term). */
  lm: number;
  score: number;
}

/**
 * A prefix is a node of a trie built on demand: extending a prefix by a symbol is a child lookup (no array
 * copies or string keys per candidate), and its LM score is computed once, when the node is created.
 */
interface Node {
  parent: Node | null;
  token: number;
  children: Map<number, Node>;
  /** The last order-1 characters (the LM's context). */
  ctx: string;
  /** lmWeight * log P_lm(prefix) + insertionBonus * |prefix|. */
  lm: number;
}

interface Probs {
  pb: number;
  pnb: number;
}

function lse(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

function tokensOf(n: Node): number[] {
  const out: number[] = [];
  for (let m: Node | null = n; m && m.parent; m = m.parent) out.push(m.token);
  return out.reverse();
}

/**
 * Decode one utterance from log-probabilities [T, V] (row-major; log-softmax outputs). Returns up to
 * `beamWidth` hypotheses, best first.
 */
export function prefixBeamSearch(logProbs: ArrayLike<number>, T: number, V: number, opts: BeamOptions = {}): BeamHypothesis[] {
  const W = opts.beamWidth ?? 16;
  const blank = opts.blank ?? 0;
  const alpha = opts.lmWeight ?? 0.5;
  const beta = opts.insertionBonus ?? 0;
  const lm = opts.lm;
  if (!Number.isInteger(W) || W < 1) fail(`prefixBeamSearch: beamWidth ${W} must be a positive integer`);
  if (logProbs.length < T * V) fail(`prefixBeamSearch: ${logProbs.length} scores for T=${T}, V=${V}`);
  if (lm) {
    if (!opts.tokens || opts.tokens.length !== V) fail(`prefixBeamSearch: an LM needs the ${V} vocabulary tokens`);
    opts.tokens.forEach((s, i) => {
      if (i !== blank && !LM_SYMBOLS.includes(s)) fail(`prefixBeamSearch: token '${s}' is not a symbol of the character LM`);
    });
  }
  const ctxLen = lm ? lm.order - 1 : 0;
  const topK = Math.min(opts.topK ?? V, V);
  const root: Node = { parent: null, token: -1, children: new Map(), ctx: '', lm: 0 };
  const child = (n: Node, k: number): Node => {
    let c = n.children.get(k);
    if (!c) {
      let lmScore = n.lm + beta;
      let ctx = '';
      if (lm) {
        const sym = opts.tokens![k];
        lmScore += alpha * lm.logProb(n.ctx, sym);
        ctx = ctxLen > 0 ? (n.ctx + sym).slice(-ctxLen) : '';
      }
      c = { parent: n, token: k, children: new Map(), ctx, lm: lmScore };
      n.children.set(k, c);
    }
    return c;
  };

  let beams = new Map<Node, Probs>([[root, { pb: 0, pnb: -Infinity }]]);
  for (let t = 0; t < T; t++) {
    const row = t * V;
    const cand = candidates(logProbs, row, V, topK, blank);
    const next = new Map<Node, Probs>();
    const at = (n: Node): Probs => {
      let p = next.get(n);
      if (!p) next.set(n, (p = { pb: -Infinity, pnb: -Infinity }));
      return p;
    };
    for (const [n, b] of beams) {
      const total = lse(b.pb, b.pnb);
      const same = at(n);
      same.pb = lse(same.pb, total + logProbs[row + blank]);
      const last = n.token;
      if (last >= 0) same.pnb = lse(same.pnb, b.pnb + logProbs[row + last]); // a repeat merges into the same symbol
      for (const k of cand) {
        const ext = at(child(n, k));
        // After the same symbol, only a path through a blank starts a new one.
        ext.pnb = lse(ext.pnb, (k === last ? b.pb : total) + logProbs[row + k]);
      }
    }
    beams = prune(next, W);
  }
  const eos = lm && (opts.lmEos ?? true);
  return [...beams.entries()]
    .map(([n, b]) => {
      const acoustic = lse(b.pb, b.pnb);
      const lmScore = n.lm + (eos ? alpha * lm!.logProb(n.ctx, LM_EOS) : 0);
      return { tokens: tokensOf(n), acoustic, lm: lmScore, score: acoustic + lmScore };
    })
    .sort((a, b) => b.score - a.score);
}

/** Non-blank symbols to try at one frame: all, or the topK most likely. */
function candidates(lp: ArrayLike<number>, row: number, V: number, topK: number, blank: number): number[] {
  const all: number[] = [];
  for (let k = 0; k < V; k++) if (k !== blank) all.push(k);
  if (topK >= V - 1) return all;
  return all.sort((a, b) => lp[row + b] - lp[row + a]).slice(0, topK);
}

function prune(next: Map<Node, Probs>, W: number): Map<Node, Probs> {
  if (next.size <= W) return next;
  const scored = [...next.entries()].map(([n, b]) => [n, lse(b.pb, b.pnb) + n.lm, b] as const);
  scored.sort((a, b) => b[1] - a[1]);
  return new Map(scored.slice(0, W).map(([n, , b]) => [n, b]));
}
