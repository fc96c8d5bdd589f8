import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { encodeWav } from '../../src/audio';
import { checkCorpus, CorpusProblemsError, formatProblem, openCorpus, scanCorpus } from '../../src/data';

const tmp = (p: string) => fs.mkdtempSync(path.join(os.tmpdir(), p));
const tone = (n: number) => encodeWav(Float32Array.from({ length: n }, (_, i) => 0.2 * Math.sin(i / 7)), 16000);

/** The chapter: 3 good lines, one line with a Latin-1 byte, one line without audio, one audio without a line. */
function badChapter(): { root: string; trans: string } {
  const root = tmp('birq-lines-');
  const dir = path.join(root, 'dev-clean', '7001', '1');
  fs.mkdirSync(dir, { recursive: true });
  for (const n of ['0000', '0001', '0002', '0003', '0005']) fs.writeFileSync(path.join(dir, `7001-1-${n}.wav`), tone(3200));
  const trans = path.join(dir, '7001-1.trans.txt');
  fs.writeFileSync(trans, Buffer.concat([
    Buffer.from('7001-1-0000 THE FIRST LINE\n7001-1-0001 THE SECOND LINE\n7001-1-0002 THE THIRD\n'),
    Buffer.from('7001-1-0003 CAF'), Buffer.from([0xe9]), Buffer.from(' AU LAIT\n'),
    Buffer.from('7001-1-0004 A LINE WITHOUT AUDIO\n'),
  ]));
  return { root, trans };
}

test('a bad byte costs its line only: the chapter loads its 3 good utterances and the check reports exactly 3 problems', () => {
  const { root, trans } = badChapter();
  const r = checkCorpus(root);
  const lines = r.problems.map(formatProblem);
  assert.equal(r.problems.length, 3, lines.join('\n'));
  assert.equal(r.utterances, 3);
  const enc = r.problems.find((p) => /not valid UTF-8/.test(p.problem))!;
  assert.deepEqual([enc.file, enc.line, enc.id, enc.byte], [trans, 4, '7001-1-0003', 92]);
  assert.ok(r.problems.some((p) => p.file === trans && p.line === 5 && p.id === '7001-1-0004' && /has no audio/.test(p.problem)));
  assert.ok(r.problems.some((p) => p.file.endsWith('7001-1-0005.wav') && /audio without a transcript/.test(p.problem)));
  assert.match(lines.join('\n'), /7001-1\.trans\.txt: line 4: 7001-1-0003: not valid UTF-8 \(byte 92\)/);
  // Training refuses by default, listing them; with skipBad the good part loads and the skipped ones are counted.
  assert.throws(() => openCorpus(root), (e: unknown) => e instanceof CorpusProblemsError && e.problems.length === 3 && /--skip-bad/.test(e.message) && e.message.includes('line 4'));
  const skipped: never[] = [];
  const rows = openCorpus(root, { skipBad: true, skipped });
  assert.deepEqual(rows.map((x) => x.id), ['7001-1-0000', '7001-1-0001', '7001-1-0002']);
  assert.equal(skipped.length, 3);
  assert.equal(rows[0].split, 'dev-clean');
});

test('malformed trans.txt lines are named: no transcript, id not of the chapter, duplicate id, CRLF and BOM are fine', () => {
  const root = tmp('birq-lines-');
  const dir = path.join(root, '12', '34');
  fs.mkdirSync(dir, { recursive: true });
  for (const n of ['0000', '0001', '0002']) fs.writeFileSync(path.join(dir, `12-34-${n}.wav`), tone(1600));
  fs.writeFileSync(path.join(dir, '12-34.trans.txt'), '\ufeff12-34-0000 HELLO\r\n12-34-0001\r\n99-1-0000 WRONG CHAPTER\n12-34-0000 AGAIN\n12-34-0002 FINE\n');
  const s = scanCorpus(root);
  const by = (line: number) => s.problems.find((p) => p.line === line)?.problem ?? '';
  assert.match(by(2), /expected .* only "12-34-0001" \(no transcript\)/);
  assert.match(by(3), /99-1-0000: utterance id is not of chapter 12-34/);
  assert.match(by(4), /12-34-0000: duplicate utterance id \(first on line 1\)/);
  assert.deepEqual(s.rows.map((r) => [r.id, r.text]), [['12-34-0000', 'HELLO'], ['12-34-0002', 'FINE']]);
  assert.equal(s.problems.length, 3, s.problems.map(formatProblem).join('\n'));
});

