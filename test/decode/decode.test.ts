import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { collapsePath, greedyDecode, greedyDecodeBatch } from '../../src/decode/greedy';
import { prefixBeamSearch } from '../../src/decode/prefix-beam';
import { CharNgramLm, LM_EOS, LM_SYMBOLS, loadLm, saveLm } from '../../src/decode/ngram-lm';
import { charVocab } from '../../src/decode/vocab';
import { Rng } from '../../src/util/rng';

/** Random log-softmax rows [T, V]; `peak` > 0 makes one symbol per frame dominate. */
function randomLogProbs(rng: Rng, T: number, V: number, peak = 0): Float64Array {
  const lp = new Float64Array(T * V);
  for (let t = 0; t < T; t++) {
    const hot = rng.int(V);
    let z = 0;
    for (let k = 0; k < V; k++) {
      lp[t * V + k] = rng.normal() + (k === hot ? peak : 0);
      z += Math.exp(lp[t * V + k]);
    }
    for (let k = 0; k < V; k++) lp[t * V + k] -= Math.log(z);
  }
  return lp;
}

/** Every path of length T, collapsed; returns score per labeling (log-sum-exp over its paths + extra(labeling)). */
function bruteForce(lp: Float64Array, T: number, V: number, extra: (l: number[]) => number = () => 0) {
  const sum = new Map<string, number>();
  const path = new Array(T).fill(0);
  for (let n = 0; n < V ** T; n++) {
    let x = n;
    let s = 0;
    for (let t = 0; t < T; t++) {
      path[t] = x % V;
      x = Math.floor(x / V);
      s += lp[t * V + path[t]];
    }
    const key = collapsePath(path).join(',');
    sum.set(key, (sum.get(key) ?? 0) + Math.exp(s));
  }
  let best = '';
  let bestScore = -Infinity;
  for (const [k, p] of sum) {
    const l = k ? k.split(',').map(Number) : [];
    const sc = Math.log(p) + extra(l);
    if (sc > bestScore) [best, bestScore] = [k, sc];
  }
  return { best: best ? best.split(',').map(Number) : [], bestScore, logProb: (l: number[]) => Math.log(sum.get(l.join(',')) ?? 0) };
}

const TEXT = [
  'IT IS A TRUTH UNIVERSALLY ACKNOWLEDGED', 'THAT A SINGLE MAN IN POSSESSION OF A GOOD FORTUNE', 'MUST BE IN WANT OF A WIFE',
  "HOWEVER LITTLE KNOWN THE FEELINGS OR VIEWS OF SUCH A MAN MAY BE", "IT ISN'T SO", 'A MAN', 'THE WIFE OF A MAN',
];

describe('greedy decoding', () => {
  before(async () => {
    await initBackend({ quiet: true });
  });
  it('merges repeats then removes blanks', () => {
    assert.deepEqual(collapsePath([0, 1, 1, 0, 1, 2, 2, 0, 0, 3]), [1, 1, 2, 3]);
    assert.deepEqual(collapsePath([2, 2, 2], 2), []);
  });
  it('batch equals one-by-one and respects lengths', () => {
    const rng = new Rng(7);
    const B = 3, T = 9, V = 5;
    const data = Array.from({ length: B * T * V }, () => rng.normal());
    const x = tf.tensor3d(data, [B, T, V]);
    const before = tf.memory().numTensors;
    const out = greedyDecodeBatch(x, [9, 4, 0]);
    assert.equal(tf.memory().numTensors, before);
    for (let b = 0; b < B; b++) assert.deepEqual(out[b], greedyDecode(data.slice(b * T * V), [9, 4, 0][b], V));
    assert.deepEqual(out[2], []);
    x.dispose();
  });
});

describe('prefix beam search', () => {
  // Not true in general: with flat outputs the best-scoring single prefix can differ from the best path.
  it('width 1 without an LM equals greedy on peaky (CTC-like) outputs', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 50; trial++) {
      const T = 5 + rng.int(40), V = 3 + rng.int(10);
      const lp = randomLogProbs(rng, T, V, 10); // argmax ~0.99 per frame, as trained CTC outputs

      assert.deepEqual(prefixBeamSearch(lp, T, V, { beamWidth: 1 })[0].tokens, greedyDecode(lp, T, V), `trial ${trial}`);
    }
  });

  it('a wide beam finds the most probable labeling (brute force over all V^T paths)', () => {
    const rng = new Rng(12);
    let differsFromGreedy = 0;
    for (let trial = 0; trial < 30; trial++) {
      const T = 3 + rng.int(4), V = 3;
      const lp = randomLogProbs(rng, T, V, trial % 2 ? 1 : 0);
      const bf = bruteForce(lp, T, V);
      const top = prefixBeamSearch(lp, T, V, { beamWidth: 200 })[0];
      assert.deepEqual(top.tokens, bf.best, `trial ${trial}`);
      assert.ok(Math.abs(top.acoustic - bf.logProb(top.tokens)) < 1e-9, 'acoustic score is the exact labeling probability');
      if (greedyDecode(lp, T, V).join() !== bf.best.join()) differsFromGreedy++;
    }
    assert.ok(differsFromGreedy > 0, 'the cases include ones where the best path is not the best labeling');
  });

  it('with an LM and insertion bonus, a wide beam maximizes the fused score exactly', () => {
    const rng = new Rng(13);
    const lm = CharNgramLm.train(['AB', 'BA', 'A B', 'AAB'], 3);
    const tokens = ['<b>', 'A', 'B', ' '];
    const fused = (l: number[]) => {
      const text = l.map((k) => tokens[k]).join('');
      return 0.8 * lm.sentenceLogProb(text) + 0.3 * l.length;
    };
    for (let trial = 0; trial < 20; trial++) {
      const T = 4, V = 4;
      const lp = randomLogProbs(rng, T, V, 0.5);
      const bf = bruteForce(lp, T, V, fused);
      const top = prefixBeamSearch(lp, T, V, { beamWidth: 500, lm, tokens, lmWeight: 0.8, insertionBonus: 0.3 })[0];
      assert.deepEqual(top.tokens, bf.best, `trial ${trial}`);
      assert.ok(Math.abs(top.score - bf.bestScore) < 1e-9, `score ${top.score} vs ${bf.bestScore}`);
    }
  });

  it('the LM moves an acoustically ambiguous frame towards in-domain text', () => {
    const v = charVocab();
    const lm = CharNgramLm.train(TEXT, 4);
    const word = 'THE WIFE';
    const V = v.tokens.length;
    const T = word.length;
    const lp = new Float64Array(T * V).fill(Math.log(0.001));
    for (let t = 0; t < T; t++) {
      const k = v.tokens.indexOf(word[t]);
      lp[t * V + k] = Math.log(0.9);
      if (t === 4) { lp[t * V + k] = Math.log(0.45); lp[t * V + v.tokens.indexOf('K')] = Math.log(0.5); } // W vs K
    }
    const text = (ids: number[]) => ids.map((k) => v.tokens[k]).join('');
    assert.equal(text(greedyDecode(lp, T, V)), 'THE KIFE');
    assert.equal(text(prefixBeamSearch(lp, T, V, { beamWidth: 8, lm, tokens: v.tokens, lmWeight: 1 })[0].tokens), 'THE WIFE');
    assert.throws(() => prefixBeamSearch(lp, T, V, { lm }), /needs the 29 vocabulary tokens/);
  });
});

