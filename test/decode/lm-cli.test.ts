import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { austenSentences, run } from '../../src/cli/lm';
import { LM_SYMBOLS, loadLm } from '../../src/decode/ngram-lm';

describe('birq lm', () => {
  it('refuses the dev and test books', async () => {
    await assert.rejects(austenSentences(['emma', 'northanger']), /'northanger' holds the test-clean \/ test-other transcripts/);
    await assert.rejects(austenSentences(['persuasion']), /'persuasion' holds the dev transcripts/);
  });

  it('trains on a text file, normalizing it, and writes a loadable LM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-lmcli-'));
    const text = path.join(dir, 'text.txt');
    fs.writeFileSync(text, 'It is a truth universally acknowledged,\nthat a single man — in possession of £5...\n\n');
    const out = path.join(dir, 'lm.json');
    const write = process.stdout.write;
    let printed = '';
    process.stdout.write = ((s: string) => ((printed += s), true)) as typeof process.stdout.write;
    try {
      assert.equal(await run(['--text', text, '--order', '3', '--out', out, '--json']), 0);
    } finally {
      process.stdout.write = write;
    }
    const report = JSON.parse(printed);
    assert.equal(report.sentences, 2);
    assert.equal(report.droppedCharacterKinds, 2, '£ and 5 are reported as dropped');
    const lm = loadLm(out);
    assert.equal(lm.order, 3);
    assert.equal(lm.info.smoothing, 'kneser-ney', 'the default smoothing');
    for (const sym of LM_SYMBOLS) if (sym !== 'N') assert.ok(lm.logProb('A SINGLE MA', 'N') > lm.logProb('A SINGLE MA', sym), `N over ${sym}`);
    fs.rmSync(dir, { recursive: true });
  });
});
