/** A short smoke pretraining lifts masked-prediction accuracy well above chance (the built-in smoke corpus). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyOverride, presetConfig, train } from '../../src/train';
import { dataRoot } from '../../src/util/paths';

test('smoke pretraining (BiRQ): anchor and enhanced accuracy well above chance', async () => {
  let c = presetConfig('smoke');
  // This test is about the smoke corpus; without it, fail (a toy stand-in would pass under the same name).
  const manifest = path.join(dataRoot(), c.data.corpus, 'manifest.jsonl');
  assert.ok(fs.existsSync(manifest), `smoke corpus missing (${manifest}): npm test builds it, or run \`npx birq data build --profile smoke\``);
  c = applyOverride(c, 'run.steps=60');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'birq-smoke-'));
  const r = await train({ config: c, runDir: dir, quiet: true });
  const last = r.metrics.slice(-3);
  const mean = (k: string) => last.reduce((s, m) => s + m[k], 0) / last.length;
  // Chance for a predictor that knows the label distribution is about 1/perplexity of the labels.
  const chanceA = 1 / mean('ppl_anchor');
  const chanceE = 1 / mean('ppl_enhanced');
  assert.ok(mean('acc_anchor') > 2.5 * chanceA, `anchor accuracy ${mean('acc_anchor').toFixed(3)} vs chance ${chanceA.toFixed(3)}`);
  // The enhanced stream concentrates on fewer codes as the encoder labels itself (perplexity falls, so this
  // chance rises); a smaller margin still separates learning from guessing.
  assert.ok(mean('acc_enhanced') > 1.5 * chanceE, `enhanced accuracy ${mean('acc_enhanced').toFixed(3)} vs chance ${chanceE.toFixed(3)}`);
  assert.ok(r.metrics[r.metrics.length - 1].G < r.metrics[0].G, 'G decreases');
  assert.ok(mean('acc_anchor') > 5 * r.metrics[0].acc_anchor || mean('acc_anchor') > 0.2, 'anchor accuracy rose during training');
  fs.rmSync(dir, { recursive: true, force: true });
});