describe('character n-gram LM (interpolated Kneser-Ney and Witten-Bell)', () => {
  it('P(. | context) sums to 1 for seen, unseen and short contexts, every order', () => {
    for (const [order, smoothing] of [[1, 'witten-bell'], [2, 'witten-bell'], [3, 'witten-bell'], [5, 'witten-bell'], [1, 'kneser-ney'], [3, 'kneser-ney'], [5, 'kneser-ney']] as const) {
      const lm = CharNgramLm.train(TEXT, order, '', smoothing);
      for (const ctx of ['', 'I', 'IT IS A TR', 'QQQZX', "ISN'", 'A MAN ', 'ZZZ WIFE']) {
        let p = 0;
        for (const s of LM_SYMBOLS) p += Math.exp(lm.logProb(ctx, s));
        assert.ok(Math.abs(p - 1) < 1e-12, `${smoothing} order ${order}, context '${ctx}': sum ${p}`);
      }
    }
  });

  it('Kneser-Ney: continuation counts make a frequent-but-context-bound symbol rare as a novel continuation', () => {
    // 'Q' is always followed by 'U', so 'U' has one left context; 'E' follows many symbols.
    const text = ['QUQUQUQUQUQUQUQUQUQU', 'THE BE SEE ME', 'QUE'];
    const kn = CharNgramLm.train(text, 2, '', 'kneser-ney');
    const wb = CharNgramLm.train(text, 2, '', 'witten-bell');
    assert.ok(kn.logProb('Z', 'U') < kn.logProb('Z', 'E'), 'after an unseen context, KN prefers the widely preceded E');
    assert.ok(kn.info.discounts.every((d) => d > 0 && d <= 1));
    assert.ok(wb.logProb('Z', 'U') > wb.logProb('Z', 'E'), 'Witten-Bell backs off to raw unigram counts (U is frequent)');
  });

  it('prefers in-domain text, and higher orders fit it better', () => {
    const lm2 = CharNgramLm.train(TEXT, 2);
    const lm5 = CharNgramLm.train(TEXT, 5);
    assert.ok(lm5.sentenceLogProb('A SINGLE MAN') > lm5.sentenceLogProb('N GMALE SAIN'));
    assert.ok(lm5.bitsPerChar(TEXT) < lm2.bitsPerChar(TEXT));
    for (const sym of LM_SYMBOLS) if (sym !== 'H') assert.ok(lm5.logProb('IT IS A TRUT', 'H') > lm5.logProb('IT IS A TRUT', sym), `H over ${sym}`);
    assert.ok(Math.exp(lm5.logProb('', LM_EOS)) > 0);
  });

  it('saves and loads as JSON with identical probabilities; bad files are named', () => {
    const lm = CharNgramLm.train(TEXT, 4, 'test sentences');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-lm-'));
    const file = path.join(dir, 'lm.json');
    saveLm(lm, file);
    const back = loadLm(file);
    assert.equal(back.order, 4);
    assert.equal(back.info.source, 'test sentences');
    for (const ctx of ['', 'IT IS', 'XQ']) for (const s of LM_SYMBOLS) assert.equal(back.logProb(ctx, s), lm.logProb(ctx, s));
    const kn = CharNgramLm.train(TEXT, 4, 'kn', 'kneser-ney');
    saveLm(kn, file);
    const knBack = loadLm(file);
    assert.equal(knBack.info.smoothing, 'kneser-ney');
    assert.equal(knBack.info.discounts.length, 4);
    for (const ctx of ['', 'IT IS', 'XQ']) for (const s of LM_SYMBOLS) assert.equal(knBack.logProb(ctx, s), kn.logProb(ctx, s));
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').slice(0, 200));
    assert.throws(() => loadLm(file), (e: Error) => e.message.startsWith(file) && /not valid JSON/.test(e.message));
    fs.writeFileSync(file, '{"format":"arpa"}');
    assert.throws(() => loadLm(file), /not a character n-gram LM/);
    assert.throws(() => CharNgramLm.train(['lower case'], 3), /normalize the text first/);
    fs.rmSync(dir, { recursive: true });
  });
});
