/**
 * Generators' phone symbols → CMU-39 + sil (the inventory is `PHONE_SET` in src/data/segments.ts).
 * flite and festival use the US "radio" set (docs/data.md §2): pau → sil, ax → ah, axr → er; the
 * remaining allophones (dx, el, em, en, nx, hv, ix) fold onto their TIMIT-style CMU phone.
 */
import { fail } from '../src/util/errors';
import { PHONE_SET } from '../src/data/segments';

const RADIO_EXTRA: Record<string, string> = { pau: 'sil', 'h#': 'sil', brth: 'sil', ssil: 'sil', ax: 'ah', axr: 'er', dx: 't', el: 'l', em: 'm', en: 'n', nx: 'n', hv: 'hh', ix: 'ih' };
const KNOWN = new Set<string>(PHONE_SET);

/** Map a flite/festival phone to CMU-39 + sil; an unknown symbol is an error naming it. */
export function mapRadioPhone(p: string, where: string): string {
  const q = p.toLowerCase().replace(/[0-9]$/, '');
  if (KNOWN.has(q)) return q;
  const m = RADIO_EXTRA[q];
  if (m) return m;
  fail(`phone '${p}' has no CMU-39 mapping`, where);
}
