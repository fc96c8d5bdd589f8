/**
 * flite: one process per utterance (fast to start). `-psdur` prints `phone:end_time` pairs on stdout, the
 * exact segment ends the waveform was generated from.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readAudio, toMono } from '../../src/audio';
import { fail } from '../../src/util/errors';
import { runTool } from '../tools';
import { Speaker } from '../voices';
import { RawSegment, Synth } from './types';

export function fliteSynth(sp: Speaker, text: string, tmpDir: string, tag: string): Synth {
  const wav = path.join(tmpDir, `${tag}.flite.wav`);
  const args = ['-voice', sp.base.name, '-psdur', '-o', wav];
  if (sp.stretch !== 1) args.push('--setf', `duration_stretch=${sp.stretch}`);
  if (sp.f0Shift !== 1) args.push('--setf', `f0_shift=${sp.f0Shift}`);
  args.push('-t', text);
  const out = runTool('flite', args, { what: `voice ${sp.base.name}` }).toString();
  const segments: RawSegment[] = [];
  for (const tok of out.trim().split(/\s+/)) {
    const m = /^([^:]+):([0-9.]+)$/.exec(tok);
    if (!m) fail(`unexpected flite -psdur token '${tok}'`, `flite -voice ${sp.base.name}`);
    segments.push({ phone: m[1], end: Number(m[2]) });
  }
  const a = readAudio(wav);
  fs.rmSync(wav, { force: true });
  return { samples: toMono(a), rate: a.sampleRate, segments };
}
