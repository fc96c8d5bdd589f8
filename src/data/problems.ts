/**
 * Corpus problems, found while reading: each names its file, and where it applies the line, the utterance id and
 * the byte offset, so a user can open the file at the spot. Readers collect them instead of stopping at the first,
 * load every good line, and leave it to the caller to refuse (the default) or go on with the good part
 * (`skipBad`, `--skip-bad`).
 */
import { BirqError } from '../util/errors';

export interface Problem {
  file: string;
  problem: string;
  /** 1-based line in a text file. */
  line?: number;
  /** The utterance (or recording) the problem is about. */
  id?: string;
  /** 0-based byte offset in the file (encoding errors). */
  byte?: number;
  /** The splits (and subsets) the problem belongs to, where known: a fault in test-other does not stop training on train. */
  splits?: string[];
}

export interface CorpusScan<T> {
  rows: T[];
  problems: Problem[];
}

/** `file: line N: problem`. */
export function formatProblem(p: Problem): string {
  return `${p.file}: ${p.line ? `line ${p.line}: ` : ''}${p.problem}`;
}

/** The problems that concern `split` (all of them when no split is given). */
export function problemsOfSplit(problems: Problem[], split?: string): Problem[] {
  return split ? problems.filter((p) => !p.splits || p.splits.includes(split)) : problems;
}

/** How many problems a refusal prints before "... and N more" (all of them are in `birq data check`). */
const SHOWN = 20;

/** Refusing a corpus: lists the problems as `birq data check` does and says how to go on anyway. */
export class CorpusProblemsError extends BirqError {
  constructor(readonly corpus: string, readonly problems: Problem[]) {
    const shown = problems.slice(0, SHOWN).map((p) => '  ' + formatProblem(p)).join('\n');
    const more = problems.length > SHOWN ? `\n  ... and ${problems.length - SHOWN} more (birq data check ${corpus})` : '';
    super(`${problems.length} problem(s) in the corpus; fix them, or pass --skip-bad to use only the good utterances:\n${shown}${more}`, corpus);
  }
}

/** Throw a CorpusProblemsError unless there are none or the caller accepts skipping them. */
export function refuseProblems(corpus: string, problems: Problem[], skipBad: boolean | undefined): void {
  if (problems.length && !skipBad) throw new CorpusProblemsError(corpus, problems);
}
