/**
 * A small corpus of real recorded speech in LibriSpeech layout, for tests that must see real audio end to end:
 * the 16 kHz recordings of Debian's `pocketsphinx-testdata` (five LibriVox utterances of Sense and Sensibility,
 * five read card names), fetched as the corpus builder fetches its texts (`apt-get download`, `dpkg-deb -x`, no
 * install, no root) into the cache, and laid out as splits `test-real` (LibriVox) and `train-real` (cards).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fail } from '../util/errors';
import { cacheRoot } from '../util/paths';

const PKG = 'pocketsphinx-testdata';

function tool(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (${r.error?.message ?? r.stderr.trim().split('\n').pop()}); ${PKG} comes from Debian main`, cwd);
}

/** The unpacked package's test data folder (fetched once into the cache). */
export function pocketsphinxTestdata(): string {
  const root = path.join(cacheRoot(), 'debs', PKG);
  const data = path.join(root, 'x', 'usr', 'share', 'pocketsphinx', 'test', 'data');
  if (fs.existsSync(path.join(data, 'librivox', 'transcription'))) return data;
  fs.mkdirSync(root, { recursive: true });
  if (!fs.readdirSync(root).some((f) => f.endsWith('.deb'))) tool('apt-get', ['download', PKG], root);
  const deb = fs.readdirSync(root).find((f) => f.endsWith('.deb'))!;
  const tmp = fs.mkdtempSync(path.join(root, '.x-'));
  tool('dpkg-deb', ['-x', deb, tmp], root);
  fs.rmSync(path.join(root, 'x'), { recursive: true, force: true });
  fs.renameSync(tmp, path.join(root, 'x'));
  return data;
}

/** Write the LibriSpeech-layout corpus into `dest` (created); returns `dest`. */
export function realSpeechCorpus(dest: string): string {
  const data = pocketsphinxTestdata();
  const parts: [string, string, string, string][] = [['librivox', 'transcription', 'test-real', '1001'], ['cards', 'cards.transcription', 'train-real', '1002']];
  for (const [sub, trans, split, spk] of parts) {
    const dir = path.join(dest, split, spk, '1');
    fs.mkdirSync(dir, { recursive: true });
    const lines = fs.readFileSync(path.join(data, sub, trans), 'utf8').split('\n').filter((l) => l.trim());
    const out = lines.map((l, i) => {
      const m = /^<s>(.*)<\/s>\s*\(([^)]+)\)$/.exec(l.trim());
      if (!m) fail(`unexpected transcription line: ${l}`, path.join(data, sub, trans));
      const id = `${spk}-1-${String(i).padStart(4, '0')}`;
      fs.copyFileSync(path.join(data, sub, `${m[2]}.wav`), path.join(dir, `${id}.wav`));
      return `${id} ${m[1].trim().replace(/\s+/g, ' ').toUpperCase()}`;
    });
    fs.writeFileSync(path.join(dir, `${spk}-1.trans.txt`), out.join('\n') + '\n');
  }
  return dest;
}