test('Kaldi: bad lines in wav.scp, segments, text and utt2spk are named with line and id; the rest loads', () => {
  const root = tmp('birq-kaldi-lines-');
  fs.writeFileSync(path.join(root, 'a.wav'), tone(32000));
  fs.writeFileSync(path.join(root, 'wav.scp'), `recA a.wav\nrecA b.wav\nrecB\nrecP sox x.wav -t wav - |\n`);
  fs.writeFileSync(path.join(root, 'segments'), 'u1 recA 0 0.5\nu2 recA 0.5\nu3 recA 1.0 0.2\nu4 recA 0.5 1.5\nu5 recA 1.5 1.9\n');
  fs.writeFileSync(path.join(root, 'text'), Buffer.concat([Buffer.from('u1 HELLO\nu2 X\nu3 Y\nu4\nu5 CAF'), Buffer.from([0xe9, 0x0a]), Buffer.from('u9 NO AUDIO\n')]));
  fs.writeFileSync(path.join(root, 'utt2spk'), 'u1 s1\nu4 s1\nu1 s2\n');
  const s = scanCorpus(root);
  const at = (file: string, line: number) => s.problems.find((p) => p.file.endsWith(file) && p.line === line);
  assert.match(at('wav.scp', 2)!.problem, /duplicate key recA \(first on line 1\)/);
  assert.match(at('wav.scp', 3)!.problem, /recB: no audio path/);
  assert.match(at('wav.scp', 4)!.problem, /piped/);
  assert.match(at('segments', 2)!.problem, /segment u2: expected/);
  assert.match(at('segments', 3)!.problem, /segment u3: bad times 1.0 0.2/);
  assert.match(at('text', 4)!.problem, /u4: empty transcript/);
  assert.equal(at('text', 5)!.id, 'u5');
  assert.match(at('text', 5)!.problem, /not valid UTF-8/);
  assert.match(at('text', 6)!.problem, /transcript for u9, which has no audio/);
  assert.match(at('utt2spk', 3)!.problem, /duplicate key u1/);
  assert.deepEqual(s.rows.map((r) => r.id), ['u1']);
  assert.equal(s.rows[0].speaker, 's1');
});

test('JSONL manifest: bad JSON, missing fields, duplicate ids, empty transcripts and missing audio are named by line', () => {
  const root = tmp('birq-manifest-lines-');
  fs.writeFileSync(path.join(root, 'a.wav'), tone(1600));
  const m = path.join(root, 'manifest.jsonl');
  fs.writeFileSync(m, ['{"id":"a","audio":"a.wav","text":"HI","split":"dev"}', '{"id":"b",', '{"audio":"a.wav"}', '{"id":"a","audio":"a.wav"}',
    '{"id":"c","audio":"a.wav","text":" ","split":"test"}', '{"id":"d","audio":"nope.wav","split":"test"}'].join('\n') + '\n');
  const s = scanCorpus(root);
  const at = (line: number) => s.problems.find((p) => p.line === line)?.problem ?? '';
  assert.match(at(2), /not valid JSON/);
  assert.match(at(3), /needs string fields "id" and "audio"/);
  assert.match(at(4), /a: duplicate utterance id \(first on line 1\)/);
  assert.match(at(5), /c: empty transcript/);
  assert.match(at(6), /d: audio file not found/);
  assert.deepEqual(s.rows.map((r) => r.id), ['a']);
  // The problems of split 'test' do not stop opening 'dev' (those of unknown split, lines 2-4, do).
  assert.throws(() => openCorpus(root, { split: 'dev' }), /3 problem/);
});
