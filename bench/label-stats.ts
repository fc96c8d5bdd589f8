/**
 * `npm run bench -- label-stats [--json]`: adjustedMutualInformation and labelQualityWithChance at the sizes the
 * label pipeline meets: 25,000 frames x 8192 codes (anchor vs enhanced on a dev split), independent and
 * dependent streams, and 2,000 codes; 40 phones x 2,350 codes with 5 shuffles for the chance levels.
 * (scikit-learn 1.2.1 sums E[I] over every row x column pair: 8192^2 pairs here; ami.ts sums over pairs of
 * distinct marginal counts.)
 */
import { adjustedMutualInformationParts } from '../src/metrics/ami';
import { labelQualityWithChance } from '../src/metrics/label-chance';
import { Rng } from '../src/util/rng';

export async function run(args: string[]): Promise<number> {
  const json = args.includes('--json');
  const rng = new Rng(1);
  const draw = (n: number, k: number) => Int32Array.from({ length: n }, () => rng.int(k));
  const time = (fn: () => unknown, n = 5) => {
    fn();
    const ts: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      fn();
      ts.push(performance.now() - t0);
    }
    return ts.sort((x, y) => x - y)[n >> 1];
  };
  const rows: Record<string, unknown>[] = [];
  const N = 25000;
  const a = draw(N, 8192);
  const cases: Array<[string, Int32Array, Int32Array]> = [
    ['AMI 25k frames, 8192 x 8192 codes, independent', a, draw(N, 8192)],
    ['AMI 25k frames, 8192 x 8192 codes, b = a half the time', a, a.map((x) => (rng.uniform() < 0.5 ? x : rng.int(8192)))],
    ['AMI 25k frames, 2000 x 2000 codes, independent', draw(N, 2000), draw(N, 2000)],
    ['AMI 25k frames, 40 phones x 8192 codes', draw(N, 40), draw(N, 8192)],
  ];
  for (const [what, x, y] of cases) {
    const p = adjustedMutualInformationParts(x, y);
    rows.push({ bench: 'label-stats', what, ms: time(() => adjustedMutualInformationParts(x, y)), ami: p.ami, labelsA: p.labelsA, labelsB: p.labelsB });
  }
  const phones = draw(22933, 40);
  const labels = draw(22933, 2350);
  rows.push({ bench: 'label-stats', what: 'labelQualityWithChance 22,933 frames, 40 phones x 2350 codes, 5 shuffles', ms: time(() => labelQualityWithChance(phones, labels, { repeats: 5 }), 3) });
  for (const r of rows) process.stdout.write(json ? JSON.stringify(r) + '\n' : `${String(r.what).padEnd(72)} ${(r.ms as number).toFixed(1).padStart(8)} ms${r.ami !== undefined ? `  AMI ${(r.ami as number).toFixed(5)}` : ''}\n`);
  return 0;
}
