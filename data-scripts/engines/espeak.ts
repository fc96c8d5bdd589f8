/** espeak-ng (not wired yet). */
import { fail } from '../../src/util/errors';
import { Speaker } from '../voices';
import { Synth } from './types';

export function espeakSynth(sp: Speaker, _text: string, _tmp: string, _tag: string): Synth {
  fail(`espeak-ng voices are not supported yet (${sp.base.name})`);
}
