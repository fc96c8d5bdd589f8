/**
 * festival: one process per batch of utterances of one speaker (its start-up costs ~0.3 s), driven by a
 * generated Scheme script; `utt.save.segs` writes the exact segment end times (`end code phone` lines after a
 * `#` header).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readAudio, toMono } from '../../src/audio';
import { fail } from '../../src/util/errors';
import { runTool } from '../tools';
import { Speaker } from '../voices';
import { RawSegment, Synth } from './types';

export function festivalSynthBatch(sp: Speaker, texts: string[], tmpDir: string, tag: string): Synth[] {
  const lines = [`(voice_${sp.base.name})`];
  if (sp.stretch !== 1) lines.push(`(Parameter.set 'Duration_Stretch ${sp.stretch})`);
  const files = texts.map((_, i) => path.join(tmpDir, `${tag}-${i}`));
  texts.forEach((t, i) => {
    const q = t.replace(/[\\"]/g, '');
    lines.push(`(set! u (Utterance Text "${q}"))`, '(utt.synth u)',
      `(utt.save.wave u "${files[i]}.wav" 'riff)`, `(utt.save.segs u "${files[i]}.segs")`);
  });
  const script = path.join(tmpDir, `${tag}.scm`);
  fs.writeFileSync(script, lines.join('\n') + '\n');
  runTool('festival', ['-b', script], { what: `voice ${sp.base.name}` });
  fs.rmSync(script, { force: true });
  return files.map((f) => {
    if (!fs.existsSync(`${f}.segs`)) fail(`festival wrote no segments (voice ${sp.base.name} not installed?)`, `${f}.segs`);
    const segments: RawSegment[] = [];
    for (const line of fs.readFileSync(`${f}.segs`, 'utf8').split('\n')) {
      const m = /^\s*([0-9.]+)\s+\S+\s+(\S+)\s*$/.exec(line);
      if (m) segments.push({ phone: m[2], end: Number(m[1]) });
    }
    const a = readAudio(`${f}.wav`);
    fs.rmSync(`${f}.wav`, { force: true });
    fs.rmSync(`${f}.segs`, { force: true });
    return { samples: toMono(a), rate: a.sampleRate, segments };
  });
}
