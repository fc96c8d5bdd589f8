/**
 * `birq lm [--books emma,mansfield,pride,sense] [--text FILE] [--order 6] [--smoothing kneser-ney|witten-bell]
 *          [--out FILE] [--json]`
 *
 * Trains the character n-gram LM used by `birq eval --lm` (decode/ngram-lm.ts). By default on the built-in
 * corpus's pretraining and labeled-training books (Emma, Mansfield Park, Pride and Prejudice, Sense and
 * Sensibility), never on Persuasion (dev) or Northanger Abbey (test): asking for those is an error, so the LM
 * cannot have seen the sentences it is scored on. `--text FILE` trains on your own text instead (one sentence
 * per line, normalized by decode/text.ts with unknown characters dropped and counted). Prints bits per
 * character on the dev book as a check, and writes JSON (default: <data root>/lm/austen-char<order>.json).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CharNgramLm, LmSmoothing, saveLm } from '../decode/ngram-lm';
import { normalizeTextReport } from '../decode/text';
import { fail } from '../util/errors';
import { dataRoot } from '../util/paths';
import { parseFlags } from './args';

const HELD_OUT: Record<string, string> = { persuasion: 'dev', northanger: 'test-clean / test-other' };
export const LM_BOOKS = ['emma', 'mansfield', 'pride', 'sense'] as const;

/** The parts of data-scripts used here, typed locally (data-scripts is loaded by path, outside the package). */
interface AustenModule {
  fetchAusten(cacheDir: string): string;
  readNovels(rdb: string): Record<string, string[]>;
}
interface TextModule {
  novelSentences(lines: string[]): { transcript: string }[];
}

/** Normalized sentences of the named Austen novels (the corpus builder's own sentence splitting). */
export async function austenSentences(books: readonly string[]): Promise<Record<string, string[]>> {
  for (const b of books) if (HELD_OUT[b]) fail(`'${b}' holds the ${HELD_OUT[b]} transcripts; an LM trained on it would have seen the sentences it is scored on`);
  const ds = path.join(__dirname, '..', '..', 'data-scripts');
  const austen = (await import(path.join(ds, 'austen'))) as AustenModule;
  const text = (await import(path.join(ds, 'text'))) as TextModule;
  const novels = austen.readNovels(austen.fetchAusten(path.join(dataRoot(), 'cache')));
  const out: Record<string, string[]> = {};
  for (const b of books) {
    if (!novels[b]) fail(`unknown book '${b}' (known: ${Object.keys(novels).join(', ')})`);
    out[b] = text.novelSentences(novels[b]).map((s) => s.transcript);
  }
  return out;
}

export async function run(args: string[]): Promise<number> {
  const { flags } = parseFlags('lm', args, {
    books: { type: 'string', help: 'comma-separated Austen books (default emma,mansfield,pride,sense)' },
    text: { type: 'string', help: 'train on this text file instead (one sentence per line)' },
    order: { type: 'number', help: 'n-gram order in characters (default 6)', range: { integer: true, min: 1, max: 12 } },
    smoothing: { type: 'string', help: 'kneser-ney (default) or witten-bell', choices: ['kneser-ney', 'witten-bell'] },
    out: { type: 'string' },
    json: { type: 'boolean' },
  });
  const order = (flags.order as number | undefined) ?? 6;
  if (flags.books !== undefined && flags.text !== undefined) fail('--books and --text exclude each other');
  const books = ((flags.books as string | undefined) ?? LM_BOOKS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  if (!books.length) fail(`--books: must name one or more of ${LM_BOOKS.join(', ')}, got '${flags.books}'`);
  for (const x of books) if (!(LM_BOOKS as readonly string[]).includes(x) && !HELD_OUT[x]) fail(`--books: must be comma-separated books among ${LM_BOOKS.join(', ')}, got '${x}'`);
  let sentences: string[];
  let source: string;
  let dropped = 0;
  if (flags.text) {
    const file = flags.text as string;
    if (!fs.existsSync(file)) fail('text file not found', file);
    sentences = [];
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const r = normalizeTextReport(line);
      dropped += r.dropped.length;
      if (r.text) sentences.push(r.text);
    }
    source = `text file ${path.resolve(file)}`;
  } else {
    sentences = Object.values(await austenSentences(books)).flat();
    source = austenSource(books);
  }
  const t0 = Date.now();
  const smoothing = ((flags.smoothing as string | undefined) ?? 'kneser-ney') as LmSmoothing;
  const lm = CharNgramLm.train(sentences, order, source, smoothing);
  const out = (flags.out as string | undefined) ?? path.join(dataRoot(), 'lm', `austen-char${order}${smoothing === 'witten-bell' ? '-wb' : ''}.json`);
  saveLm(lm, out);
  let devBpc: number | null = null;
  if (!flags.text) devBpc = lm.bitsPerChar(await devSentences());
  const report = { out, order, sentences: lm.info.sentences, characters: lm.info.characters, source, devBitsPerChar: devBpc, droppedCharacterKinds: dropped, seconds: (Date.now() - t0) / 1000 };
  if (flags.json) process.stdout.write(JSON.stringify(report) + '\n');
  else {
    process.stdout.write(`char ${order}-gram LM (${smoothing}) on ${lm.info.sentences} sentences, ${lm.info.characters} characters -> ${out}\n`);
    if (devBpc !== null) process.stdout.write(`dev (Persuasion) bits per character: ${devBpc.toFixed(3)}\n`);
  }
  return 0;
}

/**
 * The default LM (6-gram, Kneser–Ney, the four training books) at its default path, trained if it is not there:
 * `birq eval --lm builtin`. Training is deterministic, so two processes racing to write it write the same file.
 */
export async function builtinLm(order = 6): Promise<string> {
  const out = path.join(dataRoot(), 'lm', `austen-char${order}.json`);
  if (fs.existsSync(out)) return out;
  const sentences = Object.values(await austenSentences(LM_BOOKS)).flat();
  saveLm(CharNgramLm.train(sentences, order, austenSource(LM_BOOKS), 'kneser-ney'), out);
  return out;
}

/** How an LM trained on the built-in books names its source (it is printed beside every LM decode). */
function austenSource(books: readonly string[]): string {
  return `Austen: ${books.join(', ')} (data-scripts sentence splitting, LibriSpeech normalization)`;
}

/** Persuasion's sentences: read for the held-out check only, never trained on. */
async function devSentences(): Promise<string[]> {
  const ds = path.join(__dirname, '..', '..', 'data-scripts');
  const austen = (await import(path.join(ds, 'austen'))) as AustenModule;
  const text = (await import(path.join(ds, 'text'))) as TextModule;
  return text.novelSentences(austen.readNovels(austen.fetchAusten(path.join(dataRoot(), 'cache'))).persuasion).map((s) => s.transcript);
}
