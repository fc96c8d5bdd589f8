import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { labelQuality } from '../../src/metrics/label-quality';
import { cooccurrence, labelChurn, orderRowsByArgmax, streamAgreement } from '../../src/metrics/agreement';
import { Rng } from '../../src/util/rng';

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

/** fairseq's measure_teacher_quality.py written out on a dense joint matrix (rows phones, columns labels). */
function fairseqReference(phones: number[], labels: number[], P: number, L: number) {
  const p = Array.from({ length: P }, () => new Float64Array(L));
  phones.forEach((y, i) => (p[y][labels[i]] += 1 / phones.length));
  const px = p.map((r) => r.reduce((s, v) => s + v, 0));
  const pz = Array.from({ length: L }, (_, j) => p.reduce((s, r) => s + r[j], 0));
  let mi = 0;
  for (let y = 0; y < P; y++) for (let z = 0; z < L; z++) mi += p[y][z] * Math.log(p[y][z] / (px[y] * pz[z]) + 1e-8);
  const hx = -px.reduce((s, v) => s + v * Math.log(v + 1e-8), 0);
  let refPur = 0;
  for (let z = 0; z < L; z++) refPur += Math.max(...p.map((r) => r[z]));
  const hypPur = p.reduce((s, r) => s + Math.max(...r), 0);
  return { refPur, hypPur, pnmi: mi / hx };
}

describe('labelQuality (HuBERT definitions)', () => {
  it('hand-computed case', () => {
    // joint counts: (y0,z5)=2 (y0,z6)=1 (y1,z6)=2 (y2,z6)=1, N = 6
    const q = labelQuality([0, 0, 0, 1, 1, 2], [5, 5, 6, 6, 6, 6]);
    near(q.phonePurity, (2 + 2) / 6, 1e-12, 'phone purity');
    near(q.clusterPurity, (2 + 2 + 1) / 6, 1e-12, 'cluster purity');
    const H = (ps: number[]) => -ps.reduce((s, p) => s + p * Math.log(p), 0);
    const hy = H([1 / 2, 1 / 3, 1 / 6]);
    const mi = hy + H([1 / 3, 2 / 3]) - H([2 / 6, 1 / 6, 2 / 6, 1 / 6]);
    near(q.phoneEntropy, hy, 1e-12, 'H(phone)');
    near(q.pnmi, mi / hy, 1e-12, 'PNMI');
    near(q.pnmi, 0.314668, 1e-6, 'PNMI by hand');
  });

  it('perfect labels (a renaming of the phones) give PNMI 1 and purities 1', () => {
    const rng = new Rng(1);
    const phones = Array.from({ length: 5000 }, () => rng.int(40));
    const q = labelQuality(phones, phones.map((p) => 7 * p + 3));
    near(q.pnmi, 1, 1e-12, 'PNMI');
    near(q.phonePurity, 1, 0, 'phone purity');
    near(q.clusterPurity, 1, 0, 'cluster purity');
  });

  it('a refinement keeps PNMI 1 and phone purity 1 but lowers cluster purity', () => {
    const rng = new Rng(2);
    const phones = Array.from({ length: 8000 }, () => rng.int(10));
    const q = labelQuality(phones, phones.map((p) => 2 * p + rng.int(2)));
    near(q.pnmi, 1, 1e-12, 'PNMI');
    near(q.phonePurity, 1, 0, 'phone purity');
    near(q.clusterPurity, 0.5, 0.02, 'cluster purity');
  });

  it('independent labels give PNMI ~ 0', () => {
    const rng = new Rng(3);
    const n = 100000;
    const q = labelQuality(Array.from({ length: n }, () => rng.int(40)), Array.from({ length: n }, () => rng.int(100)));
    // Plug-in MI of independent streams is biased up by ~(40-1)(100-1)/(2N) nats.
    assert.ok(q.pnmi < 0.01 && q.pnmi >= 0, `PNMI ${q.pnmi}`);
    near(q.phonePurity, 1 / 40, 0.02, 'phone purity near chance');
  });

  it('agrees with fairseq measure_teacher_quality.py formulas on random correlated streams', () => {
    const rng = new Rng(4);
    const phones = Array.from({ length: 3000 }, () => rng.int(12));
    const labels = phones.map((p) => (rng.uniform() < 0.6 ? p % 7 : rng.int(20)));
    const q = labelQuality(phones, labels);
    const r = fairseqReference(phones, labels, 12, 20);
    near(q.phonePurity, r.refPur, 1e-12, 'phone purity = ref pur');
    near(q.clusterPurity, r.hypPur, 1e-12, 'cluster purity = hyp pur');
    near(q.pnmi, r.pnmi, 1e-6, 'PNMI = MI/H(ref)');
  });

  it('bad input', () => {
    assert.throws(() => labelQuality([1, 2], [1]), /labelQuality: the streams have 2 and 1 frames/);
    assert.throws(() => labelQuality([], []), /no frames/);
    assert.ok(Number.isNaN(labelQuality([3, 3], [1, 2]).pnmi), 'a single phone has H = 0: PNMI undefined');
  });
});

describe('stream agreement, co-occurrence, churn', () => {
  it('NMI is 1 for a renaming, 0 against a constant, symmetric', () => {
    const rng = new Rng(5);
    const a = Array.from({ length: 4000 }, () => rng.int(16));
    near(streamAgreement(a, a.map((x) => 15 - x)).nmi, 1, 1e-12, 'renaming');
    assert.equal(streamAgreement(a, a.map(() => 4)).nmi, 0);
    const b = a.map((x) => (rng.uniform() < 0.5 ? x : rng.int(16)));
    near(streamAgreement(a, b).nmi, streamAgreement(b, a).nmi, 1e-12, 'symmetry');
    const s = streamAgreement(a, b);
    near(s.nmi, s.mutualInfo / Math.sqrt(s.entropyA * s.entropyB), 1e-12, 'definition');
    assert.ok(s.perplexityA > 15 && s.perplexityA <= 16, `perplexity ${s.perplexityA}`);
  });

  it('co-occurrence counts frames and keeps the most frequent labels', () => {
    const c = cooccurrence([1, 1, 1, 2, 2, 3], [9, 9, 8, 8, 8, 7], 2);
    assert.deepEqual(c.rows, [1, 2]);
    assert.deepEqual(c.cols, [8, 9]);
    assert.deepEqual(c.counts, [[1, 2], [2, 0]]);
    assert.equal(c.otherFrames, 1);
    assert.deepEqual(orderRowsByArgmax(c).rows, [2, 1]);
  });

  it('label churn', () => {
    const ch = labelChurn([1, 2, 3, 4], [1, 2, 4, 3]);
    assert.equal(ch.changed, 0.5);
    near(ch.nmi, 1, 1e-12, 'a swap of two labels is still a renaming');
    assert.throws(() => labelChurn([1], [1, 2]), /labelChurn/);
  });
});
