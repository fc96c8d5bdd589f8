/**
 * adjustedMutualInformation against scikit-learn's adjusted_mutual_info_score (test/fixtures/ami/golden.json,
 * made by test/fixtures/make_ami_golden.py with Debian's python3-sklearn), its parts, and the properties the
 * label statistics rely on: ~0 for independent streams at any number of codes, 1 for a renaming.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { adjustedMutualInformation, adjustedMutualInformationParts, expectedMutualInformation, logGamma } from '../../src/metrics/ami';
import { streamAgreement } from '../../src/metrics/agreement';
import { Rng } from '../../src/util/rng';

interface Spec { kind: 'independent' | 'identical' | 'planted' | 'skewed'; n: number; ka: number; kb: number; seed: number; keep?: number }
interface Case { name: string; ami: number; mi?: number; emi?: number; ha?: number; hb?: number; a?: number[]; b?: number[]; spec?: Spec }
const golden = JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/ami/golden.json'), 'utf8')) as { meta: { tolerance: { ami: number; parts: number } }; cases: Case[] };

const M = 2147483647;
/** make_ami_golden.py's expand(): MINSTD draws (exact in doubles: 48271 · 2^31 < 2^53), in the same order. */
function expand(s: Spec): [number[], number[]] {
  let x = s.seed % M || 1;
  const draw = () => (x = (x * 48271) % M);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < s.n; i++) {
    if (s.kind === 'skewed') {
      const u = draw() / M;
      a.push(Math.floor(s.ka * (u * u * u)));
      const v = draw() / M;
      b.push(Math.floor(s.kb * (v * v * v)));
      continue;
    }
    const ai = draw() % s.ka;
    a.push(ai);
    if (s.kind === 'independent') b.push(draw() % s.kb);
    else if (s.kind === 'identical') b.push(s.kb ? (7 * ai + 1) % s.kb : ai);
    else if (draw() % 1000 < s.keep! * 1000) b.push((ai * 7 + 3) % s.kb);
    else b.push(draw() % s.kb);
  }
  return [a, b];
}

describe('adjustedMutualInformation = sklearn adjusted_mutual_info_score', () => {
  const tol = golden.meta.tolerance;
  let worst = 0;
  for (const c of golden.cases) {
    it(c.name, () => {
      const [a, b] = c.spec ? expand(c.spec) : [c.a!, c.b!];
      const p = adjustedMutualInformationParts(a, b);
      const d = Math.abs(p.ami - c.ami);
      worst = Math.max(worst, d);
      assert.ok(d <= tol.ami, `AMI ${p.ami} vs sklearn ${c.ami} (diff ${d})`);
      assert.equal(adjustedMutualInformation(a, b), p.ami);
      if (c.mi !== undefined) {
        for (const [mine, ref, what] of [[p.mutualInfo, c.mi, 'MI'], [p.expectedMutualInfo, c.emi!, 'EMI'], [p.entropyA, c.ha!, 'H(a)'], [p.entropyB, c.hb!, 'H(b)']] as const)
          assert.ok(Math.abs(mine - ref) <= tol.parts, `${what} ${mine} vs sklearn ${ref}`);
      }
    });
  }
  it('worst difference over all cases', () => assert.ok(worst <= tol.ami, `max |AMI - sklearn| = ${worst}`));
});

describe('adjustedMutualInformation properties', () => {
  it('independent labelings of 2,000 frames over 8192 codes: AMI within 0.01 of 0 while NMI is ~0.98', () => {
    for (let seed = 1; seed <= 3; seed++) {
      const rng = new Rng(seed);
      const a = Array.from({ length: 2000 }, () => rng.int(8192));
      const b = Array.from({ length: 2000 }, () => rng.int(8192));
      const ami = adjustedMutualInformation(a, b);
      assert.ok(Math.abs(ami) < 0.01, `seed ${seed}: AMI ${ami}`);
      assert.ok(streamAgreement(a, b).nmi > 0.9, 'NMI is inflated by the code count (why AMI is the headline)');
    }
  });

  it('symmetric, and invariant to renaming labels', () => {
    const [a, b] = expand({ kind: 'planted', n: 3000, ka: 30, kb: 50, keep: 0.4, seed: 77 });
    const ab = adjustedMutualInformation(a, b);
    assert.ok(Math.abs(ab - adjustedMutualInformation(b, a)) < 1e-12);
    assert.ok(Math.abs(ab - adjustedMutualInformation(a.map((x) => 1000 - 3 * x), Int32Array.from(b, (x) => x + 5))) < 1e-12);
  });

  it('E[I] under shuffling equals the mean MI of shuffled streams', () => {
    const rng = new Rng(5);
    const a = Array.from({ length: 600 }, () => rng.int(20));
    const b = Array.from({ length: 600 }, () => rng.int(60));
    const p = adjustedMutualInformationParts(a, b);
    let mean = 0;
    const R = 300;
    for (let r = 0; r < R; r++) {
      for (let i = b.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [b[i], b[j]] = [b[j], b[i]];
      }
      mean += adjustedMutualInformationParts(a, b).mutualInfo / R;
    }
    assert.ok(Math.abs(mean - p.expectedMutualInfo) < 0.02 * p.expectedMutualInfo, `shuffled mean MI ${mean} vs E[I] ${p.expectedMutualInfo}`);
  });

  it('expectedMutualInformation from marginals alone; 0 for a single label', () => {
    assert.equal(expectedMutualInformation([10], [3, 7]), 0);
    assert.throws(() => expectedMutualInformation([1, 2], [4]), /sum to 3.*4/);
  });

  it('logGamma matches scipy.special.gammaln within a few ulp', () => {
    // /usr/bin/python3 -c "from scipy.special import gammaln; print(repr(float(gammaln(x))))", scipy 1.10.1
    const ref: Array<[number, number]> = [[0.5, 0.5723649429247], [1, 0], [2, 0], [3.7, 1.428072326665388], [14.5, 23.86276584168909],
      [15, 25.191221182738683], [101, 363.73937555556347], [1000.5, 5908.674175848678], [25001, 228171.75985367692]];
    for (const [x, y] of ref) assert.ok(Math.abs(logGamma(x) - y) <= 8 * Number.EPSILON * Math.max(1, Math.abs(y)), `lgamma(${x}) = ${logGamma(x)} vs ${y}`);
  });

  it('bad input', () => {
    assert.throws(() => adjustedMutualInformation([1, 2], [1]), /2 and 1 frames/);
  });
});
