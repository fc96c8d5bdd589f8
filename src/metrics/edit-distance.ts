/**
 * Token alignment and error counts as NIST sclite reports them (SCTK 2.4.10, `sclite -s`, word mode).
 *
 * sclite does not minimize the plain Levenshtein distance: its dynamic program minimizes the weighted cost
 * correct 0, substitution 4, deletion 3, insertion 3 (SCTK's default weights). Among alignments with the same
 * number of errors this prefers fewer substitutions ("A B" vs "B C" is D C I, not S S), and rarely it reports
 * one error more than Levenshtein would (three substitutions cost 12, as do two deletions and two insertions).
 * Ties in the weighted cost are broken as sclite does, reading the alignment back from the end and preferring
 * the diagonal (correct or substitution), then an insertion, then a deletion: checked on 322 sentence pairs,
 * counts and alignments identical (test/fixtures/sclite, made by test/fixtures/make_sclite_golden.sh).
 * Tokens compare exactly (case-sensitive, like `sclite -s`).
 */

export interface ErrorCounts {
  hits: number;
  substitutions: number;
  deletions: number;
  insertions: number;
}

/** One column of an alignment: C correct, S substitution, D deletion (ref only), I insertion (hyp only). */
export interface AlignedPair {
  op: 'C' | 'S' | 'D' | 'I';
  ref: string | null;
  hyp: string | null;
}

export const SCLITE_WEIGHTS = { correct: 0, substitution: 4, deletion: 3, insertion: 3 } as const;

/** The minimum-cost alignment of `hyp` to `ref` under sclite's weights and tie-breaking. */
export function alignTokens(ref: readonly string[], hyp: readonly string[]): AlignedPair[] {
  const W = SCLITE_WEIGHTS;
  const N = ref.length;
  const M = hyp.length;
  const cols = M + 1;
  const cost = new Float64Array((N + 1) * cols); // cost[i, j]: ref[0, i) against hyp[0, j)
  for (let i = 0; i <= N; i++) {
    for (let j = 0; j <= M; j++) {
      if (i === 0 && j === 0) continue;
      let c = Infinity;
      if (i > 0 && j > 0) c = cost[(i - 1) * cols + j - 1] + (ref[i - 1] === hyp[j - 1] ? W.correct : W.substitution);
      if (i > 0) c = Math.min(c, cost[(i - 1) * cols + j] + W.deletion);
      if (j > 0) c = Math.min(c, cost[i * cols + j - 1] + W.insertion);
      cost[i * cols + j] = c;
    }
  }
  const out: AlignedPair[] = [];
  let i = N;
  let j = M;
  while (i > 0 || j > 0) {
    const here = cost[i * cols + j];
    if (i > 0 && j > 0) {
      const same = ref[i - 1] === hyp[j - 1];
      if (cost[(i - 1) * cols + j - 1] + (same ? W.correct : W.substitution) === here) {
        out.push({ op: same ? 'C' : 'S', ref: ref[i - 1], hyp: hyp[j - 1] });
        i--;
        j--;
        continue;
      }
    }
    if (j > 0 && cost[i * cols + j - 1] + W.insertion === here) {
      out.push({ op: 'I', ref: null, hyp: hyp[j - 1] });
      j--;
      continue;
    }
    out.push({ op: 'D', ref: ref[i - 1], hyp: null });
    i--;
  }
  return out.reverse();
}

/** sclite's per-sentence counts (#C #S #D #I). */
export function errorCounts(ref: readonly string[], hyp: readonly string[]): ErrorCounts {
  return countOps(alignTokens(ref, hyp));
}

export function countOps(alignment: readonly AlignedPair[]): ErrorCounts {
  const c: ErrorCounts = { hits: 0, substitutions: 0, deletions: 0, insertions: 0 };
  for (const a of alignment) {
    if (a.op === 'C') c.hits++;
    else if (a.op === 'S') c.substitutions++;
    else if (a.op === 'D') c.deletions++;
    else c.insertions++;
  }
  return c;
}

/** Sum of counts (corpus totals). */
export function addCounts(a: ErrorCounts, b: ErrorCounts): ErrorCounts {
  return {
    hits: a.hits + b.hits,
    substitutions: a.substitutions + b.substitutions,
    deletions: a.deletions + b.deletions,
    insertions: a.insertions + b.insertions,
  };
}
